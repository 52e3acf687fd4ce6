import CBenchAlloc
import CZbar
import EntryLog
import Foundation
import GateBoard
import GateConfig
import GateCore
import GateHardware
import GateService
import HealthCode
import Logging

// MARK: - Raw baseline

/// zbar's C API as zbarcam uses it: one image scanner for the run, QR only (binary, as the
/// project sets it, so payloads compare byte for byte), one zbar image per frame.
final class RawZbar {
    private let scanner: OpaquePointer

    init() {
        scanner = zbar_image_scanner_create()!
        zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0)
        zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1)
        zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1)
    }

    deinit { zbar_image_scanner_destroy(scanner) }

    /// Decodes one frame; true when `expected` (if any) is among the symbols.
    func scan(_ image: LumaImage, expecting expected: [UInt8]?) -> Bool {
        image.pixels.withUnsafeBytes { buffer in
            guard let zimage = zbar_image_create() else { return false }
            zbar_image_set_format(zimage, 0x3030_3859)  // Y800
            zbar_image_set_size(zimage, UInt32(image.width), UInt32(image.height))
            zbar_image_set_data(zimage, buffer.baseAddress, UInt(buffer.count), nil)
            defer {
                zbar_image_set_data(zimage, nil, 0, nil)
                zbar_image_destroy(zimage)
            }
            guard zbar_scan_image(scanner, zimage) > 0 else { return false }
            var symbol = zbar_image_first_symbol(zimage)
            while let current = symbol {
                if let data = zbar_symbol_get_data(current), let expected {
                    let bytes = UnsafeRawBufferPointer(start: data, count: Int(zbar_symbol_get_data_length(current)))
                    if bytes.elementsEqual(expected) { return true }
                }
                symbol = zbar_symbol_next(current)
            }
            return false
        }
    }
}

func withFrame<R>(_ image: LumaImage, sequence: UInt64 = 0, _ body: (LumaFrame) -> R) -> R {
    image.pixels.withUnsafeBytes { body(LumaFrame(width: image.width, height: image.height, bytesPerRow: image.width, pixels: $0, sequence: sequence)) }
}

/// Per-frame times of the raw baseline over the corpus (every frame, `passes` times).
/// `codesFound`: the codes found in at least one of their frames.
func measureBaseline(_ frames: [Corpus.Frame], passes: Int) -> (times: [Double], detected: Int, codesFound: Set<Int>) {
    let zbar = RawZbar()
    var times: [Double] = []
    var detected = 0
    var codesFound = Set<Int>()
    for pass in 0..<passes {
        for frame in frames {
            let started = monotonic()
            let found = zbar.scan(frame.image, expecting: frame.payload)
            times.append(monotonic() - started)
            if pass == 0 && found {
                detected += 1
                if let code = frame.code { codesFound.insert(code) }
            }
        }
    }
    return (times, detected, codesFound)
}

// MARK: - Camera order

/// The frames as a camera delivers them: each visitor holds their phone (the code's noise variants,
/// cycled) for `holdFrames`, then the entrance is empty for `gapFrames`.
struct CameraOrder {
    struct Slot {
        var frame: Corpus.Frame
        /// Index of the presentation this frame belongs to; nil for empty frames.
        var presentation: Int?
    }
    var slots: [Slot] = []
    var presentations = 0

    init(_ corpus: Corpus, holdFrames: Int, gapFrames: Int, rounds: Int = 1) {
        var empty = 0
        let codes = Dictionary(grouping: corpus.codeFrames, by: { $0.code ?? -1 }).sorted { $0.key < $1.key }
        for (_, variants) in Array(repeating: codes, count: rounds).joined() {
            for index in 0..<holdFrames { slots.append(Slot(frame: variants[index % variants.count], presentation: presentations)) }
            presentations += 1
            for _ in 0..<gapFrames {
                slots.append(Slot(frame: corpus.emptyFrames[empty % corpus.emptyFrames.count], presentation: nil))
                empty += 1
            }
        }
    }
}

struct StageResult {
    var codeTimes: [Double] = []
    var emptyTimes: [Double] = []
    var codeAllocations = 0
    var emptyAllocations = 0
    var codeFramesDetected = 0
    var presentationsDetected = Set<Int>()
}

