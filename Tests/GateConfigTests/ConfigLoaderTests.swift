import Foundation
import GateCore
import Testing
@testable import GateConfig

/// Config files are parsed from strings here; the loader's file reading is exercised through a
/// temporary file in `loadsTheShippedExample` and by the end-to-end tests.
@Suite struct ConfigLoaderTests {
    let simulated = simulatedBoardConfig

    func parse(_ text: String) throws(ConfigErrors) -> GateConfiguration {
        try ConfigLoader.parse(text: text, file: "test.toml")
    }

    func errors(_ text: String) -> [String] { configErrors(text) }

    @Test func defaultsFollowTheVenueProfile() throws {
        let config = try parse("[gate]\nvenue = \"hospital\"\n" + simulated)
        #expect(config.gate.venue == .hospital)
        #expect(config.controller.rules == VenueProfile.hospital.defaultRules)
        #expect(config.controller.rules.feverThresholdCelsius == 37.3)
        #expect(config.log.retentionDays == 28)
        #expect(config.codes.unsyncedClock == .refuse)
        #expect(config.codes.assumeClockSynchronised == false)
        #expect(config.board.kind == .simulated)
        #expect(config.board.simulated?.scenario == "demo/scenario.txt")
    }

    @Test func rulesOverrideTheProfileKeyByKey() throws {
        let config = try parse("""
            [gate]
            venue = "school"
            [rules]
            vaccination = "prompt"
            approved_capacity = 400
            nucleic_acid_max_age_hours = 72
            """ + "\n" + simulated)
        #expect(config.controller.rules.vaccination == .prompt)
        #expect(config.controller.rules.nucleicAcidScope == .everyone)  // still the school's
        #expect(config.controller.rules.nucleicAcidMaxAgeHours == 72)
        #expect(config.controller.rules.maximumOccupancy == 300)
    }

    @Test func thermometerRangeMustNotBeEmpty() {
        let found = errors("[thermometer]\nvalid_min_c = 39.5\nvalid_max_c = 38.5\n" + simulated)
        #expect(found == ["test.toml:3: thermometer.valid_max_c: must be above thermometer.valid_min_c (39.5), found 38.5"])
    }

    @Test func unknownKeyNamesFileLineAndKey() {
        let found = errors("[gate]\nid = \"g\"\nvenu = \"market\"\n" + simulated)
        #expect(found == ["test.toml:3: gate.venu: unknown key"])
    }

    @Test func unknownTableIsReported() {
        let found = errors(simulated + "[gatee]\nid = 1\n")
        #expect(found == ["test.toml:5: gatee: unknown table"])
    }

    @Test func wrongTypeNamesTheExpectedType() {
        let found = errors("[rules]\napproved_capacity = \"lots\"\n" + simulated)
        #expect(found == ["test.toml:2: rules.approved_capacity: expected an integer, found a string"])
    }

    @Test func outOfRangeValueSaysTheRange() {
        let found = errors("[rules]\noccupancy_percent = 150\n" + simulated)
        #expect(found == ["test.toml:2: rules.occupancy_percent: must be between 1 and 100 (got 150)"])
    }

    @Test func enumValueListsTheChoices() {
        let found = errors("[rules]\nvaccination = \"maybe\"\n" + simulated)
        #expect(found == ["test.toml:2: rules.vaccination: must be one of \"off\", \"prompt\", \"require\" (got \"maybe\")"])
    }

    @Test func everyProblemIsReportedNotOnlyTheFirst() {
        let found = errors("[timing]\nrelay_pulse_ms = 5\nrefused_hold_ms = true\n" + simulated)
        #expect(found.count == 2)
        #expect(found.contains("test.toml:2: timing.relay_pulse_ms: must be between 100 and 30000 (got 5)"))
        #expect(found.contains("test.toml:3: timing.refused_hold_ms: expected an integer, found a boolean"))
    }

    @Test func syntaxErrorGivesTheLine() {
        let found = errors("[gate]\nid = \"unterminated\n")
        #expect(found.count == 1)
        #expect(found[0].hasPrefix("test.toml:2: not valid TOML"))
    }

    @Test func natWindowMustBeOneTheOrdersUse() {
        let found = errors("[rules]\nnucleic_acid_max_age_hours = 36\n" + simulated)
        #expect(found == ["test.toml:2: rules.nucleic_acid_max_age_hours: the orders use 24, 48 or 72 hours (got 36)"])
    }

    @Test func badResetTimeAndZoneAreRejected() {
        let found = errors("[gate]\ntime_zone = \"Mars/Olympus\"\n[rules]\noccupancy_reset = \"25:00\"\n" + simulated)
        #expect(found.contains("test.toml:2: gate.time_zone: unknown time zone \"Mars/Olympus\""))
        #expect(found.contains("test.toml:4: rules.occupancy_reset: expected a local time \"HH:MM\" (got \"25:00\")"))
    }

    @Test func simulatedBoardNeedsAScenario() {
        let found = errors("[board]\nprofile = \"simulated\"\n")
        #expect(found == ["test.toml: board.simulated.scenario: missing: the simulated board needs a scenario file"])
    }

    @Test func realBoardNeverFallsBackToTheSimulation() throws {
        // A named profile that does not exist is an error, not a silent simulated board.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hg-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let found = errors("[paths]\nboard_dir = \"\(directory.path)\"\n[board]\nprofile = \"raspberry-pi-9\"\n")
        #expect(found == ["test.toml:4: board.profile: no board profile \"raspberry-pi-9\" at \(directory.path)/raspberry-pi-9.toml (set paths.board_dir, or use \"simulated\")"])
    }

