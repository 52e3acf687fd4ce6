import EntryLog
import Foundation
import GateCore
import GateHardware
import GateTooling
import HealthCode
import Testing

// Issue 15 end to end: the real healthgated on the simulated board asks the real reference platform
// (healthgate-platform-sim: Hummingbird on loopback, its own SQLite database) over HTTP, once per fault the
// platform can show. Tokens are rendered as real QR frames and read by the real scanner; the simulated camera,
// thermometer and GPIO are the only stand-ins. Assertions are on the entry log's rows.

/// The reference platform running in the background on a free loopback port.
final class PlatformServer {
    let process = Process()
    let port: Int
    private let output = Pipe()

    /// `port` 0: any free port (printed by the server and read here).
    init(folder: URL, mode: String = "normal", latencyMilliseconds: Int = 0, port: Int = 0) throws {
        process.executableURL = Paths.binaries.appendingPathComponent("healthgate-platform-sim")
        process.arguments = ["--port", String(port), "--database", folder.appendingPathComponent("platform.sqlite").path,
                             "--secret-file", folder.appendingPathComponent("platform.secret").path,
                             "--gate", "e2e-gate", "--venue", "V-4403-0001", "--mode", mode,
                             "--latency-ms", String(latencyMilliseconds),
                             "--control", folder.appendingPathComponent("platform-control.json").path]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line says where it listens; nothing is asked of it before.
        var line = Data()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("listening on 127.0.0.1:"), let bound = Int(text.split(separator: ":").last ?? "") else {
            process.terminate()
            throw PlatformTestError(description: "platform sim did not start: \(text)")
        }
        self.port = bound
        // Keep draining its stdout so it never blocks on a full pipe.
        let handle = output.fileHandleForReading
        DispatchQueue.global().async { _ = handle.readDataToEndOfFile() }
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }
}

struct PlatformTestError: Error, CustomStringConvertible { var description: String }

@Suite(.serialized) struct PlatformEndToEndTests {
    struct Visitor {
        var name: String
        var payload: String
        var temperature: Double
    }

