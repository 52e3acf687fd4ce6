import Foundation
import GateBoard
import GateConfig
import GateCore
import GateHardware
import Logging
import Testing
@testable import GateService

// The pipeline on the simulated board, with faithful fakes for the scanner (a frame "contains" the
// payload written in its first bytes), the verifier (a table of verdicts) and the entry log (an
// in-memory list that can be told to fail like a full disk). The real scanner, verifier and log are
// exercised by their own suites and by the end-to-end tests of the healthgated binary.

final class MarkerScanner: CodeScanner {
    /// Frames whose first byte is 0xC0 carry a payload: length in byte 1, bytes from 2.
    func scan(_ frame: LumaFrame) -> [ScannedCode] {
        guard frame.pixels.count > 2, frame.pixels[0] == 0xC0 else { return [] }
        let length = Int(frame.pixels[1])
        return [ScannedCode(payload: Array(frame.pixels[2..<(2 + length)]))]
    }
}

final class TableVerifier: CodeVerifying {
    var verdicts: [String: CodeVerdict] = [:]
    func verify(payload: [UInt8], clock: ClockReading) -> CodeVerdict {
        let key = String(decoding: payload, as: UTF8.self)
        return verdicts[key] ?? CodeVerdict(format: .unknown, credential: nil, reasons: [.unsupportedFormat], keyID: nil,
                                            detail: "unknown prefix", fingerprint: key)
    }
    func reloadTrustIfChanged(force: Bool) -> [String] { [] }
    func reconfigure(_ codes: GateConfiguration.Codes) {}
    var trustKeyCount: Int { 1 }
    var nearestKeyExpiry: EpochSeconds? { nil }
}

final class MemoryLog: EntryLogging {
    var rows: [EntryRecord] = []
    var failing = false
    struct DiskFull: Error, CustomStringConvertible { var description: String { "database or disk is full" } }
    func append(_ record: EntryRecord, utcOffsetSeconds: Int) throws {
        if failing { throw DiskFull() }
        rows.append(record)
    }
    func recentAdmissions(since: EpochSeconds) throws -> [(fingerprint: String, time: EpochSeconds)] {
        rows.filter { $0.kind == .attempt && $0.decision == .admitted && $0.time >= since }
            .compactMap { row in row.codeFingerprint.map { ($0, row.time) } }
    }
    func lastOccupancy() throws -> (occupancy: Int, time: EpochSeconds)? {
        rows.last.flatMap { row in row.occupancyAfter.map { ($0, row.time) } }
    }
    var purgeCutoffs: [EpochSeconds] = []
    func purge(olderThan: EpochSeconds, now: EpochSeconds, utcOffsetSeconds: Int) throws -> Int {
        purgeCutoffs.append(olderThan)
        return 0
    }
}

/// The journal's lines, for the tests of what staff read there.
final class JournalLines: @unchecked Sendable {
    var lines: [String] = []
    func contains(_ text: String) -> Bool { lines.contains { $0.contains(text) } }
}

struct CapturingLogHandler: LogHandler {
    let journal: JournalLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        journal.lines.append("\(event.level): \(event.message)")
    }
}

/// Outputs that fail on demand, like a GPIO chip whose lines were claimed by someone else.
final class FailingOutputs: GateIO {
    let inner: SimulatedGateIO
    var failing = true
    private(set) var failedWrites = 0
    init(_ inner: SimulatedGateIO) { self.inner = inner }
    var path: String { inner.path }
    func open() throws(DeviceError) { try inner.open() }
    func set(_ line: OutputLine, _ active: Bool) throws(DeviceError) {
        if failing {
            failedWrites += 1
            throw DeviceError(device: .gpio, path: "gpiochip0:GPIO17", operation: "set line", errno: 16, message: "busy")
        }
        try inner.set(line, active)
    }
    func level(_ line: InputLine) throws(DeviceError) -> Bool { try inner.level(line) }
    func pendingEvents() throws(DeviceError) -> [InputEvent] { try inner.pendingEvents() }
    func safeState() { inner.safeState() }
    func close() { inner.close() }
}

