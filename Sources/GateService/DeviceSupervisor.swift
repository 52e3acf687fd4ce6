import GateBoard
import GateCore
import GateHardware
import Logging

/// Opens the board's devices, notices when one fails, backs off and tries again, and says when it is back.
/// It decides nothing about visitors: it returns `.deviceFault` / `.deviceRecovered` events for the controller,
/// and writes the journal lines staff read. Faults stay typed (`DeviceError`, `FaultSource`) until they reach
/// the controller's row text.
final class DeviceSupervisor {
    private let board: Board
    private let clock: GateClock
    private let logger: Logger
    /// Devices this supervisor has reported failed and not yet recovered.
    private var inFault: [FaultSource: DeviceError] = [:]
    private var cameraOpen = false
    private var cameraRetry = Backoff()
    private var thermometerRetry = Backoff()
    private var gpioRetry = Backoff()
    private var nextThermometerProbe: Double = 0
    /// A thermometer that vanished while nobody was at the gate is found by a read this often, when idle.
    static let thermometerProbeInterval = 5.0

    init(board: Board, clock: GateClock, logger: Logger) {
        self.board = board
        self.clock = clock
        self.logger = logger
    }

    /// At start: outputs first (to the safe state), then the camera and the thermometer.
    /// A device that does not open is a fault, not a failed start.
    func openAll() -> [GateEvent] {
        var events: [GateEvent] = []
        do {
            try board.io.open()
        } catch {
            events += failed(error)
        }
        board.io.safeState()
        events += openCamera()
        do {
            try board.thermometer.open()
        } catch {
            events += failed(error)
        }
        nextThermometerProbe = clock.monotonic() + Self.thermometerProbeInterval
        return events
    }

    func closeAll() {
        board.camera.close()
        board.thermometer.close()
        board.io.close()
    }

    /// A device failed: one journal line and one event per fault (a broken output line fails on every loop turn).
    func failed(_ error: DeviceError) -> [GateEvent] {
        guard let source = Self.source(of: error.device) else {
            // The ID-card reader has its own poller and never faults the gate: codes still work without it.
            logger.warning("device error", metadata: ["error": "\(error)"])
            return []
        }
        if source == .camera {
            // Every failed open or capture lengthens the camera's back-off.
            cameraOpen = false
            board.camera.close()
            cameraRetry.failed(now: clock.monotonic())
        }
        guard inFault[source] == nil else { return [] }
        // The outputs' back-off starts with the fault; their retries lengthen it (a thermometer is retried at once).
        if source == .gpio { gpioRetry.failed(now: clock.monotonic()) }
        inFault[source] = error
        logger.error("device fault", metadata: ["device": "\(source.rawValue)", "error": "\(error)"])
        return [.deviceFault(source, error.description)]
    }

    /// A thermometer read failed during a measurement. The controller hears of it through the measurement
    /// (`.temperatureFailed`), which refuses that visitor; here it only starts the retries.
    func thermometerReadFailed(_ error: DeviceError) {
        thermometerRetry.failed(now: clock.monotonic())
        inFault[.thermometer] = error
        logger.error("thermometer failed", metadata: ["error": "\(error)"])
    }

    /// Reopens the camera when its back-off allows; returns whether a frame may be asked for now.
    func cameraAvailable() -> (available: Bool, events: [GateEvent]) {
        guard !cameraOpen else { return (true, []) }
        guard cameraRetry.due(now: clock.monotonic()) else { return (false, []) }
        let events = openCamera()
        return (cameraOpen, events)
    }

    /// Frames flow again: that, not a successful open(), is the camera's recovery (a wedged camera opens fine).
    func frameArrived() -> [GateEvent] {
        guard inFault[.camera] != nil else { return [] }
        inFault[.camera] = nil
        cameraRetry.succeeded()
        logger.notice("camera recovered", metadata: ["path": "\(board.camera.path)"])
        return [.deviceRecovered(.camera)]
    }

    /// Housekeeping's turn: retries failed devices whose back-off is over, and, while the gate is idle,
    /// reads a healthy thermometer now and then so a sensor that went away is a fault before the next visitor.
    func retry(gateIdle: Bool) -> [GateEvent] {
        let now = clock.monotonic()
        var events: [GateEvent] = []
        if inFault[.thermometer] != nil && thermometerRetry.due(now: now) {
            board.thermometer.close()
            do {
                try board.thermometer.open()
                _ = try board.thermometer.read()
                thermometerRetry.succeeded()
                inFault[.thermometer] = nil
                logger.notice("thermometer recovered", metadata: ["path": "\(board.thermometer.path)"])
                events.append(.deviceRecovered(.thermometer))
            } catch {
                thermometerRetry.failed(now: clock.monotonic())
            }
        } else if inFault[.thermometer] == nil && gateIdle && now >= nextThermometerProbe {
            nextThermometerProbe = now + Self.thermometerProbeInterval
            do {
                _ = try board.thermometer.read()
            } catch {
                events += failed(error)
            }
        }
        if inFault[.gpio] != nil && gpioRetry.due(now: now) {
            board.io.close()
            do {
                try board.io.open()
                board.io.safeState()
                gpioRetry.succeeded()
                inFault[.gpio] = nil
                logger.notice("GPIO recovered", metadata: ["path": "\(board.io.path)"])
                events.append(.deviceRecovered(.gpio))
            } catch {
                gpioRetry.failed(now: clock.monotonic())
            }
        }
        return events
    }

    private func openCamera() -> [GateEvent] {
        do {
            try board.camera.open()
            cameraOpen = true
            return []
        } catch {
            return failed(error)
        }
    }

    static func source(of device: DeviceError.Device) -> FaultSource? {
        switch device {
        case .camera, .scanner: return .camera
        case .thermometer: return .thermometer
        case .gpio: return .gpio
        case .idReader: return nil
        }
    }
}

/// Retry delays for a failed device: 0.5 s doubling to 8 s, so a missing camera is retried
/// promptly but does not spin.
struct Backoff {
    private(set) var delay = 0.5
    private var nextAttempt: Double = 0

    func due(now: Double) -> Bool { now >= nextAttempt }

    mutating func failed(now: Double) {
        nextAttempt = now + delay
        delay = min(delay * 2, 8)
    }

    mutating func succeeded() {
        delay = 0.5
        nextAttempt = 0
    }
}
