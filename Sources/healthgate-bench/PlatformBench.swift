import EntryLog
import Foundation
import GateBoard
import GateConfig
import GateCore
import GateHardware
import GateService
import GateTooling
import HealthCode
import Logging
import PlatformClient

// Issue 15's figures: the daemon's pipeline in process, with the real PlatformClient, against the real
// reference platform (healthgate-platform-sim) answering in 50 ms, 500 ms or not at all; and whether frames keep
// flowing while a lookup is outstanding (frames per second while `verifying` against idle, same run).

extension PlatformClient: PlatformVerifying {}

/// The simulated camera, noting when each frame (by sequence number) was handed to the pipeline.
final class DeliveryCamera: Camera {
    private let inner: SimulatedCamera
    var path: String { inner.path }
    var delivered: [UInt64: Double] = [:]
    init(_ inner: SimulatedCamera) { self.inner = inner }
    func open() throws(DeviceError) { try inner.open() }
    func close() { inner.close() }
    func withNextFrame<R>(timeoutMilliseconds: Int, _ body: (LumaFrame) throws -> R) throws -> R? {
        try inner.withNextFrame(timeoutMilliseconds: timeoutMilliseconds) { frame in
            delivered[frame.sequence] = monotonic()
            return try body(frame)
        }
    }
}

/// The simulated GPIO, noting when the relay closes.
final class RelayTimes: GateIO {
    private let inner: SimulatedGateIO
    var path: String { inner.path }
    var relayOn: [Double] = []
    init(_ inner: SimulatedGateIO) { self.inner = inner }
    func set(_ line: OutputLine, _ active: Bool) throws(DeviceError) {
        if line == .relay && active { relayOn.append(monotonic()) }
        try inner.set(line, active)
    }
    func open() throws(DeviceError) { try inner.open() }
    func level(_ line: InputLine) throws(DeviceError) -> Bool { try inner.level(line) }
    func pendingEvents() throws(DeviceError) -> [InputEvent] { try inner.pendingEvents() }
    func safeState() { inner.safeState() }
    func close() { inner.close() }
}

struct PlatformRun {
    var label: String
    /// First frame showing the token → relay command.
    var frameToRelay: [Double] = []
    var presentations = 0
    var framesWhileVerifying = 0
    var secondsVerifying = 0.0
    var framesIdle = 0
    var secondsIdle = 0.0
    var verifyingFPS: Double { Double(framesWhileVerifying) / secondsVerifying }
    var idleFPS: Double { Double(framesIdle) / secondsIdle }
    /// Frames per second over the same stretch of frames after each token (from its first frame on, `window`
    /// frames): the A/B of "lookup outstanding" against "answered at once" plays exactly the same frames.
    var windowFPS: [Double] = []
}

/// The reference platform in the background on a free loopback port.
final class PlatformProcess {
    let process = Process()
    let port: Int
    init(binary: String, folder: String, mode: String, latencyMilliseconds: Int, benchPersons: Int) throws {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--port", "0", "--database", folder + "/platform.sqlite", "--secret-file", folder + "/platform.secret",
                             "--gate", "bench-gate", "--venue", "V-BENCH", "--mode", mode,
                             "--latency-ms", String(latencyMilliseconds), "--bench-persons", String(benchPersons)]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("listening on 127.0.0.1:"), let bound = Int(text.split(separator: ":").last ?? "") else {
            process.terminate()
            throw BenchError("reference platform did not start: \(text)")
        }
        port = bound
        let handle = output.fileHandleForReading
        DispatchQueue.global().async { _ = handle.readDataToEndOfFile() }
    }
    deinit {
        process.terminate()
        process.waitUntilExit()
    }
}