func greenVerdict(_ payload: String) -> CodeVerdict {
    let credential = HealthCredential(format: .hg1, issuer: "330100", keyID: "01", issuedAt: nil, expiresAt: nil,
                                      colour: .green, subjectID: "subject-\(payload)")
    return CodeVerdict(format: .hg1, credential: credential, reasons: [], keyID: "01", detail: "", fingerprint: "fp-\(payload)")
}

/// A scenario folder with marker frames, a board and a pipeline.
final class Harness {
    let folder: URL
    let log = MemoryLog()
    let verifier = TableVerifier()
    var io: SimulatedGateIO!
    /// Wraps the outputs, e.g. in `FailingOutputs`.
    var wrapOutputs: (SimulatedGateIO) -> GateIO = { $0 }
    let journal = JournalLines()
    var pipeline: GatePipeline!
    var configuration: GateConfiguration
    /// Everything runs on this clock, the simulated board included: nothing sleeps, a scripted second is one.
    let clock = VirtualClock()

    init(script: String, frames: [String: String], configure: (inout GateConfiguration) -> Void = { _ in }) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("hg-pipeline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, payload) in frames {
            var pixels = [UInt8](repeating: 128, count: 160 * 120)
            pixels[0] = 0xC0
            pixels[1] = UInt8(payload.utf8.count)
            pixels.replaceSubrange(2..<(2 + payload.utf8.count), with: Array(payload.utf8))
            try Data(PGM.encode(LumaImage(width: 160, height: 120, pixels: pixels))).write(to: folder.appendingPathComponent(name))
        }
        try script.write(to: folder.appendingPathComponent("scenario.txt"), atomically: true, encoding: .utf8)
        configuration = try ConfigLoader.parse(text: """
            [codes]
            assume_clock_synchronised = true
            [timing]
            relay_pulse_ms = 150
            admitted_hold_ms = 200
            refused_hold_ms = 200
            remeasure_delay_ms = 100
            [paths]
            status_file = "\(folder.path)/status.json"
            [board]
            profile = "simulated"
            [board.camera]
            width = 160
            height = 120
            [board.simulated]
            scenario = "\(folder.path)/scenario.txt"
            fps = 200
            """, file: "test.toml")
        configure(&configuration)
    }

    func start() throws {
        let scenario = try Scenario.load(path: configuration.board.simulated!.scenario)
        let board = try SimulatedBoard(scenario: scenario, width: 160, height: 120)
        io = SimulatedGateIO(board: board, path: "sim", printer: nil, clock: clock)
        let devices = Board(camera: SimulatedCamera(board: board, fps: 200, path: "sim", clock: clock), scanner: MarkerScanner(),
                            thermometer: SimulatedThermometer(board: board, path: "sim"), io: wrapOutputs(io),
                            scriptEnded: { board.finished })
        let journal = journal
        pipeline = GatePipeline(configuration: configuration, board: devices, verifier: verifier, log: log,
                                clock: clock, logger: Logger(label: "test") { _ in CapturingLogHandler(journal: journal) })
        pipeline.start()
    }

    /// Steps until the scenario is played and the gate is idle again (bounded: 20 s of virtual time).
    func runToEnd() {
        let deadline = clock.monotonic() + 20
        while clock.monotonic() < deadline {
            pipeline.step()
            if pipeline.finished {
                // One more pass lets a relay pulse end.
                for _ in 0..<40 { pipeline.step() }
                return
            }
        }
    }

    /// Steps for this long on the virtual clock (or until `done`).
    func run(seconds: Double, until done: () -> Bool = { false }) {
        let deadline = clock.monotonic() + seconds
        while clock.monotonic() < deadline && !done() { pipeline.step() }
    }

    var relayTransitions: [Bool] { io.transitions.filter { $0.line == .relay }.map(\.active) }
    var attempts: [EntryRecord] { log.rows.filter { $0.kind == .attempt } }
    var events: [String] { log.rows.compactMap(\.event) }

    deinit { try? FileManager.default.removeItem(at: folder) }
}

