import EntryLog
import Foundation
import GateCore
import Testing

// End to end: the real healthgated binary on the simulated board, over the demo's visitors
// (scripts/make-visitors.sh: real signed codes rendered as QR frames with gatectl). The devices are
// the simulated board's; the scanner (zbar), the verifier, the controller and the entry log (SQLite)
// are the real ones. Assertions are on what the gate did: relay transitions and log rows.

/// Paths of the package and of the binaries `swift test` built next to the test bundle.
enum Paths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var binaries: URL {
        // The test bundle runs from the build's bin directory, where the executables are.
        let bundle = Bundle.main.bundleURL
        for candidate in [bundle, bundle.deletingLastPathComponent()] where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("healthgated").path) {
            return candidate
        }
        return root.appendingPathComponent(".build/debug")
    }
}

struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// healthgated running in the background for tests that signal it or change its files while it runs. Its
/// stdout (the simulated board's transcript) and stderr (the journal) go to files beside the config, so a
/// test can wait for what it printed instead of sleeping a fixed time (a loaded machine starts it slowly).
struct BackgroundDaemon {
    let process: Process
    let stdoutFile: URL
    let stderrFile: URL
    var stdout: String { (try? String(contentsOf: stdoutFile, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }

    /// Starts it and returns once it runs its loop (it has written its status file).
    init(config: URL, statusFile: URL) throws {
        let folder = config.deletingLastPathComponent()
        stdoutFile = folder.appendingPathComponent("daemon.stdout")
        stderrFile = folder.appendingPathComponent("daemon.stderr")
        FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
        FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        process = Process()
        process.executableURL = Paths.binaries.appendingPathComponent("healthgated")
        process.arguments = ["--config", config.path]
        process.standardOutput = try FileHandle(forWritingTo: stdoutFile)
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        try process.run()
        let process = process
        waitFor("healthgated to write \(statusFile.lastPathComponent)") {
            !process.isRunning || FileManager.default.fileExists(atPath: statusFile.path)
        }
    }

    /// SIGTERM, then waits for the exit.
    func stop() {
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }
}

/// Polls `condition` every 50 ms; records an issue naming `what` if it is still false after `timeout` seconds.
@discardableResult
func waitFor(_ what: String, timeout: Double = 60, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    if condition() { return true }
    Issue.record("waited \(timeout) s for \(what)")
    return false
}

/// Runs a program to its end (bounded).
func run(_ program: URL, _ arguments: [String], environment: [String: String] = [:], timeout: Double = 180) throws -> Run {
    let process = Process()
    process.executableURL = program
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Drain both pipes while it runs so a chatty child never blocks on a full pipe.
    nonisolated(unsafe) var stdoutData = Data(), stderrData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { stdoutData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    group.enter()
    DispatchQueue.global().async { stderrData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        Issue.record("\(program.lastPathComponent) did not finish within \(timeout) s")
    }
    process.waitUntilExit()
    group.wait()
    return Run(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
               stderr: String(decoding: stderrData, as: UTF8.self))
}

/// The demo's visitors, generated once per test in a fresh folder.
func makeVisitors() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hg-e2e-\(UUID().uuidString)")
    let generated = try run(Paths.root.appendingPathComponent("scripts/make-visitors.sh"), [folder.path],
                            environment: ["BIN": Paths.binaries.path])
    #expect(generated.status == 0, "make-visitors.sh failed: \(generated.stderr)")
    return folder
}

/// Relay levels printed by the simulated GPIO, grouped under the scenario's narration lines.
func relayBySegment(_ stdout: String) -> [String: [String]] {
    var segments: [String: [String]] = [:]
    var current = "start"
    for line in stdout.split(separator: "\n") {
        if line.hasPrefix("── ") {
            current = String(line.dropFirst(3).prefix(while: { $0 != ":" }))
        } else if let range = line.range(of: "gpio relay=") {
            segments[current, default: []].append("relay=" + line[range.upperBound...])
        }
    }
    return segments
}

@Suite(.serialized) struct DaemonEndToEndTests {
    @Test func theDemoVisitorsGetTheRightDecisions() throws {
        let folder = try makeVisitors()
        defer { try? FileManager.default.removeItem(at: folder) }
        let daemon = try run(Paths.binaries.appendingPathComponent("healthgated"), ["--config", folder.appendingPathComponent("healthgate.toml").path])
        #expect(daemon.status == 0, "healthgated failed: \(daemon.stderr)")

        // The relay: pulsed (up, then down) for the admitted visitors only.
        let relay = relayBySegment(daemon.stdout)
        #expect(relay["Visitor 1"] == ["relay=1", "relay=0"])
        #expect(relay["Visitor 11"] == ["relay=1", "relay=0"])
        #expect(relay["Visitor 12"] == ["relay=1", "relay=0"], "admitted before the county revokes the person")
        #expect(relay["Visitor 13"] == nil, "the issuer's new key is not trusted before the bundle")
        #expect(relay["County bundle"] == nil)
        #expect(relay["Visitor 13 again"] == ["relay=1", "relay=0"], "the bundle rotated the new key in")
        #expect(relay["Visitor 12 again"] == nil, "the bundle revoked the person")
        #expect(!daemon.stdout.contains("drop failed"), "\(daemon.stdout)")
        #expect(relay["Staff override"] == ["relay=1", "relay=0"])
        #expect(relay["Fire alarm"] == ["relay=1", "relay=0"], "held open for the alarm, released when it clears")
        for visitor in 2...10 { #expect(relay["Visitor \(visitor)"] == nil, "visitor \(visitor) must not open the relay") }

        // The log: one row per attempt, in order, with the reasons.
        let reader = try EntryLogReader(path: folder.appendingPathComponent("entries.sqlite").path)
        let rows = try reader.entries(EntryFilter(limit: nil)).map(\.record)
        let attempts = rows.filter { $0.kind == .attempt }
        #expect(attempts.map(\.decision) == [.admitted] + Array(repeating: .refused, count: 9)
            + [.admitted, .admitted, .refused, .admitted, .refused, .override])
        #expect(attempts.map(\.reasons) == [
            [], [.redCode], [.yellowCode], [.fever], [.expired], [.badSignature], [.unknownIssuer], [.replayed],
            [.unsupportedFormat], [.unreadable], [], [], [.unknownIssuer], [], [.revoked], [],
        ])
        #expect(attempts.last?.detail == "by button: staff button")
        let fever = attempts[3]
        #expect(fever.temperature == 38.4 && fever.remeasuredTemperature == 38.4, "both readings are logged")
        #expect(attempts[6].detail?.contains("kid ") == true, "an unknown issuer's kid is in the log")
        #expect(attempts[10].occupancyAfter == 1, "the exit sensor counted visitor 1 out")
        // Key rotation and revocation (issue 16): the scenario drops the county's bundle into the spool between
        // visitor 13's two tries; housekeeping applies it without restart and logs version and digest.
        #expect(attempts[12].detail?.contains("kid ") == true && attempts[13].codeFingerprint == attempts[12].codeFingerprint,
                "visitor 13 shows the same new-key code twice")
        let applied = rows.filter { $0.event == "bundle_applied" }
        #expect(applied.count == 1 && applied.first?.detail?.hasPrefix("version 1 sha256 ") == true, "\(applied.map(\.detail))")
        // Rows are in log order: the bundle row lies between visitor 13's refusal and admission.
        let attemptIndices = rows.indices.filter { rows[$0].kind == .attempt }
        let appliedIndex = rows.firstIndex { $0.event == "bundle_applied" }
        #expect(attemptIndices.count == 16 && appliedIndex.map { attemptIndices[12] < $0 && $0 < attemptIndices[13] } == true,
                "applied between the refusal and the admission")
        #expect(!rows.contains { $0.event == "bundle_refused" })
        #expect(daemon.stderr.contains("county bundle applied"), "\(daemon.stderr)")
        let events = rows.compactMap(\.event)
        #expect(events.contains("fire_alarm_on") && events.contains("fire_alarm_off"))
        #expect(rows.first?.event == "start")
        #expect(rows.last?.event == "stop")

        // Privacy: only masked personal data reaches the database.
        #expect(attempts[0].maskedName == "张*")
        #expect(attempts[0].maskedIDNumber == "3301**********1234")
        let database = try Data(contentsOf: folder.appendingPathComponent("entries.sqlite"))
        #expect(database.range(of: Data("visitor-green".utf8)) == nil, "subject ids are pseudonyms, never the source text")

        #expect(try reader.verifyChain().isValid)

        // The clean stop anchored the head (the stop row) beside the database, signed.
        let anchorFile = folder.appendingPathComponent("anchors.jsonl").path
        let anchors = try reader.verifyAnchors(file: anchorFile)
        let head = try reader.lastSeq()
        #expect(anchors.isValid && anchors.anchorsChecked >= 1 && anchors.newest?.seq == head, "\(anchors)")
        // What staff run: it says which anchor it checked against; with the newest rows deleted it fails.
        let gatectl = Paths.binaries.appendingPathComponent("gatectl")
        let config = ["--config", folder.appendingPathComponent("healthgate.toml").path]
        let verify = try run(gatectl, ["verify", "--anchor", anchorFile] + config, environment: ["LC_ALL": "C", "LANG": "C"])
        #expect(verify.status == 0 && verify.stdout.contains("newest anchor\tline \(anchors.newestLine ?? 0): row \(head ?? 0)"), "\(verify.stdout)")
        let printed = try run(gatectl, ["anchors"] + config)
        let onBoard = try String(contentsOfFile: anchorFile, encoding: .utf8)
        #expect(printed.status == 0 && printed.stdout == onBoard)
        let copy = folder.appendingPathComponent("copy.sqlite").path
        _ = try run(URL(fileURLWithPath: "/usr/bin/sqlite3"), [folder.appendingPathComponent("entries.sqlite").path, ".backup '\(copy)'"])
        _ = try run(URL(fileURLWithPath: "/usr/bin/sqlite3"), [copy, "DELETE FROM entry WHERE seq > 3"])
        let truncated = try run(gatectl, ["verify", "--db", copy, "--anchor", anchorFile] + config, environment: ["LC_ALL": "C", "LANG": "C"])
        #expect(truncated.status == 1 && truncated.stdout.contains("the log ends at row 3"), "\(truncated.stdout)")
        // Issue 12 item 3: the database and its WAL lost, the daemon refuses to start a new chain, and says how to recover.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: folder.appendingPathComponent("entries.sqlite").path + suffix) }
        let again = try run(Paths.binaries.appendingPathComponent("healthgated"), ["--config", folder.appendingPathComponent("healthgate.toml").path])
        #expect(again.status != 0 && again.stderr.contains("does not continue the chain anchored in \(anchorFile)"), "\(again.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("entries.sqlite").path))
    }

    @Test func sigtermLeavesTheRelayReleasedAndLogsTheStop() throws {
        let folder = try makeVisitors()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Loop the scenario so the daemon is mid-run (possibly mid-pulse) when the signal arrives.
        let config = folder.appendingPathComponent("healthgate.toml")
        var text = try String(contentsOf: config, encoding: .utf8)
        text += "at_end = \"loop\"\n"
        try text.write(to: config, atomically: true, encoding: .utf8)

        let daemon = try BackgroundDaemon(config: config, statusFile: folder.appendingPathComponent("status.json"))
        waitFor("visitor 1's admission") { daemon.stdout.contains("gpio relay=1") }
        daemon.stop()
        #expect(daemon.process.terminationStatus == 0)
        let relayLines = daemon.stdout.split(separator: "\n").filter { $0.contains("gpio relay=") }
        #expect(relayLines.first?.hasSuffix("relay=1") == true, "visitor 1 was admitted before the signal")
        #expect(relayLines.last?.hasSuffix("relay=0") == true, "the relay is released on SIGTERM")
        #expect(daemon.stderr.contains("stop requested by signal"))
        let reader = try EntryLogReader(path: folder.appendingPathComponent("entries.sqlite").path)
        #expect(try reader.entries(EntryFilter(limit: 1)).last?.record.event == "stop")
    }

    @Test func sighupReloadsAGoodConfigAndRefusesABadOne() throws {
        let folder = try makeVisitors()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("healthgate.toml")
        let original = try String(contentsOf: config, encoding: .utf8) + "at_end = \"idle\"\n"
        try original.write(to: config, atomically: true, encoding: .utf8)

        let daemon = try BackgroundDaemon(config: config, statusFile: folder.appendingPathComponent("status.json"))
        // A broken file: refused, the running configuration kept.
        try original.replacingOccurrences(of: "approved_capacity = 40", with: "approved_capacity = 40\noccupancy_percent = 0")
            .write(to: config, atomically: true, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        waitFor("the refused reload") { daemon.stderr.contains("configuration reload refused") }
        #expect(daemon.process.isRunning, "a bad config on reload must not stop the gate")
        // A good change: applied.
        try original.replacingOccurrences(of: "approved_capacity = 40", with: "approved_capacity = 80")
            .replacingOccurrences(of: "id = \"demo-gate\"", with: "id = \"demo-gate-2\"")
            .write(to: config, atomically: true, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        waitFor("the applied reload") { daemon.stderr.contains("configuration reloaded") }
        daemon.stop()
        let stderr = daemon.stderr
        #expect(daemon.process.terminationStatus == 0)
        #expect(stderr.contains("configuration reload refused"))
        #expect(stderr.contains("rules.occupancy_percent"))
        #expect(stderr.contains("configuration reloaded"))
        #expect(stderr.contains("take effect at the next restart") && stderr.contains("keys=gate.id"),
                "a key a reload cannot apply is named, not silently ignored")
        let events = try EntryLogReader(path: folder.appendingPathComponent("entries.sqlite").path)
            .entries(EntryFilter(kind: .event, limit: nil)).compactMap(\.record.event)
        #expect(events.filter { $0 == "config_reload" }.count == 1, "only the good file was applied")
        let status = try JSONDecoder().decode(GateStatus.self, from: Data(contentsOf: folder.appendingPathComponent("status.json")))
        #expect(status.state == .stopped)
        #expect(status.occupancyLimit == 60, "80 approved × 75 %")
    }

    @Test func gatectlOpenAdmitsOnePersonInTheStaffMembersName() throws {
        let folder = try makeVisitors()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("healthgate.toml")
        // An empty entrance, so the only admission is the override.
        try "blank 1000\n".write(to: folder.appendingPathComponent("scenario.txt"), atomically: true, encoding: .utf8)
        let daemon = try BackgroundDaemon(config: config, statusFile: folder.appendingPathComponent("status.json"))
        let open = try run(Paths.binaries.appendingPathComponent("gatectl"), ["open", "--config", config.path, "--reason", "phone battery dead"])
        #expect(open.status == 0, "gatectl open failed: \(open.stdout) \(open.stderr)")
        waitFor("the override's relay pulse") { daemon.stdout.contains("gpio relay=0") }
        daemon.stop()
        #expect(daemon.stdout.contains("gpio relay=1"))
        let overrides = try EntryLogReader(path: folder.appendingPathComponent("entries.sqlite").path)
            .entries(EntryFilter(decisions: [.override], limit: nil)).map(\.record)
        let user = String(cString: getpwuid(getuid()).pointee.pw_name)
        #expect(overrides.map(\.detail) == ["by \(user): phone battery dead"])
    }

    @Test func aMalformedConfigStopsBeforeAnythingStarts() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hg-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("bad.toml")
        try """
            [log]
            database = "\(folder.path)/entries.sqlite"
            [rules]
            occupancy_percent = 175
            [board]
            profile = "simulated"
            [board.simulated]
            scenario = "\(folder.path)/none.txt"
            """.write(to: config, atomically: true, encoding: .utf8)
        let binary = Paths.binaries.appendingPathComponent("healthgated")

        let check = try run(binary, ["--check-config", config.path])
        #expect(check.status == 2)
        #expect(check.stderr.contains("\(config.path):4: rules.occupancy_percent: must be between 1 and 100 (got 175)"))

        let start = try run(binary, ["--config", config.path])
        #expect(start.status == 2)
        #expect(start.stderr.contains("rules.occupancy_percent"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("entries.sqlite").path), "nothing was started")
    }
}