/// The daemon's scanner stage (planner + zbar) in camera order, its clock advancing one 30 fps
/// frame period per frame: the retry cadence is the one a camera gives.
func measureScannerStage(_ order: CameraOrder, rounds: Int) throws -> StageResult {
    var frameClock = 0.0
    let scanner = try PlannedScanner(decoders: BoardConfiguration.Scanner.defaultDecoders, clock: { frameClock })
    return measureScannerStage(order, rounds: rounds, scanner: scanner, advance: { frameClock += 1.0 / 30 })
}

/// `scanner` in camera order; `advance` moves its clock one frame period.
func measureScannerStage(_ order: CameraOrder, rounds: Int, scanner: PlannedScanner, advance: () -> Void) -> StageResult {
    var result = StageResult()
    for round in 0..<rounds {
        for slot in order.slots {
            advance()
            let allocations = benchalloc_count()
            let started = monotonic()
            let codes = withFrame(slot.frame.image) { scanner.scan($0) }
            let elapsed = monotonic() - started
            let allocated = Int(benchalloc_count() - allocations)
            if let presentation = slot.presentation {
                result.codeTimes.append(elapsed)
                result.codeAllocations += allocated
                if round == 0, let payload = slot.frame.payload, codes.contains(where: { $0.payload == payload }) {
                    result.codeFramesDetected += 1
                    result.presentationsDetected.insert(presentation)
                }
            } else {
                result.emptyTimes.append(elapsed)
                result.emptyAllocations += allocated
            }
        }
    }
    return result
}

/// The scanner stage on each corpus frame seen for the first time (a fresh planner per frame: no
/// reuse), the cost of the frame that brings a code into view; comparable frame for frame with the baseline.
func measureFirstSight(_ frames: [Corpus.Frame], passes: Int) throws -> (times: [Double], detected: Int) {
    let zbar = try ZbarScanner(), zxing = try ZxingScanner()
    let schedule = PlannedScanner.schedule(for: BoardConfiguration.Scanner.defaultDecoders)
    var times: [Double] = []
    var detected = 0
    for pass in 0..<passes {
        for frame in frames {
            let scanner = PlannedScanner(schedule: schedule, zbar: zbar, zxing: zxing, clock: { 0 })
            let started = monotonic()
            let codes = withFrame(frame.image) { scanner.scan($0) }
            times.append(monotonic() - started)
            if pass == 0, let payload = frame.payload, codes.contains(where: { $0.payload == payload }) { detected += 1 }
        }
    }
    return (times, detected)
}

// MARK: - Pipeline on the simulated board

/// The simulated camera, noting when each frame is handed to the pipeline (and the allocation count then).
final class TimingCamera: Camera {
    private let inner: SimulatedCamera
    var path: String { inner.path }
    var deliveredAt: Double?
    var allocationsAtDelivery: UInt64 = 0
    var sequence: UInt64 = 0

    init(_ inner: SimulatedCamera) { self.inner = inner }
    func open() throws(DeviceError) { try inner.open() }
    func close() { inner.close() }

    func withNextFrame<R>(timeoutMilliseconds: Int, _ body: (LumaFrame) throws -> R) throws -> R? {
        try inner.withNextFrame(timeoutMilliseconds: timeoutMilliseconds) { frame in
            deliveredAt = monotonic()
            allocationsAtDelivery = benchalloc_count()
            sequence = frame.sequence
            return try body(frame)
        }
    }
}

/// The simulated GPIO, noting the time from the last frame's delivery to each relay command.
final class TimingIO: GateIO {
    private let inner: SimulatedGateIO
    private let camera: TimingCamera
    var path: String { inner.path }
    var frameToRelay: [Double] = []
    var scanBeforeRelay: [Double] = []
    /// The current frame's scan time (the pipeline's `onFrameScanned`).
    var lastScan = 0.0

    init(_ inner: SimulatedGateIO, camera: TimingCamera) {
        self.inner = inner
        self.camera = camera
    }

