import CountyStore
import CountyTooling
import EntryLog
import Foundation
import GateCore
import Testing

/// trace / inspect / gates over logs shipped by the real uplink into a real PostgreSQL, and `countyctl` itself.
@Suite("County queries", .serialized)
struct CountyQueryTests {
    /// Two gates at the market (one venue), one at the station. The case passes the market's north gate at T and the
    /// station at T + 2 h. Within 30 min at the market: m1 (north, -10 min), m2 (south gate, +20 min, same venue);
    /// m3 (+45 min) is outside; m4 is refused (not admitted). At the station: s1 (+5 min).
    @Test func traceCrossesVenuesAndGates() async throws {
        let server = try PostgresServer()
        let database = try await migratedDatabase(server, "county")
        let north = try GateFixture(gateID: "market-n", venue: "Market", server: server, database: "county")
        let south = try GateFixture(gateID: "market-s", venue: "Market", server: server, database: "county")
        let station = try GateFixture(gateID: "station-1", venue: "Station", server: server, database: "county")
        let t = baseTime + 3600
        _ = try north.writer.append(contentsOf: [
            attempt(t - 600, subject: "m1", name: "王*"), attempt(t, subject: "case"),
            attempt(t + 2700, subject: "m3"), attempt(t + 60, subject: "m4", decision: .refused, reasons: [.fever]),
            event(t + 100, "fire_alarm_on"), event(t + 100 + 300, "fire_alarm_off"), event(t + 500, "exit"),
        ], utcOffsetSeconds: shanghaiOffset)
        _ = try south.writer.append(contentsOf: [attempt(t + 1200, subject: "m2")], utcOffsetSeconds: shanghaiOffset)
        _ = try station.writer.append(contentsOf: [attempt(t + 7200, subject: "case"), attempt(t + 7500, subject: "s1"),
                                                   attempt(t + 20_000, subject: "far")], utcOffsetSeconds: shanghaiOffset)
        for gate in [north, south, station] { #expect(try gate.shipOnce() == 0) }

        let trace = try await database.trace(subjectID: "case", from: baseTime, to: baseTime + 86400, window: 1800)
        #expect(trace.visits.map(\.venue) == ["Market", "Station"])
        #expect(trace.contacts.map(\.subjectID) == ["m1", "m2", "s1"])
        #expect(trace.contacts.map(\.gateID) == ["market-n", "market-s", "station-1"])
        #expect(trace.contacts.map { Int($0.secondsFromCase) } == [-600, 1200, 300])
        #expect(trace.contacts.first?.maskedName == "王*" && trace.contacts.first?.maskedID == "440***********123X")
        #expect(trace.brokenGates.isEmpty)

        // countyctl trace --code: the case's code text, found through the fingerprint the gate logged.
        let output = try countyctl(server, ["trace", "--subject", "case", "--from", "\(Int(baseTime))",
                                            "--to", "\(Int(baseTime) + 86400)", "--window", "30m", "--format", "json"])
        let decoded = try JSONDecoder().decode(CountyTrace.self, from: Data(output.utf8))
        #expect(decoded == trace)
        let csv = try countyctl(server, ["trace", "--subject", "case", "--from", "2026-11-29", "--to", "2026-11-30", "--format", "csv"])
        #expect(csv.split(separator: "\n").count == 4)
        #expect(csv.contains("王*") && !csv.contains("m3"))

        // inspect: the north gate's local day (Asia/Shanghai: 2026-11-29).
        let days = try await database.inspect(day: CountyDatabase.utcDay("2026-11-29")!, venue: "Market")
        #expect(days.map(\.gateID) == ["market-n", "market-s"])
        let day = try #require(days.first)
        #expect(day.attempts == 4 && day.admitted == 3 && day.refused == 1 && day.exits == 1)
        #expect(day.refusedByReason == ["fever": 1])
        #expect(abs(day.fireAlarmOpenMinutes - 5) < 0.01)
        #expect(day.chainStatus == "ok")
        let gates = try countyctl(server, ["gates"])
        #expect(gates.contains("market-n") && gates.contains("station-1") && !gates.contains("CHAIN BROKEN"))
        await database.close()
    }

    @Test func countyctlRefusesAnUnmigratedDatabase() throws {
        let server = try PostgresServer()
        try server.createDatabase("county")
        #expect(throws: (any Error).self) { try countyctl(server, ["gates"]) }
        #expect(try countyctl(server, ["migrate"]).contains("schema version 1"))
        #expect(try countyctl(server, ["migrate"]).contains("up to date"))
    }

    func countyctl(_ server: PostgresServer, _ arguments: [String]) throws -> String {
        let passwordFile = server.directory + "/client-password"
        if !FileManager.default.fileExists(atPath: passwordFile) {
            try (server.password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
            chmod(passwordFile, 0o600)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable("countyctl"))
        process.arguments = arguments + ["--socket", server.directory, "--database", "county", "--user", server.user,
                                         "--password-file", passwordFile]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CountyError("countyctl \(arguments[0]): \(errorText)") }
        return text
    }
}
