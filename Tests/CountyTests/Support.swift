import CountyStore
import CountyTooling
import EntryLog
import Foundation
import GateCore
import Glibc

/// The package's executables are built next to the test runner.
func executable(_ name: String) -> String {
    URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent(name).path
}

/// 2026-11-29 00:00:00 UTC (08:00 in Asia/Shanghai).
let baseTime: EpochSeconds = 1_795_910_400
let shanghaiOffset = 8 * 3600

func attempt(_ time: EpochSeconds, subject: String, decision: EntryRecord.Decision = .admitted, reasons: [Reason] = [],
             name: String = "张*") -> EntryRecord {
    EntryRecord(time: time, kind: .attempt, decision: decision, reasons: reasons, format: .hg1, issuer: "gd",
                colour: .green, maskedName: name, maskedIDNumber: "440***********123X", subjectID: subject,
                temperature: 36.5, clockSynchronised: true, codeFingerprint: "fp-\(subject)", rules: ["colour=pass"])
}

func event(_ time: EpochSeconds, _ name: String) -> EntryRecord {
    EntryRecord(time: time, kind: .event, decision: .none, event: name, clockSynchronised: true)
}

/// One simulated gate on disk: its entry log (written by the real EntryLogWriter), its config, the uplink's config.
final class GateFixture {
    let directory: String
    let gateID: String
    let writer: EntryLogWriter
    var logPath: String { directory + "/entries.sqlite" }
    var uplinkConfig: String { directory + "/uplink.toml" }
    var stateFile: String { directory + "/acknowledged" }
    var uplinkLog: String { directory + "/uplink.log" }
    var uplinkLogText: String { String(decoding: FileManager.default.contents(atPath: uplinkLog) ?? Data(), as: UTF8.self) }

    init(gateID: String, venue: String, server: PostgresServer, database: String, batchRows: Int = 200) throws {
        var template = Array("/tmp/hg-gate-XXXXXX".utf8CString)
        directory = String(cString: mkdtemp(&template)!)
        self.gateID = gateID
        writer = try EntryLogWriter(path: directory + "/entries.sqlite", gateID: gateID,
                                    anchor: AnchorSettings(file: directory + "/anchors.jsonl", keyFile: directory + "/anchor.key"))
        try """
            [gate]
            id = "\(gateID)"
            venue = "market"
            [log]
            database = "\(logPath)"
            anchor_file = "\(directory)/anchors.jsonl"
            anchor_key = "\(directory)/anchor.key"
            [paths]
            status_file = "\(directory)/status.json"
            [board]
            profile = "simulated"
            [board.simulated]
            scenario = "\(directory)/scenario.txt"
            """.write(toFile: directory + "/healthgate.toml", atomically: true, encoding: .utf8)
        let passwordFile = directory + "/password"
        try (server.password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
        chmod(passwordFile, 0o600)
        try """
            [uplink]
            gate_config = "\(directory)/healthgate.toml"
            venue_name = "\(venue)"
            socket = "\(server.directory)"
            database = "\(database)"
            user = "\(server.user)"
            password_file = "\(passwordFile)"
            batch_rows = \(batchRows)
            poll_interval_ms = 50
            heartbeat_interval_s = 1
            retry_max_s = 1
            timeout_s = 2
            state_file = "\(stateFile)"
            """.write(toFile: uplinkConfig, atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// `count` attempts, one every `step` seconds from `start`, subjects s-<gate>-<n>.
    @discardableResult
    func append(_ count: Int, start: Double, step: Double = 5) throws -> [Int64] {
        var seqs: [Int64] = []
        var index = 0
        while index < count {
            let chunk = (index..<min(count, index + 1000)).map {
                attempt(start + Double($0) * step, subject: "s-\(gateID)-\($0)")
            }
            seqs += try writer.append(contentsOf: chunk, utcOffsetSeconds: shanghaiOffset)
            index += chunk.count
        }
        return seqs
    }

    func hashes() throws -> [Int64: String] {
        var out: [Int64: String] = [:]
        for (row, _) in try EntryLogReader(path: logPath).chainRows(after: 0, limit: 1_000_000) { out[row.seq] = row.hash }
        return out
    }

    func uplinkProcess(once: Bool) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable("healthgate-uplink"))
        process.arguments = ["--config", uplinkConfig] + (once ? ["--once"] : [])
        process.standardOutput = FileHandle.nullDevice
        // The uplink's log, kept for a failing test's message.
        FileManager.default.createFile(atPath: uplinkLog, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: uplinkLog))
        log.seekToEndOfFile()
        process.standardError = log
        try process.run()
        return process
    }

    /// Runs `healthgate-uplink --once` to the end; its exit status.
    func shipOnce() throws -> Int32 {
        let process = try uplinkProcess(once: true)
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// What the county holds for a gate, read with psql (independently of CountyStore's own queries).
struct CountyCopy {
    var rows: Int
    var distinctSeqs: Int
    var hashes: [Int64: String]
    var contiguous: Int64
    var status: String
    var quarantined: Int

    init(server: PostgresServer, database: String, gateID: String) throws {
        let counts = try server.psql("SELECT count(*), count(DISTINCT seq) FROM entries WHERE gate_id = '\(gateID)'", database: database)
            .split(separator: "|").map { Int($0)! }
        rows = counts[0]
        distinctSeqs = counts[1]
        hashes = [:]
        let text = try server.psql("SELECT seq, encode(hash, 'hex') FROM entries WHERE gate_id = '\(gateID)'", database: database)
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "|")
            hashes[Int64(parts[0])!] = String(parts[1])
        }
        let gate = try server.psql("SELECT contiguous_seq, chain_status FROM gates WHERE gate_id = '\(gateID)'", database: database)
            .split(separator: "|")
        contiguous = gate.isEmpty ? 0 : Int64(gate[0])!
        status = gate.count > 1 ? String(gate[1]) : ""
        quarantined = Int(try server.psql("SELECT count(*) FROM quarantine WHERE gate_id = '\(gateID)'", database: database))!
    }
}

/// A fresh database on the suite's server, migrated.
func migratedDatabase(_ server: PostgresServer, _ name: String) async throws -> CountyDatabase {
    try server.createDatabase(name)
    let database = try await CountyDatabase.connect(server.endpoint(database: name))
    try await database.migrate()
    return database
}
typealias PostgresServer = TemporaryPostgres
