import GateCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GateCore
#if canImport(Glibc)
import Glibc
#endif

/// The simulated board: a camera, a thermometer and GPIO that play one `Scenario`. They implement
/// the same protocols as the Linux drivers, so the daemon cannot tell the difference. Everything
/// runs on the daemon's loop thread, and on the clock it is given: on a `VirtualClock` nothing sleeps.
public final class SimulatedBoard {
    public let scenario: Scenario
    private var images: [String: LumaImage] = [:]
    private let width: Int
    private let height: Int
    /// A few noise frames cycled for "blank": an empty entrance is never perfectly still.
    private var noiseFrames: [[UInt8]] = []

    // Playhead.
    private var stepIndex = 0
    private var remainingInStep = 0
    private(set) public var framesPlayed: UInt64 = 0
    public private(set) var finished = false

    // State the script sets.
    fileprivate var objectTemperature: Double?
    fileprivate var thermometerFailing = false
    fileprivate var pendingInputs: [InputEvent] = []
    fileprivate var inputLevels: [InputLine: Bool] = [:]
    /// Receives the scenario's `say` lines.
    public var narrator: ((String) -> Void)?
    /// The simulated ID-card reader module behind a pty, when the script puts cards on it (`idcard` steps).
    public let idCardModule: SimulatedSAMModule?

    /// Loads every frame the script names, so playback never touches the disk.
    public init(scenario: Scenario, width: Int = 640, height: Int = 480) throws(DeviceError) {
        self.scenario = scenario
        self.width = width
        self.height = height
        if scenario.steps.contains(where: { if case .idCard = $0 { true } else { false } }) {
            do { idCardModule = try SimulatedSAMModule() } catch let error as DeviceError { throw error } catch {
                throw DeviceError(device: .idReader, path: "/dev/ptmx", operation: "open", message: "\(error)")
            }
        } else {
            idCardModule = nil
        }
        for case .frame(let path, _) in scenario.steps where images[path] == nil {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw DeviceError(device: .camera, path: path, operation: "load scenario frame", message: "cannot read the file")
            }
            do {
                let image = try PGM.decode([UInt8](data))
                guard image.width == width, image.height == height else {
                    throw DeviceError(device: .camera, path: path, operation: "load scenario frame",
                                      message: "frame is \(image.width)x\(image.height), the camera is \(width)x\(height)")
                }
                images[path] = image
            } catch let error as ImageError {
                throw DeviceError(device: .camera, path: path, operation: "load scenario frame", message: error.description)
            } catch let error as DeviceError {
                throw error
            } catch {
                throw DeviceError(device: .camera, path: path, operation: "load scenario frame", message: "\(error)")
            }
        }
        var generator = SplitMix64(seed: 0x6865_616c_7468)  // the same noise on every run
        for _ in 0..<4 {
            noiseFrames.append((0..<(width * height)).map { index in
                // A dim, slightly graded scene with ±6 levels of sensor noise.
                let base = 90 + (index % width) / 16
                return UInt8(clamping: base + Int(generator.next() % 13) - 6)
            })
        }
    }

    public enum Content {
        case image([UInt8])
        /// The camera is unplugged for this many frame periods (of time, however often it is reopened).
        case cameraGone(frames: Int)
    }

    /// Advances one frame period and returns what the camera sees. Script steps that are not frames
    /// (temperature, inputs…) take effect on the way.
    func advance() -> Content? {
        while remainingInStep == 0 {
            guard stepIndex < scenario.steps.count else {
                // Looping a script without frames would spin forever without yielding one.
                if loops && scenario.steps.contains(where: { if case .frame = $0 { return true }; if case .blank = $0 { return true }; return false }) {
                    stepIndex = 0
                    continue
                }
                finished = true
                return nil
            }
            let step = scenario.steps[stepIndex]
            stepIndex += 1
            switch step {
            case .frame(_, let count), .blank(let count):
                remainingInStep = count
            case .temperature(let celsius):
                objectTemperature = celsius
            case .thermometerFails(let failing):
                thermometerFailing = failing
            case .cameraFails(let count):
                return .cameraGone(frames: count)
            case .pulse(let line):
                pendingInputs.append(InputEvent(line: line, active: true))
                pendingInputs.append(InputEvent(line: line, active: false))
            case .hold(let line, let active):
                inputLevels[line] = active
                pendingInputs.append(InputEvent(line: line, active: active))
            case .say(let text):
                narrator?(text)
            case .drop(let path, let directory):
                if let problem = Self.drop(path, into: directory) { narrator?("(drop failed: \(problem))") }
            case .idCard(let card):
                idCardModule?.present(card)
            }
        }
        remainingInStep -= 1
        framesPlayed += 1
        if case .frame(let path, _) = scenario.steps[stepIndex - 1], let image = images[path] {
            return .image(image.pixels)
        }
        return .image(noiseFrames[Int(framesPlayed % UInt64(noiseFrames.count))])
    }

    /// The `drop` step: a copy under a hidden name, then a rename, so a reader of the folder never sees half a file.
    /// Returns what went wrong, if anything.
    static func drop(_ path: String, into directory: String) -> String? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let target = directory + "/" + name
        let partial = directory + "/." + name + ".part"
        guard let data = FileManager.default.contents(atPath: path) else { return "cannot read \(path)" }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(atPath: partial)
            guard FileManager.default.createFile(atPath: partial, contents: data) else { return "cannot write \(partial)" }
            try? FileManager.default.removeItem(atPath: target)
            try FileManager.default.moveItem(atPath: partial, toPath: target)
        } catch {
            return "\(path) into \(directory): \(error)"
        }
        return nil
    }

    /// Plays the script again from the start when it ends (`at_end = "loop"`).
    public var loops = false

    public var frameSize: (width: Int, height: Int) { (width, height) }
}