    func set(_ line: OutputLine, _ active: Bool) throws(DeviceError) {
        if line == .relay && active, let delivered = camera.deliveredAt {
            frameToRelay.append(monotonic() - delivered)
            scanBeforeRelay.append(lastScan)
        }
        try inner.set(line, active)
    }

    func open() throws(DeviceError) { try inner.open() }
    func level(_ line: InputLine) throws(DeviceError) -> Bool { try inner.level(line) }
    func pendingEvents() throws(DeviceError) -> [InputEvent] { try inner.pendingEvents() }
    func safeState() { inner.safeState() }
    func close() { inner.close() }
}

struct PipelineResult {
    var stage = StageResult()
    var decisions = 0
    var admitted = 0
    var frameToRelay: [Double] = []
    /// Scan time of the frame that opened the relay, and code-to-decision time (verify, controller, log commit, relay).
    var scanBeforeRelay: [Double] = []
    var decisionTimes: [Double] = []
}

/// Writes the camera order as a scenario of the simulated board (over the corpus PGM files).
func writeScenario(_ order: CameraOrder, corpusFolder: String, to path: String, temperature: Double) throws {
    var lines = ["# healthgate-bench: the corpus in camera order (written by the benchmark)"]
    var inView = false
    for slot in order.slots {
        if (slot.presentation != nil) != inView {
            inView.toggle()
            lines.append(inView ? "temperature \(temperature)" : "temperature none")
        }
        lines.append("frame \(corpusFolder)/\(slot.frame.name) 1")
    }
    try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
}

/// GatePipeline with the daemon's verifier, controller and SQLite entry log, on the simulated board
/// playing the camera order at `fps`. Per-frame time: frame delivery → the end of that frame's
/// processing (scan, verification, decision, actuation, the committed log row).
func measurePipeline(_ order: CameraOrder, configuration: GateConfiguration, logger: Logger) throws -> PipelineResult {
    guard let simulated = configuration.board.simulated else { throw BenchError("pipeline configuration lacks [board.simulated]") }
    let board = try SimulatedBoard(scenario: try Scenario.load(path: simulated.scenario), width: Corpus.width, height: Corpus.height)
    let camera = TimingCamera(SimulatedCamera(board: board, fps: simulated.fps, path: "bench"))
    let io = TimingIO(SimulatedGateIO(board: board, path: "bench-gpio", printer: nil), camera: camera)
    let devices = Board(camera: camera, scanner: try PlannedScanner(decoders: configuration.board.scanner.decoders),
                        thermometer: SimulatedThermometer(board: board, path: "bench-thermometer"), io: io, scriptEnded: { board.finished })
    let log = try EntryLogWriter(path: configuration.log.database, gateID: configuration.gate.id)
    let pipeline = GatePipeline(configuration: configuration, board: devices, verifier: TrustStoreVerifier(codes: configuration.codes, subjectKey: SubjectKey(bytes: Array(repeating: 0x5A, count: 32))),
                                log: log, clock: SystemClock(assumeSynchronised: true), logger: logger)
    var result = PipelineResult()
    pipeline.onDecision = { record in
        result.decisions += 1
        if record.decision == .admitted { result.admitted += 1 }
    }
    pipeline.onFrameScanned = { io.lastScan = $0 }
    pipeline.onDecisionLatency = { result.decisionTimes.append($0) }
    pipeline.start()
    let deadline = monotonic() + Double(order.slots.count) / Double(simulated.fps) * 3 + 30
    while monotonic() < deadline {
        camera.deliveredAt = nil
        pipeline.step()
        if let delivered = camera.deliveredAt {
            let elapsed = monotonic() - delivered
            let allocated = Int(benchalloc_count() - camera.allocationsAtDelivery)
            let index = Int(camera.sequence) - 1
            if order.slots.indices.contains(index), order.slots[index].presentation != nil {
                result.stage.codeTimes.append(elapsed)
                result.stage.codeAllocations += allocated
            } else {
                result.stage.emptyTimes.append(elapsed)
                result.stage.emptyAllocations += allocated
            }
        }
        if pipeline.finished && pipeline.controller.state == .ready { break }
    }
    pipeline.shutdown()
    result.frameToRelay = io.frameToRelay
    result.scanBeforeRelay = io.scanBeforeRelay
    return result
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