/// One run: `count` distinct tokens, each shown for `hold` frames then `gap` blank frames at `fps`.
func measurePlatform(label: String, simulator: String, work: String, mode: String, latencyMilliseconds: Int,
                     budgetMilliseconds: Int, count: Int, fps: Int, hold: Int, gap: Int, window: Int = 0,
                     logger: Logger) throws -> PlatformRun {
    let folder = work + "/platform-" + label.filter { $0.isLetter || $0.isNumber }
    try FileManager.default.createDirectory(atPath: folder + "/requests", withIntermediateDirectories: true)
    let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    FileManager.default.createFile(atPath: folder + "/platform.secret", contents: Data((secret + "\n").utf8), attributes: [.posixPermissions: 0o600])
    let platform = try PlatformProcess(binary: simulator, folder: folder, mode: mode, latencyMilliseconds: latencyMilliseconds, benchPersons: count)

    // The scenario, and the sequence number of each token's first frame.
    var script = "blank \(gap)\n"
    var firstFrames: [UInt64] = []
    var sequence: UInt64 = UInt64(gap)
    for index in 1...count {
        let token = "HGP:BENCH-" + String(repeating: "0", count: max(0, 4 - String(index).count)) + String(index)
        let image = try QRRenderer.render(Array(token.utf8))
        try Data(PGM.encode(image)).write(to: URL(fileURLWithPath: folder + "/token-\(index).pgm"))
        script += "temperature 36.6\nframe \(folder)/token-\(index).pgm \(hold)\nblank \(gap)\ntemperature none\nblank 5\n"
        firstFrames.append(sequence + 1)
        sequence += UInt64(hold + gap + 5)
    }
    try script.write(toFile: folder + "/scenario.txt", atomically: true, encoding: .utf8)
    var text = configurationText(gateID: "bench-gate", scenario: folder + "/scenario.txt", fps: fps, atEnd: "stop", folder: folder, replayWindow: 0)
    text += """

        [platform]
        url = "http://127.0.0.1:\(platform.port)"
        venue_code = "V-BENCH"
        secret_file = "\(folder)/platform.secret"
        budget_ms = \(budgetMilliseconds)
        on_unavailable = "register_and_admit"
        """
    let configuration = try ConfigLoader.parse(text: text, file: folder + "/bench.toml")
    guard let settings = configuration.platform else { throw BenchError("no [platform] in the bench configuration") }
    let client = try PlatformClient(
        settings: .init(baseURL: settings.url, gateID: configuration.gate.id, venueCode: settings.venueCode, tokenPrefixes: settings.tokenPrefixes,
                        budgetMilliseconds: settings.budgetMilliseconds, probeIntervalSeconds: settings.probeIntervalSeconds, caFile: nil),
        secret: Hex.decode(secret)!, pseudonymKey: Array(repeating: 0x5A, count: 32))

    guard let simulated = configuration.board.simulated else { throw BenchError("no [board.simulated]") }
    let board = try SimulatedBoard(scenario: try Scenario.load(path: simulated.scenario), width: Corpus.width, height: Corpus.height)
    let camera = DeliveryCamera(SimulatedCamera(board: board, fps: simulated.fps, path: "bench"))
    let io = RelayTimes(SimulatedGateIO(board: board, path: "bench-gpio", printer: nil))
    let devices = Board(camera: camera, scanner: try PlannedScanner(decoders: configuration.board.scanner.decoders),
                        thermometer: SimulatedThermometer(board: board, path: "bench-thermometer"), io: io, scriptEnded: { board.finished })
    let log = try EntryLogWriter(path: configuration.log.database, gateID: configuration.gate.id)
    let pipeline = GatePipeline(configuration: configuration, board: devices,
                                verifier: TrustStoreVerifier(codes: configuration.codes, subjectKey: SubjectKey(bytes: Array(repeating: 0x5A, count: 32))),
                                log: log, clock: SystemClock(assumeSynchronised: true), logger: logger, platform: client)
    var run = PlatformRun(label: label)
    pipeline.onDecision = { _ in run.presentations += 1 }
    pipeline.start()
    let deadline = monotonic() + Double(sequence) / Double(fps) * 3 + 30
    while monotonic() < deadline {
        let state = pipeline.controller.state
        let before = pipeline.framesProcessed
        let started = monotonic()
        pipeline.step()
        let frames = Int(pipeline.framesProcessed - before)
        let took = monotonic() - started
        if state == .verifying && pipeline.controller.state == .verifying {
            run.framesWhileVerifying += frames
            run.secondsVerifying += took
        } else if state == .ready && pipeline.controller.state == .ready {
            run.framesIdle += frames
            run.secondsIdle += took
        }
        if pipeline.finished && pipeline.controller.state == .ready { break }
    }
    pipeline.shutdown()
    if window > 0 {
        for first in firstFrames {
            if let start = camera.delivered[first], let end = camera.delivered[first + UInt64(window)] {
                run.windowFPS.append(Double(window) / (end - start))
            }
        }
    }
    // Each relay closing belongs to the latest token whose first frame came before it.
    let firstDelivered = firstFrames.compactMap { camera.delivered[$0] }
    for relay in io.relayOn {
        if let shown = firstDelivered.last(where: { $0 <= relay }) { run.frameToRelay.append(relay - shown) }
    }
    return run
}