    @Test func boardProfileSuppliesDefaultsAndTheMainFileOverrides() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hg-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
            [board]
            profile = "testboard"
            [board.camera]
            device = "/dev/video0"
            [board.gpio.lines]
            relay = "!GPIO17"
            green = "GPIO22"
            yellow = "GPIO27"
            red = "GPIO23"
            buzzer = "GPIO24"
            """.write(to: directory.appendingPathComponent("testboard.toml"), atomically: true, encoding: .utf8)
        let config = try parse("""
            [paths]
            board_dir = "\(directory.path)"
            [board]
            profile = "testboard"
            [board.camera]
            device = "/dev/v4l/by-id/usb-cam"
            """)
        #expect(config.board.kind == .linux)
        #expect(config.board.camera.device == "/dev/v4l/by-id/usb-cam")
        #expect(config.board.gpio.lines["relay"] == LineSpec(.name("GPIO17"), activeLow: true))
        #expect(config.board.thermometer.address == 0x5a)
    }

    @Test func realBoardNeedsEveryOutputLine() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hg-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "[board.gpio.lines]\nrelay = \"GPIO17\"\n".write(to: directory.appendingPathComponent("bare.toml"), atomically: true, encoding: .utf8)
        let found = errors("[paths]\nboard_dir = \"\(directory.path)\"\n[board]\nprofile = \"bare\"\n")
        #expect(found.count == 4)
        #expect(found.contains("test.toml: board.gpio.lines.buzzer: missing: a real board needs a line for every output"))
    }

    @Test func aMistypedLineIsReportedWhereItIsWritten() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hg-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "[board.gpio.lines]\nrelay = \"GPIO17\"\ngreen = \"GPIO22\"\nyellow = \"GPIO27\"\nred = \"GPIO23\"\nbuzzer = \"GPIO24\"\n"
            .write(to: directory.appendingPathComponent("b.toml"), atomically: true, encoding: .utf8)
        let found = errors("[paths]\nboard_dir = \"\(directory.path)\"\n[board]\nprofile = \"b\"\n[board.gpio.lines]\nrelay = \"gpiochip0:x\"\n")
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("test.toml:6: board.gpio.lines.relay: ") == true)
    }

    @Test func loadsTheShippedExample() throws {
        // The annotated example in the repository must always be valid with the repository's board profiles.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var text = try String(contentsOf: root.appendingPathComponent("config/healthgate.toml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "board_dir = \"/usr/share/healthgate/board\"", with: "board_dir = \"\(root.path)/board\"")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hg-example-\(UUID().uuidString).toml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let config = try ConfigLoader.load(path: file.path)
        #expect(config.board.profile == "raspberry-pi-4")
        #expect(config.gate.venue == .market)
    }

    @Test func missingFileIsAClearError() {
        #expect(throws: ConfigErrors.self) { try ConfigLoader.load(path: "/nonexistent/healthgate.toml") }
        do {
            _ = try ConfigLoader.load(path: "/nonexistent/healthgate.toml")
        } catch {
            #expect(error.description.hasPrefix("/nonexistent/healthgate.toml: cannot read"))
        }
    }

    @Test func keyLinesAreFoundInNestedTables() {
        let lines = TOMLSource.scanKeyLines("""
            # comment
            [board.gpio.lines]
            relay = "!GPIO17"   # trailing

            [ "quoted" ]
            "key" = 1
            """)
        #expect(lines["board.gpio.lines"] == 2)
        #expect(lines["board.gpio.lines.relay"] == 3)
        #expect(lines["quoted.key"] == 6)
    }
}

/// Issue 12, item 12: `--check-config` accepted paths that do not exist.
@Suite struct ConfigPathTests {
    @Test func missingPathsAreReportedWithFileLineAndKey() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hg-paths-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("healthgate.toml").path
        try """
            [codes]
            trust_dir = "\(folder.path)/no-trust"
            [log]
            database = "\(folder.path)/no-dir/entries.sqlite"
            [board]
            profile = "simulated"
            [board.simulated]
            scenario = "\(folder.path)/no-scenario.txt"
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let configuration = try ConfigLoader.load(path: file)  // the file itself is valid
        let all = ConfigLoader.checkPaths(configuration, file: file).map(\.description)
        #expect(all.count == 6, "\(all)")
        #expect(all.contains("\(file):2: codes.trust_dir: no directory \(folder.path)/no-trust: create it and put the issuer keys in it"))
        #expect(all.contains { $0.hasPrefix("\(file):8: board.simulated.scenario: cannot read the scenario file \(folder.path)/no-scenario.txt") })
        #expect(all.contains { $0.hasPrefix("\(file):4: log.database: no directory \(folder.path)/no-dir for") })
        // The anchor file and key default beside the database: no line of their own.
        #expect(all.contains { $0.hasPrefix("\(file): log.anchor_file: no directory \(folder.path)/no-dir") })
        #expect(all.contains { $0.hasPrefix("\(file): codes.subject_key: no directory \(folder.path)/no-dir") })
        #expect(throws: ConfigErrors.self) { try ConfigLoader.load(path: file, checkingPaths: .all) }
        // At start the trust directory is the trust store's business (it warns and refuses every code).
        #expect(!ConfigLoader.checkPaths(configuration, file: file, .atStart).contains { $0.key == "codes.trust_dir" })
        #expect(ConfigLoader.checkPaths(configuration, file: file, .atStart).count == 5)

        // Once they exist, nothing is said.
        for directory in ["no-trust", "no-dir"] {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        try "".write(toFile: folder.appendingPathComponent("no-scenario.txt").path, atomically: true, encoding: .utf8)
        #expect(ConfigLoader.checkPaths(configuration, file: file).isEmpty)
        #expect(configuration.log.anchorFile == "\(folder.path)/no-dir/anchors.jsonl")
        #expect(configuration.log.anchorKey == "\(folder.path)/no-dir/anchor.key")
    }
}