/// Plays the scenario's frames at the configured rate, on the clock it is given.
public final class SimulatedCamera: Camera {
    public let path: String
    private let board: SimulatedBoard
    private let clock: GateClock
    private let framePeriod: Double
    private var nextFrameAt: Double = 0
    private var isOpen = false
    /// A scripted `camera fail`: the device node is away until then (monotonic seconds), as when unplugged.
    private var goneUntil: Double = 0

    public init(board: SimulatedBoard, fps: Int, path: String, clock: GateClock = SystemClock(assumeSynchronised: true)) {
        self.board = board
        self.clock = clock
        self.framePeriod = 1.0 / Double(max(1, fps))
        self.path = path
    }

    public func open() throws(DeviceError) {
        guard clock.monotonic() >= goneUntil else {
            throw DeviceError(device: .camera, path: path, operation: "open", errno: ENOENT,
                              message: "no such file or directory (simulated)")
        }
        isOpen = true
        nextFrameAt = clock.monotonic()
    }

    public func withNextFrame<R>(timeoutMilliseconds: Int, _ body: (LumaFrame) throws -> R) throws -> R? {
        guard isOpen else {
            throw DeviceError(device: .camera, path: path, operation: "capture", message: "not open")
        }
        let now = clock.monotonic()
        let wait = nextFrameAt - now
        if wait > Double(timeoutMilliseconds) / 1000 {
            clock.sleep(seconds: Double(timeoutMilliseconds) / 1000)
            return nil
        }
        if wait > 0 { clock.sleep(seconds: wait) }
        // Never try to catch up on a backlog: a real camera drops frames rather than queueing them.
        nextFrameAt = max(nextFrameAt + framePeriod, clock.monotonic())
        guard let content = board.advance() else {
            // The scenario is over: an idle entrance, one frame period at a time.
            clock.sleep(seconds: framePeriod)
            return nil
        }
        switch content {
        case .cameraGone(let frames):
            isOpen = false
            goneUntil = clock.monotonic() + Double(frames) * framePeriod
            throw DeviceError(device: .camera, path: path, operation: "VIDIOC_DQBUF", errno: ENODEV,
                              message: "no such device (simulated)")
        case .image(let pixels):
            let size = board.frameSize
            return try pixels.withUnsafeBytes { buffer in
                try body(LumaFrame(width: size.width, height: size.height, bytesPerRow: size.width, pixels: buffer,
                                   sequence: board.framesPlayed))
            }
        }
    }

    public func close() { isOpen = false }
}

/// Returns the scripted object temperature, or fails like a sensor that NACKs.
public final class SimulatedThermometer: Thermometer {
    public let path: String
    private let board: SimulatedBoard
    /// What an IR sensor sees with nobody in front: the room.
    public var ambientCelsius = 22.0

    public init(board: SimulatedBoard, path: String) {
        self.board = board
        self.path = path
    }

    public func open() throws(DeviceError) {
        if board.thermometerFailing { throw nack("open") }
    }

    public func read() throws(DeviceError) -> ThermometerReading {
        if board.thermometerFailing { throw nack("SMBus read word 0x07") }
        return ThermometerReading(objectCelsius: board.objectTemperature ?? ambientCelsius, ambientCelsius: ambientCelsius)
    }

    private func nack(_ operation: String) -> DeviceError {
        DeviceError(device: .thermometer, path: path, operation: operation, errno: ENXIO,
                    message: "no acknowledgement (simulated)")
    }

    public func close() {}
}

/// Records every output transition with a timestamp and prints it, and delivers scripted input edges.
public final class SimulatedGateIO: GateIO {
    public struct Transition: Sendable, Equatable {
        public var time: Double
        public var line: OutputLine
        public var active: Bool
    }

    public let path: String
    private let board: SimulatedBoard
    private var levels: [OutputLine: Bool] = [:]
    /// The most recent transitions (at most `transitionsKept`): a simulation looping for days must not grow.
    public private(set) var transitions: [Transition] = []
    public static let transitionsKept = 4096
    /// Where transitions are printed (the demo shows them); nil = record only.
    private let printer: (@Sendable (String) -> Void)?
    /// Stamps the transitions (wall time, as the demo prints them).
    private let clock: GateClock

    public init(board: SimulatedBoard, path: String, printer: (@Sendable (String) -> Void)?,
                clock: GateClock = SystemClock(assumeSynchronised: true)) {
        self.board = board
        self.path = path
        self.printer = printer
        self.clock = clock
    }

    public func open() throws(DeviceError) {}

    public func set(_ line: OutputLine, _ active: Bool) throws(DeviceError) {
        guard levels[line, default: false] != active else { return }
        levels[line] = active
        let time = clock.read().now
        if transitions.count >= Self.transitionsKept { transitions.removeFirst(Self.transitionsKept / 2) }
        transitions.append(Transition(time: time, line: line, active: active))
        printer?("\(formatTime(time)) gpio \(line.rawValue)=\(active ? 1 : 0)")
    }

    public func level(_ line: InputLine) throws(DeviceError) -> Bool {
        board.inputLevels[line, default: false]
    }

    public func pendingEvents() throws(DeviceError) -> [InputEvent] {
        defer { board.pendingInputs.removeAll() }
        return board.pendingInputs
    }

    public func safeState() {
        for line in OutputLine.allCases { try? set(line, false) }
    }

    public func close() {}

    private func formatTime(_ time: Double) -> String {
        var seconds = time_t(time)
        var parts = tm()
        localtime_r(&seconds, &parts)
        let millis = Int((time - Double(Int(time))) * 1000)
        func pad(_ v: Int32, _ width: Int = 2) -> String {
            let text = String(v)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec)).\(pad(Int32(millis), 3))"
    }
}
