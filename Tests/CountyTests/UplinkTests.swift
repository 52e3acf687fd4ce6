import CountyStore
import CountyTooling
import EntryLog
import Foundation
import GateCore
import Glibc
import Testing

/// The uplink and the county against a real PostgreSQL 15 (PostgresServer: initdb + pg_ctl in a temp dir, Unix
/// socket only). The uplink is the real `healthgate-uplink` executable, killed with real signals; the gate's log is
/// written by the real EntryLogWriter. No mock anywhere.
@Suite("County uplink", .serialized)
struct UplinkTests {
    @Test func migrationsAreVersionedAndRunOnce() async throws {
        let server = try PostgresServer()
        try server.createDatabase("county")
        let database = try await CountyDatabase.connect(server.endpoint(database: "county"))
        #expect(try await database.schemaVersion() == 0)
        await #expect(throws: CountyError.self) { try await database.requireCurrentSchema() }
        #expect(try await database.migrate() == [1])
        #expect(try await database.migrate() == [])
        #expect(try await database.schemaVersion() == CountySchema.latestVersion)
        #expect(try server.psql("SELECT count(*) FROM schema_version", database: "county") == "1")
        // entries is declaratively partitioned by range.
        #expect(try server.psql("SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'entries'::regclass", database: "county") == "r")
        await database.close()
    }

    @Test func shipsEveryRowOnceInDayPartitions() async throws {
        let server = try PostgresServer()
        let database = try await migratedDatabase(server, "county")
        let gate = try GateFixture(gateID: "gate-a", venue: "East market", server: server, database: "county")
        // Rows over three UTC days: three partitions.
        try gate.append(1200, start: baseTime - 86400, step: 200)
        #expect(try gate.shipOnce() == 0)
        let copy = try CountyCopy(server: server, database: "county", gateID: "gate-a")
        #expect(copy.rows == 1200 && copy.distinctSeqs == 1200)
        #expect(copy.hashes == (try gate.hashes()))
        #expect(copy.contiguous == 1200 && copy.status == "ok")
        #expect(String(decoding: FileManager.default.contents(atPath: gate.stateFile) ?? Data(), as: UTF8.self) == "1200\n")
        let partitions = try server.psql("SELECT count(*) FROM pg_inherits WHERE inhparent = 'entries'::regclass", database: "county")
        #expect(partitions == "3")
        // The heartbeat registered the gate with its venue.
        let gates = try await database.gates()
        #expect(gates.map(\.gateID) == ["gate-a"] && gates.first?.venue == "East market" && gates.first?.lagRows == 0)
        // Shipping again sends nothing new and changes nothing.
        #expect(try gate.shipOnce() == 0)
        #expect(try CountyCopy(server: server, database: "county", gateID: "gate-a").rows == 1200)
        await database.close()
    }