@Suite(.serialized) struct PipelineTests {
    @Test func greenCodeWithNormalTemperatureOpensTheRelayOnceAndLogsFirst() throws {
        let harness = try Harness(script: """
            temperature 36.5
            frame green.pgm 10
            temperature none
            blank 60
            """, frames: ["green.pgm": "G1"])
        harness.verifier.verdicts["G1"] = greenVerdict("G1")
        try harness.start()
        harness.runToEnd()
        #expect(harness.attempts.count == 1, "a code held for 10 frames is one presentation")
        #expect(harness.attempts.first?.decision == .admitted)
        #expect(harness.attempts.first?.temperature == 36.5)
        #expect(harness.relayTransitions == [true, false], "pulsed once, then released")
        #expect(harness.events.first == "start")
        #expect(harness.pipeline.controller.occupancy == 1)
    }

    @Test func theRelayNeverOpensWhenTheRowCannotBeCommitted() throws {
        let harness = try Harness(script: "temperature 36.5\nframe green.pgm 5\nblank 60\n", frames: ["green.pgm": "G1"])
        harness.verifier.verdicts["G1"] = greenVerdict("G1")
        try harness.start()
        harness.log.failing = true   // the disk fills up after the start row
        harness.runToEnd()
        #expect(harness.relayTransitions.isEmpty)
        #expect(harness.pipeline.controller.faults[.log] != nil)
        #expect(harness.pipeline.controller.occupancy == 0)
        #expect(harness.pipeline.controller.lastDecision?.reasons == [.logFault])
        // Housekeeping retries the log each second; while it still fails the gate stays in fault.
        harness.run(seconds: 2.5)
        #expect(harness.pipeline.controller.state == .fault)
        #expect(harness.pipeline.controller.faults[.log] != nil)
    }

    @Test func admitAndBufferKeepsRowsAndWritesThemInOrderWhenTheLogReturns() throws {
        let harness = try Harness(script: "temperature 36.5\nframe a.pgm 5\nblank 60\nframe b.pgm 5\nblank 60\n",
                                  frames: ["a.pgm": "A", "b.pgm": "B"]) { config in
            config.controller.logFailurePolicy = .admitAndBuffer
        }
        harness.verifier.verdicts["A"] = greenVerdict("A")
        harness.verifier.verdicts["B"] = greenVerdict("B")
        try harness.start()
        harness.log.failing = true
        harness.runToEnd()
        #expect(harness.relayTransitions == [true, false, true, false])
        #expect(harness.attempts.isEmpty)
        harness.log.failing = false
        // Housekeeping retries once a second.
        harness.run(seconds: 3) { harness.attempts.count >= 2 }
        #expect(harness.attempts.map(\.codeFingerprint) == ["fp-A", "fp-B"])
        #expect(harness.pipeline.controller.faults[.log] == nil)
        #expect(harness.events.contains("recovered"))
    }

    @Test func theSameCodeShownAgainIsReplayedEvenAfterARestart() throws {
        let script = "temperature 36.5\nframe a.pgm 5\nblank 60\n"
        let first = try Harness(script: script, frames: ["a.pgm": "A"])
        first.verifier.verdicts["A"] = greenVerdict("A")
        try first.start()
        first.runToEnd()
        first.pipeline.shutdown()
        #expect(first.attempts.map(\.decision) == [.admitted])

        // A new daemon on the same log: anti-passback and occupancy come back from it.
        let second = try Harness(script: script, frames: ["a.pgm": "A"])
        second.verifier.verdicts["A"] = greenVerdict("A")
        second.log.rows = first.log.rows
        try second.start()
        #expect(second.pipeline.controller.occupancy == 1)
        second.runToEnd()
        #expect(second.attempts.last?.decision == .refused)
        #expect(second.attempts.last?.reasons == [.replayed])
        #expect(second.relayTransitions.isEmpty)
    }