    /// A fresh folder with the shared secret (0600, as the daemon demands) and an HG1 issuer in the trust store.
    static func makeFolder() throws -> (URL, HG1IssuerKey) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hg platform \(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("trust"), withIntermediateDirectories: true)
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let secretPath = folder.appendingPathComponent("platform.secret").path
        FileManager.default.createFile(atPath: secretPath, contents: Data((secret + "\n").utf8), attributes: [.posixPermissions: 0o600])
        let key = try HG1IssuerKey(region: "330100")
        try key.trustEntry.write(to: folder.appendingPathComponent("trust/\(key.trustEntryFileName)"), atomically: true, encoding: .utf8)
        return (folder, key)
    }

    static func hg1(_ key: HG1IssuerKey) throws -> String {
        let now = Date().timeIntervalSince1970
        return try key.sign(HG1Claims(issuer: "330100", issuedAt: Int64(now) - 10, expiresAt: Int64(now) + 600, colour: .green,
                                      subjectID: HG1Claims.subjectID(from: "offline"), maskedName: "李*",
                                      maskedIDNumber: "3301**********0000", vaccination: Vaccination(doses: 3, seriesDoses: 2)))
    }

    /// Writes the frames, the scenario and the config; `gap` is the blank periods after each visitor (50 fps).
    static func writeGate(folder: URL, platformPort: Int, policy: String, budgetMilliseconds: Int,
                          visitors: [Visitor], gap: Int = 60, atEnd: String = "stop", scriptTail: String = "",
                          idReader: Bool = false) throws -> URL {
        var script = "blank 5\n"
        for visitor in visitors {
            let image = try QRRenderer.render(Array(visitor.payload.utf8))
            try Data(PGM.encode(image)).write(to: folder.appendingPathComponent("\(visitor.name).pgm"))
            // The temperature holds while the platform is asked (up to the budget) and the gate measures.
            script += "say Visitor \(visitor.name)\ntemperature \(visitor.temperature)\nframe \(visitor.name).pgm 5\n"
            script += "blank \(gap)\ntemperature none\nblank 25\n"
        }
        script += scriptTail
        try script.write(to: folder.appendingPathComponent("scenario.txt"), atomically: true, encoding: .utf8)
        let config = folder.appendingPathComponent("healthgate.toml")
        try """
            [gate]
            id = "e2e-gate"
            venue = "market"
            [timing]
            relay_pulse_ms = 200
            admitted_hold_ms = 300
            refused_hold_ms = 300
            remeasure_delay_ms = 150
            [codes]
            trust_dir = "\(folder.path)/trust"
            assume_clock_synchronised = true
            replay_window_s = 0
            [platform]
            url = "http://127.0.0.1:\(platformPort)"
            venue_code = "V-4403-0001"
            token_prefixes = ["HGP:"]
            secret_file = "\(folder.path)/platform.secret"
            budget_ms = \(budgetMilliseconds)
            probe_interval_s = 1
            on_unavailable = "\(policy)"
            [log]
            database = "\(folder.path)/entries.sqlite"
            [paths]
            status_file = "\(folder.path)/status.json"
            requests_dir = "\(folder.path)/requests"
            [board]
            profile = "simulated"
            [board.simulated]
            scenario = "\(folder.path)/scenario.txt"
            fps = 50
            at_end = "\(atEnd)"
            """.appending(idReader ? "\n[id_reader]\ndevice = \"simulated\"\n" : "").write(to: config, atomically: true, encoding: .utf8)
        return config
    }

    static func rows(_ folder: URL) throws -> [EntryRecord] {
        try EntryLogReader(path: folder.appendingPathComponent("entries.sqlite").path).entries(EntryFilter(limit: nil)).map(\.record)
    }

    static func attempts(_ rows: [EntryRecord]) -> [EntryRecord] { rows.filter { $0.kind == .attempt } }
    static func events(_ rows: [EntryRecord]) -> [String] { rows.compactMap(\.event) }

    static func runGate(_ config: URL) throws -> Run {
        let daemon = try run(Paths.binaries.appendingPathComponent("healthgated"), ["--config", config.path])
        #expect(daemon.status == 0, "healthgated failed: \(daemon.stderr)")
        return daemon
    }

    @Test("platform answering: green admitted with the platform's masked data, red refused, unknown refused, cache used")
    func platformAnswers() throws {
        let (folder, _) = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let platform = try PlatformServer(folder: folder)
        defer { platform.stop() }
        let config = try Self.writeGate(folder: folder, platformPort: platform.port, policy: "refuse", budgetMilliseconds: 1500, visitors: [
            Visitor(name: "green", payload: "HGP:GREEN-0001", temperature: 36.5),
            Visitor(name: "red", payload: "HGP:RED-0002", temperature: 36.5),
            Visitor(name: "unknown", payload: "HGP:NOBODY-9999", temperature: 36.5),
            Visitor(name: "green-again", payload: "HGP:GREEN-0001", temperature: 36.5),
        ])
        let daemon = try Self.runGate(config)
        let attempts = Self.attempts(try Self.rows(folder))
        #expect(attempts.map(\.decision) == [.admitted, .refused, .refused, .admitted])
        #expect(attempts.map(\.reasons) == [[], [.redCode], [.unknownToken], []])
        let green = try #require(attempts.first)
        #expect(green.format == .platform)
        #expect(green.colour == .green)
        #expect(green.maskedName == "张*")
        #expect(green.maskedIDNumber == "4403**********1234")
        #expect(green.subjectID == "p-5f1c0a9e")
        #expect(green.nucleicAcidAgeHours.map { abs($0 - 10) < 0.2 } == true)
        #expect(green.vaccinationDoses == 3)
        #expect(green.issuer == "440300")
        // The second green presentation came from the cache (the answer holds 60 s), not a second request.
        #expect(daemon.stderr.contains("lookup=cached"), "\(daemon.stderr)")
        #expect(!Self.events(try Self.rows(folder)).contains("platform_unavailable"))
        // The token is never written to the journal.
        #expect(!daemon.stderr.contains("GREEN-0001"))
    }

    @Test("slow platform (latency over the budget) under register_and_admit: admitted unverified, frames keep flowing")
    func slowPlatformRegisters() throws {
        let (folder, _) = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let platform = try PlatformServer(folder: folder, latencyMilliseconds: 2500)
        defer { platform.stop() }
        let config = try Self.writeGate(folder: folder, platformPort: platform.port, policy: "register_and_admit", budgetMilliseconds: 400, visitors: [
            Visitor(name: "slow", payload: "HGP:GREEN-0004", temperature: 36.6),
            Visitor(name: "slow-fever", payload: "HGP:GREEN-0005", temperature: 38.9),
        ])
        _ = try Self.runGate(config)
        let rows = try Self.rows(folder)
        let attempts = Self.attempts(rows)
        #expect(attempts.map(\.decision) == [.admitted, .refused])
        #expect(attempts.map(\.reasons) == [[.unverified], [.fever]])
        #expect(attempts.first?.format == .platform)
        #expect(attempts.first?.colour == nil, "nothing the platform did not say is invented")
        #expect(attempts.first?.codeFingerprint?.count == 64, "the token's fingerprint is kept for later checking")
        #expect(attempts.first?.detail?.contains("no answer within 400 ms") == true, "\(attempts.first?.detail ?? "")")
        #expect(Self.events(rows).contains("platform_unavailable"))
    }

    @Test("5xx under offline_codes_only: the token refused, an offline HG1 code still admitted")
    func serverErrors() throws {
        let (folder, key) = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let platform = try PlatformServer(folder: folder, mode: "error_5xx")
        defer { platform.stop() }
        let config = try Self.writeGate(folder: folder, platformPort: platform.port, policy: "offline_codes_only", budgetMilliseconds: 1500, visitors: [
            Visitor(name: "token", payload: "HGP:GREEN-0001", temperature: 36.5),
            Visitor(name: "offline", payload: try Self.hg1(key), temperature: 36.5),
        ])
        _ = try Self.runGate(config)
        let rows = try Self.rows(folder)
        let attempts = Self.attempts(rows)
        #expect(attempts.map(\.decision) == [.refused, .admitted])
        #expect(attempts.map(\.reasons) == [[.platformUnavailable], []])
        #expect(attempts.first?.detail == "platform: HTTP 500")
        #expect(attempts.last?.format == .hg1)
        let unavailable = rows.first { $0.event == "platform_unavailable" }
        #expect(unavailable?.detail == "HTTP 500; on_unavailable = offline_codes_only")
    }

    @Test("malformed answers under refuse: the token refused and, while the platform is unusable, offline codes too")
    func malformedAnswers() throws {
        let (folder, key) = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let platform = try PlatformServer(folder: folder, mode: "malformed")
        defer { platform.stop() }
        let config = try Self.writeGate(folder: folder, platformPort: platform.port, policy: "refuse", budgetMilliseconds: 1500, visitors: [
            Visitor(name: "token", payload: "HGP:GREEN-0001", temperature: 36.5),
            Visitor(name: "offline", payload: try Self.hg1(key), temperature: 36.5),
        ], gap: 20)
        _ = try Self.runGate(config)
        let attempts = Self.attempts(try Self.rows(folder))
        #expect(attempts.map(\.decision) == [.refused, .refused])
        #expect(attempts.first?.reasons == [.platformUnavailable])
        #expect(attempts.first?.detail?.hasPrefix("platform: malformed answer") == true, "\(attempts.first?.detail ?? "")")
        #expect(attempts.last?.reasons == [.platformUnavailable])
    }

    @Test("an elderly visitor by ID card over the (pty) serial reader: looked up, admitted, only masked data stored")
    func idCardVisitor() throws {
        let (folder, _) = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let platform = try PlatformServer(folder: folder)
        defer { platform.stop() }
        let config = try Self.writeGate(folder: folder, platformPort: platform.port, policy: "refuse", budgetMilliseconds: 1500,
                                        visitors: [], scriptTail: """
            say Elderly visitor with her ID card
            temperature 36.4
            idcard 王秀英 11010519491231002X
            blank 75
            idcard none
            temperature none
            blank 25
            say Someone the platform does not know
            temperature 36.4
            idcard 李四 44030019500101123X
            blank 75
            idcard none
            temperature none
            blank 25

            """, idReader: true)
        let daemon = try Self.runGate(config)
        let attempts = Self.attempts(try Self.rows(folder))
        #expect(attempts.map(\.decision) == [.admitted, .refused], "\(daemon.stderr)")
        #expect(attempts.map(\.reasons) == [[], [.unknownToken]])
        let elderly = try #require(attempts.first)
        #expect(elderly.format == .idCard)
        #expect(elderly.maskedName == "王**")
        #expect(elderly.maskedIDNumber == "1101**********002X")
        #expect(elderly.subjectID == "p-e1d3b7a2")
        #expect(elderly.colour == .green)
        // The raw number and name are nowhere: not in the journal, not in the database file.
        let database = try Data(contentsOf: folder.appendingPathComponent("entries.sqlite"))
        for secret in ["11010519491231002X", "44030019500101123X", "王秀英"] {
            #expect(!daemon.stderr.contains(secret))
            #expect(database.range(of: Data(secret.utf8)) == nil)
        }
        let wal = folder.appendingPathComponent("entries.sqlite-wal")
        if let walData = try? Data(contentsOf: wal) { #expect(walData.range(of: Data("11010519491231002X".utf8)) == nil) }
        // The unknown person's row keeps the mask and the gate's pseudonym, not the number.
        #expect(attempts.last?.maskedIDNumber == "4403**********123X")
        #expect(attempts.last?.maskedName == "李*")
        #expect(attempts.last?.subjectID?.count == 32)
    }

    @Test("platform down (connection refused), then back: registered meanwhile, recovered by itself, verified again")
    func outageAndRecovery() throws {
        let (folder, _) = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // A port that was free a moment ago, with nothing listening on it now.
        let probe = try PlatformServer(folder: folder)
        let port = probe.port
        probe.stop()
        let config = try Self.writeGate(folder: folder, platformPort: port, policy: "register_and_admit", budgetMilliseconds: 1000, visitors: [
            Visitor(name: "during", payload: "HGP:GREEN-0001", temperature: 36.5),
            Visitor(name: "after", payload: "HGP:GREEN-0004", temperature: 36.5),
        ], gap: 400)  // 8 s after each visitor: time to bring the platform back and for a probe to find it
        let statusFile = folder.appendingPathComponent("status.json")
        let daemon = try BackgroundDaemon(config: config, statusFile: statusFile)
        defer { if daemon.process.isRunning { daemon.stop() } }
        // Wait until the gate has found the platform down, then start it again on the same port.
        let sawDown = waitFor("the status file to show the platform unavailable") {
            guard let data = try? Data(contentsOf: statusFile),
                  let status = try? JSONDecoder().decode(GateStatus.self, from: data) else { return false }
            return status.platform?.available == false
        }
        #expect(sawDown)
        let platform = try PlatformServer(folder: folder, port: port)
        defer { platform.stop() }
        waitFor("healthgated to play its scenario to the end", timeout: 120) { !daemon.process.isRunning }
        daemon.process.waitUntilExit()
        #expect(daemon.process.terminationStatus == 0, "\(daemon.stderr)")

        let rows = try Self.rows(folder)
        let attempts = Self.attempts(rows)
        #expect(attempts.map(\.decision) == [.admitted, .admitted])
        #expect(attempts.map(\.reasons) == [[.unverified], []])
        #expect(attempts.last?.colour == .green)
        #expect(attempts.first?.detail == "platform: connection refused", "\(attempts.first?.detail ?? "")")
        let events = Self.events(rows).filter { $0.hasPrefix("platform_") }
        #expect(events == ["platform_unavailable", "platform_recovered"])
        // The recovery came from the probe, before the second visitor.
        let recovered = try #require(rows.firstIndex { $0.event == "platform_recovered" })
        let second = try #require(rows.lastIndex { $0.kind == .attempt })
        #expect(recovered < second)
    }
}