    @Test func sigkillMidBatchLosesAndDoublesNothing() async throws {
        let server = try PostgresServer()
        let database = try await migratedDatabase(server, "county")
        let gate = try GateFixture(gateID: "gate-k", venue: "Station", server: server, database: "county", batchRows: 100)
        // Each round: more rows arrive (as on a live gate), the uplink starts shipping them and is killed mid-run.
        // The delays spread from before the connection to late in the run, so on a fast or a slow machine some
        // kills land mid-batch; rounds go on until four kills (an uplink that finished first is not one).
        var kills = 0
        for round in 0..<16 where kills < 4 {
            try gate.append(2000, start: baseTime + Double(round) * 10_000)
            let process = try gate.uplinkProcess(once: true)
            try await Task.sleep(for: .milliseconds(Int.random(in: 30...600)))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                if process.terminationReason == .uncaughtSignal { kills += 1 }
            } else {
                process.waitUntilExit()
            }
            let copy = try CountyCopy(server: server, database: "county", gateID: "gate-k")
            #expect(copy.rows == copy.distinctSeqs, "a row was stored twice")
            #expect(Int64(copy.rows) == copy.contiguous, "a gap in the county's copy")
        }
        #expect(kills >= 3, "the uplink was never killed mid-run")
        #expect(try gate.shipOnce() == 0)
        let copy = try CountyCopy(server: server, database: "county", gateID: "gate-k")
        let hashes = try gate.hashes()
        #expect(copy.rows == hashes.count && copy.distinctSeqs == hashes.count)
        #expect(copy.hashes == hashes)
        #expect(copy.status == "ok" && copy.quarantined == 0)
        await database.close()
    }

    @Test func serverStoppedAndRestartedWhileTheUplinkRuns() async throws {
        let server = try PostgresServer()
        let database = try await migratedDatabase(server, "county")
        await database.close()
        let gate = try GateFixture(gateID: "gate-n", venue: "Hospital", server: server, database: "county")
        try gate.append(500, start: baseTime)
        let uplink = try gate.uplinkProcess(once: false)
        defer { if uplink.isRunning { kill(uplink.processIdentifier, SIGKILL); uplink.waitUntilExit() } }
        func waitFor(_ rows: Int) async throws -> Bool {
            for _ in 0..<300 {
                if try CountyCopy(server: server, database: "county", gateID: "gate-n").rows >= rows { return true }
                try await Task.sleep(for: .milliseconds(100))
            }
            return false
        }
        #expect(try await waitFor(500))
        // The network cut: the server dies without a clean shutdown; the gate goes on logging.
        try server.stop(immediate: true)
        try gate.append(700, start: baseTime + 10_000)
        try await Task.sleep(for: .seconds(2))
        #expect(uplink.isRunning, "the uplink gave up while the county was away")
        try server.start()
        #expect(try await waitFor(1200), "uplink log: \(gate.uplinkLogText)")
        kill(uplink.processIdentifier, SIGTERM)
        uplink.waitUntilExit()
        let copy = try CountyCopy(server: server, database: "county", gateID: "gate-n")
        #expect(copy.rows == 1200 && copy.distinctSeqs == 1200 && copy.contiguous == 1200)
        #expect(copy.hashes == (try gate.hashes()))
    }

    @Test func duplicateAndOverlappingDeliveryIsANoOp() async throws {
        let server = try PostgresServer()
        let database = try await migratedDatabase(server, "county")
        let gate = try GateFixture(gateID: "gate-d", venue: "School", server: server, database: "county")
        try gate.append(300, start: baseTime)
        let rows = try EntryLogReader(path: gate.logPath).chainRows(after: 0, limit: 1000)
        let first = try await database.ingest(gateID: "gate-d", rows: Array(rows[0..<200]))
        #expect(first == IngestAnswer(contiguousSeq: 200, receivedSeq: 200, chainStatus: "ok"))
        // The same batch again (the answer was lost), then one overlapping it, then all of it in reverse order.
        #expect(try await database.ingest(gateID: "gate-d", rows: Array(rows[0..<200])) == first)
        let second = try await database.ingest(gateID: "gate-d", rows: Array(rows[150..<300]))
        #expect(second == IngestAnswer(contiguousSeq: 300, receivedSeq: 300, chainStatus: "ok"))
        #expect(try await database.ingest(gateID: "gate-d", rows: rows.reversed()) == second)
        let copy = try CountyCopy(server: server, database: "county", gateID: "gate-d")
        #expect(copy.rows == 300 && copy.distinctSeqs == 300 && copy.quarantined == 0)
        await database.close()
    }

    @Test func anEditedGateLogIsFlaggedAndItsLaterRowsHeldApart() async throws {
        let server = try PostgresServer()
        let database = try await migratedDatabase(server, "county")
        let gate = try GateFixture(gateID: "gate-t", venue: "Hotel", server: server, database: "county")
        try gate.append(100, start: baseTime)
        #expect(try gate.shipOnce() == 0)
        try gate.append(100, start: baseTime + 1000)
        // Someone with write access edits a not-yet-shipped row in place.
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        sqlite.arguments = [gate.logPath, "UPDATE entry SET masked_name = '李*' WHERE seq = 150"]
        try sqlite.run()
        sqlite.waitUntilExit()
        #expect(sqlite.terminationStatus == 0)
        #expect(try gate.shipOnce() == 0)
        let copy = try CountyCopy(server: server, database: "county", gateID: "gate-t")
        #expect(copy.rows == 149 && copy.contiguous == 149)
        #expect(copy.status == "broken" && copy.quarantined == 51)
        let state = try #require(try await database.gates().first)
        #expect(state.chainDetail?.contains("row 150") == true)
        // A forged row that does not link, sent straight to the county, lands in quarantine too, never in entries.
        var forged = try EntryLogReader(path: gate.logPath).chainRows(after: 199, limit: 1)
        forged[0].row.seq = 201
        _ = try await database.ingest(gateID: "gate-t", rows: forged)
        #expect(try CountyCopy(server: server, database: "county", gateID: "gate-t").rows == 149)
        await database.close()
    }

    @Test func aRowSentAgainWithAnotherHashBreaksTheChain() async throws {
        let server = try PostgresServer()
        let database = try await migratedDatabase(server, "county")
        let gate = try GateFixture(gateID: "gate-r", venue: "Park", server: server, database: "county")
        try gate.append(20, start: baseTime)
        var rows = try EntryLogReader(path: gate.logPath).chainRows(after: 0, limit: 100)
        _ = try await database.ingest(gateID: "gate-r", rows: rows)
        rows[9].row.hash = String(repeating: "ab", count: 32)
        let answer = try await database.ingest(gateID: "gate-r", rows: [rows[9]])
        #expect(answer.chainStatus == "broken" && answer.contiguousSeq == 20)
        #expect(try CountyCopy(server: server, database: "county", gateID: "gate-r").quarantined == 1)
        await database.close()
    }

    @Test func uplinkRefusesAPasswordFileOthersCanRead() throws {
        let server = try PostgresServer()
        try server.createDatabase("county")
        let gate = try GateFixture(gateID: "gate-p", venue: "Park", server: server, database: "county")
        chmod(gate.directory + "/password", 0o644)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable("healthgate-uplink"))
        process.arguments = ["--config", gate.uplinkConfig, "--once"]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 2)
        #expect(text.contains("readable by others"))
        #expect(!text.contains(server.password))
    }
}