    @Test func aCameraThatDisappearsIsAFaultAndComesBack() throws {
        let harness = try Harness(script: "blank 5\ncamera fail 3\nblank 400\n", frames: [:])
        try harness.start()
        harness.runToEnd()
        #expect(harness.events.contains("fault"))
        #expect(harness.events.contains("recovered"))
        #expect(harness.pipeline.controller.faults.isEmpty)
    }

    @Test func aThermometerFaultNeverAdmits() throws {
        let harness = try Harness(script: "thermometer fail\ntemperature 36.5\nframe a.pgm 5\nblank 60\n", frames: ["a.pgm": "A"])
        harness.verifier.verdicts["A"] = greenVerdict("A")
        try harness.start()
        harness.runToEnd()
        #expect(harness.relayTransitions.isEmpty)
        #expect(harness.attempts.first?.reasons == [.sensorFault])
    }

    @Test func anUnsynchronisedClockIsAFaultUntilItSyncs() throws {
        let harness = try Harness(script: "blank 400\n", frames: [:])
        let clock = harness.clock
        clock.synchronised = false
        try harness.start()
        for _ in 0..<20 { harness.pipeline.step() }
        #expect(harness.pipeline.controller.faults[.clock] != nil)
        #expect(harness.pipeline.controller.state == .fault)
        #expect(harness.log.rows.contains { $0.event == "fault" && $0.detail?.hasPrefix("clock:") == true })
        #expect(harness.log.rows.allSatisfy { !$0.clockSynchronised }, "every row says the clock was not synchronised")
        #expect(harness.log.purgeCutoffs.isEmpty, "no retention purge on a clock that may be years ahead")
        clock.synchronised = true
        harness.run(seconds: 3) { harness.pipeline.controller.faults[.clock] == nil }
        #expect(harness.pipeline.controller.state == .ready)
        #expect(harness.events.last == "recovered")
        for _ in 0..<5 { harness.pipeline.step() }
        #expect(harness.log.purgeCutoffs.count == 1, "the retention purge runs once the clock is synchronised")
    }

    @Test func rowsOlderThanTheRetentionArePurged() throws {
        let harness = try Harness(script: "blank 20\n", frames: [:]) { config in config.log.retentionDays = 7 }
        try harness.start()
        for _ in 0..<5 { harness.pipeline.step() }
        let expected = harness.clock.now - 7 * 86_400
        #expect(harness.log.purgeCutoffs.count == 1, "purged at start, then hourly")
        #expect(abs((harness.log.purgeCutoffs.first ?? 0) - expected) < 60)
    }

    @Test func theFireAlarmHoldsTheRelayUntilItClears() throws {
        let harness = try Harness(script: "blank 5\ninput fire_alarm on\nblank 40\ninput fire_alarm off\nblank 20\n", frames: [:])
        try harness.start()
        harness.runToEnd()
        #expect(harness.relayTransitions == [true, false])
        #expect(harness.events.contains("fire_alarm_on"))
        #expect(harness.events.contains("fire_alarm_off"))
        #expect(harness.journal.contains("critical: fire alarm: gate held open"), "staff find the open gate in the journal")
        #expect(harness.journal.contains("fire alarm cleared"))
    }

    @Test func aScriptedCameraFailureLastsItsScriptedTime() throws {
        // One second at 200 frames a second: the camera is back about a second later, whatever the retries.
        let harness = try Harness(script: "blank 5\ncamera fail 200\nblank 600\n", frames: [:])
        try harness.start()
        harness.runToEnd()
        let fault = try #require(harness.log.rows.first { $0.event == "fault" })
        let recovered = try #require(harness.log.rows.first { $0.event == "recovered" })
        #expect(fault.detail?.hasPrefix("camera:") == true)
        #expect(recovered.time - fault.time >= 1.0)
        #expect(recovered.time - fault.time < 2.0, "back-off retries must not stretch a one-second outage")
    }