/// The figures: decision latency at 50 ms, 500 ms and no answer (budget 1.5 s, register_and_admit), and frames per
/// second while a lookup is outstanding against idle frames in the same runs.
func platformReport(simulator: String, work: String) throws {
    guard FileManager.default.isExecutableFile(atPath: simulator) else {
        print("platform: not measured (no healthgate-platform-sim at \(simulator); pass --platform-sim PATH)")
        return
    }
    step("platform verification: the pipeline with PlatformClient against healthgate-platform-sim (50 ms, 500 ms, no answer)")
    let logger = Logger(label: "healthgated")
    let savedStderr = dup(2)
    let devNull = open("/dev/null", O_WRONLY)
    dup2(devNull, 2)
    defer { dup2(savedStderr, 2) }
    let runs = [
        try measurePlatform(label: "answer in 50 ms", simulator: simulator, work: work, mode: "normal", latencyMilliseconds: 50,
                            budgetMilliseconds: 1500, count: 20, fps: 100, hold: 6, gap: 60, logger: logger),
        try measurePlatform(label: "answer in 500 ms", simulator: simulator, work: work, mode: "normal", latencyMilliseconds: 500,
                            budgetMilliseconds: 1500, count: 20, fps: 100, hold: 6, gap: 100, logger: logger),
        try measurePlatform(label: "no answer (budget 1.5 s)", simulator: simulator, work: work, mode: "hang", latencyMilliseconds: 0,
                            budgetMilliseconds: 1500, count: 12, fps: 100, hold: 6, gap: 220, logger: logger),
        // Frames as fast as the loop goes (1000 fps asked, more than it reaches), a platform that never answers and a
        // 5 s budget, against the same frames with the platform answering at once: the lookup must not slow the loop.
        try measurePlatform(label: "throughput, lookup outstanding", simulator: simulator, work: work, mode: "hang", latencyMilliseconds: 0,
                            budgetMilliseconds: 5000, count: 5, fps: 1000, hold: 6, gap: 6000, window: 2000, logger: logger),
        try measurePlatform(label: "throughput, answered at once", simulator: simulator, work: work, mode: "normal", latencyMilliseconds: 0,
                            budgetMilliseconds: 5000, count: 5, fps: 1000, hold: 6, gap: 6000, window: 2000, logger: logger),
    ]
    dup2(savedStderr, 2)
    print("")
    print("platform verification (pipeline in process, real PlatformClient and reference platform on loopback):")
    for run in runs.prefix(3) {
        let latency = Summary(run.frameToRelay)
        print("  \(pad(run.label, 28)) frame-to-relay p50 \(format(latency.median * 1000, 1)) ms, p99 \(format(latency.p99 * 1000, 1)) ms " +
              "(n = \(latency.count) of \(run.presentations) decisions); frames/s while verifying \(format(run.verifyingFPS, 1)) " +
              "vs idle \(format(run.idleFPS, 1)) (ratio \(format(run.verifyingFPS / run.idleFPS, 3)))")
    }
    let outstanding = Summary(runs[3].windowFPS).median
    let answered = Summary(runs[4].windowFPS).median
    let ratio = outstanding / answered
    print("  frames/s over the 2000 frames after each token, loop-bound: lookup outstanding \(format(outstanding, 1)) " +
          "(n = \(runs[3].windowFPS.count)), answered at once \(format(answered, 1)) (n = \(runs[4].windowFPS.count)): " +
          "ratio \(format(ratio, 3))   target >= 0.95 \(ratio >= 0.95 ? "met" : "MISSED")")
}
