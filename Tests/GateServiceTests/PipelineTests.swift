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
    var pipeline: GatePipeline!
    var configuration: GateConfiguration
    var clock: GateClock = SystemClock(assumeSynchronised: true)

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
        io = SimulatedGateIO(board: board, path: "sim", printer: nil)
        let devices = Board(camera: SimulatedCamera(board: board, fps: 200, path: "sim"), scanner: MarkerScanner(),
                            thermometer: SimulatedThermometer(board: board, path: "sim"), io: io, simulation: board)
        pipeline = GatePipeline(configuration: configuration, board: devices, verifier: verifier, log: log,
                                clock: clock, logger: Logger(label: "test"))
        pipeline.start()
    }

    /// Steps until the scenario is played and the gate is idle again (bounded).
    func runToEnd() {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            pipeline.step()
            if pipeline.scenarioFinished && (pipeline.controller.state == .ready || pipeline.controller.state == .fault) {
                // One more pass lets a relay pulse end.
                for _ in 0..<40 { pipeline.step() }
                return
            }
        }
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
        let deadline = Date().addingTimeInterval(2.5)
        while Date() < deadline { harness.pipeline.step() }
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
        let deadline = Date().addingTimeInterval(3)
        while Date() < deadline && harness.attempts.count < 2 { harness.pipeline.step() }
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
        /// Wall time, with the synchronised flag under the test's control (the kernel's is not).
        final class SwitchableClock: GateClock, @unchecked Sendable {
            var synchronised = false
            func read() -> ClockReading { ClockReading(now: Date().timeIntervalSince1970, synchronised: synchronised) }
        }
        let clock = SwitchableClock()
        let harness = try Harness(script: "blank 400\n", frames: [:])
        harness.clock = clock
        try harness.start()
        for _ in 0..<20 { harness.pipeline.step() }
        #expect(harness.pipeline.controller.faults[.clock] != nil)
        #expect(harness.pipeline.controller.state == .fault)
        #expect(harness.log.rows.contains { $0.event == "fault" && $0.detail?.hasPrefix("clock:") == true })
        #expect(harness.log.rows.allSatisfy { !$0.clockSynchronised }, "every row says the clock was not synchronised")
        #expect(harness.log.purgeCutoffs.isEmpty, "no retention purge on a clock that may be years ahead")
        clock.synchronised = true
        let deadline = Date().addingTimeInterval(3)
        while Date() < deadline && harness.pipeline.controller.faults[.clock] != nil { harness.pipeline.step() }
        #expect(harness.pipeline.controller.state == .ready)
        #expect(harness.events.last == "recovered")
        for _ in 0..<5 { harness.pipeline.step() }
        #expect(harness.log.purgeCutoffs.count == 1, "the retention purge runs once the clock is synchronised")
    }

    @Test func rowsOlderThanTheRetentionArePurged() throws {
        let harness = try Harness(script: "blank 20\n", frames: [:]) { config in config.log.retentionDays = 7 }
        try harness.start()
        for _ in 0..<5 { harness.pipeline.step() }
        let expected = Date().timeIntervalSince1970 - 7 * 86_400
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