    @Test func aThermometerThatGoesAwayWhileIdleIsAFaultBeforeTheNextVisitor() throws {
        let harness = try Harness(script: "blank 20\nthermometer fail\nblank 2000\n", frames: [:])
        try harness.start()
        let started = harness.clock.now
        harness.runToEnd()
        let fault = try #require(harness.log.rows.first { $0.event == "fault" })
        #expect(fault.detail?.hasPrefix("thermometer:") == true)
        #expect(fault.time - started <= DeviceSupervisor.thermometerProbeInterval + 1.5, "noticed by the idle probe")
        #expect(harness.attempts.isEmpty, "no visitor had to find it")
        #expect(harness.pipeline.controller.state == .fault)
    }

    @Test func outputsThatCannotBeDrivenAreOneFaultAndRefuseAdmissions() throws {
        let harness = try Harness(script: "temperature 36.5\nblank 40\nframe a.pgm 5\nblank 400\n", frames: ["a.pgm": "A"])
        harness.verifier.verdicts["A"] = greenVerdict("A")
        var outputs: FailingOutputs?
        harness.wrapOutputs = { inner in
            let failing = FailingOutputs(inner)
            outputs = failing
            return failing
        }
        try harness.start()
        // Before the first retry (0.5 s): every lamp update fails, and the fault is reported once.
        harness.run(seconds: 0.45)
        let failing = try #require(outputs)
        #expect(failing.failedWrites > 10)
        #expect(harness.log.rows.filter { $0.event == "fault" }.map(\.detail) == ["gpio: gpio gpiochip0:GPIO17: set line failed: busy (errno 16)"])
        #expect(harness.attempts.map(\.reasons) == [[.gpioFault]])
        #expect(harness.relayTransitions.isEmpty)
        #expect(harness.pipeline.controller.state == .refused || harness.pipeline.controller.state == .fault)
        failing.failing = false
        harness.run(seconds: 3)
        #expect(harness.pipeline.controller.faults.isEmpty)
        #expect(harness.pipeline.controller.state == .ready)
    }

    @Test func aDifferentCodeIsReadWhileARefusalIsShown() throws {
        // The visitor first shows the wrong app (red), then the right one at once: no waiting out the hold.
        let harness = try Harness(script: "temperature 36.5\nframe red.pgm 10\nframe green.pgm 10\nblank 80\n",
                                  frames: ["red.pgm": "R", "green.pgm": "G"]) { config in
            config.controller.refusedHoldMilliseconds = 5000
        }
        var red = greenVerdict("R")
        red.credential?.colour = .red
        harness.verifier.verdicts["R"] = red
        harness.verifier.verdicts["G"] = greenVerdict("G")
        try harness.start()
        harness.runToEnd()
        #expect(harness.attempts.map(\.decision) == [.refused, .admitted])
        let times = harness.attempts.map(\.time)
        #expect(times.count == 2 && times[1] - times[0] < 1, "decided within the refusal's 5 s hold")
        #expect(harness.relayTransitions == [true, false])
    }

    @Test func exitsCountDownAndAFeverIsRefusedAfterTheRemeasure() throws {
        let harness = try Harness(script: """
            temperature 36.5
            frame a.pgm 5
            blank 60
            temperature 38.4
            frame b.pgm 5
            blank 80
            input exit_sensor
            blank 5
            """, frames: ["a.pgm": "A", "b.pgm": "B"])
        harness.verifier.verdicts["A"] = greenVerdict("A")
        harness.verifier.verdicts["B"] = greenVerdict("B")
        try harness.start()
        harness.runToEnd()
        #expect(harness.attempts.map(\.decision) == [.admitted, .refused])
        #expect(harness.attempts.last?.reasons == [.fever])
        #expect(harness.attempts.last?.temperature == 38.4)
        #expect(harness.attempts.last?.remeasuredTemperature == 38.4)
        #expect(harness.events.contains("exit"))
        #expect(harness.pipeline.controller.occupancy == 0)
    }
}
