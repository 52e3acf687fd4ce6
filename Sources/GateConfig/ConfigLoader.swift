import GateCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public enum ConfigLoader {
    public static let defaultPath = "/etc/healthgate/healthgate.toml"

    /// Reads and validates a config file. Every problem found is reported (not only the first),
    /// each naming file, line and key; nothing is returned unless the whole file is valid.
    public static func load(path: String) throws(ConfigErrors) -> GateConfiguration {
        let text: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw ConfigErrors([ConfigError(file: path, line: nil, key: nil, message: "not UTF-8 text")])
            }
            text = decoded
        } catch let error as ConfigErrors {
            throw error
        } catch {
            throw ConfigErrors([ConfigError(file: path, line: nil, key: nil, message: "cannot read: \(error.localizedDescription)")])
        }
        return try parse(text: text, file: path)
    }

    public static func parse(text: String, file: String) throws(ConfigErrors) -> GateConfiguration {
        let main: TOMLSource
        do { main = try TOMLSource(file: file, text: text) } catch { throw ConfigErrors([error]) }

        // The board profile is read first so its keys can serve as defaults for [board.*].
        var sources = [main]
        let boardDirectory = ConfigReader(sources: [main]).string("paths.board_dir", default: "/usr/share/healthgate/board")
        let profile = ConfigReader(sources: [main]).string("board.profile", default: "simulated")
        if profile != "simulated" {
            guard profile.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw ConfigErrors([ConfigError(file: file, line: main.line(of: "board.profile"), key: "board.profile",
                                                message: "profile names are letters, digits, - and _ (got \"\(profile)\")")])
            }
            let profilePath = boardDirectory + "/" + profile + ".toml"
            guard let data = FileManager.default.contents(atPath: profilePath), let profileText = String(data: data, encoding: .utf8) else {
                throw ConfigErrors([ConfigError(file: file, line: main.line(of: "board.profile"), key: "board.profile",
                                                message: "no board profile \"\(profile)\" at \(profilePath) (set paths.board_dir, or use \"simulated\")")])
            }
            do { sources.append(try TOMLSource(file: profilePath, text: profileText)) } catch { throw ConfigErrors([error]) }
        }

        let reader = ConfigReader(sources: sources)
        let configuration = read(reader, profile: profile)
        reader.reportUnknownKeys()
        if !reader.errors.isEmpty { throw ConfigErrors(reader.errors) }
        return configuration
    }

    private static func read(_ r: ConfigReader, profile: String) -> GateConfiguration {
        let venue = r.oneOf("gate.venue", default: VenueProfile.market)
        let gate = GateConfiguration.Gate(
            id: r.string("gate.id", default: "gate-1"),
            timeZone: r.optionalString("gate.time_zone"),
            venue: venue)
        if gate.id.isEmpty || gate.id.count > 64 { r.fail("gate.id", "must be 1 to 64 characters") }
        if let zone = gate.timeZone, TimeZone(identifier: zone) == nil { r.fail("gate.time_zone", "unknown time zone \"\(zone)\"") }

        var rules = venue.defaultRules
        rules.nucleicAcidScope = r.oneOf("rules.nucleic_acid", default: rules.nucleicAcidScope)
        rules.nucleicAcidMaxAgeHours = r.int("rules.nucleic_acid_max_age_hours", default: rules.nucleicAcidMaxAgeHours, range: 1...168)
        if ![24, 48, 72].contains(rules.nucleicAcidMaxAgeHours) {
            r.fail("rules.nucleic_acid_max_age_hours", "the orders use 24, 48 or 72 hours (got \(rules.nucleicAcidMaxAgeHours))")
        }
        rules.vaccination = r.oneOf("rules.vaccination", default: rules.vaccination)
        let capacity = r.int("rules.approved_capacity", default: rules.approvedCapacity ?? 0, range: 0...1_000_000)
        rules.approvedCapacity = capacity == 0 ? nil : capacity
        rules.occupancyPercent = r.int("rules.occupancy_percent", default: rules.occupancyPercent, range: 1...100)
        rules.feverThresholdCelsius = r.double("rules.fever_threshold_c", default: rules.feverThresholdCelsius, range: 36.0...39.0)
        rules.feverClinicReferral = r.bool("rules.fever_clinic_referral", default: rules.feverClinicReferral)

        let reset = r.string("rules.occupancy_reset", default: "04:00")
        let resetParts = reset.split(separator: ":").compactMap { Int($0) }
        var occupancy = GateConfiguration.Occupancy(resetHour: 4, resetMinute: 0)
        if resetParts.count == 2, (0...23).contains(resetParts[0]), (0...59).contains(resetParts[1]) {
            occupancy = GateConfiguration.Occupancy(resetHour: resetParts[0], resetMinute: resetParts[1])
        } else {
            r.fail("rules.occupancy_reset", "expected a local time \"HH:MM\" (got \"\(reset)\")")
        }

        var controller = ControllerSettings(
            rules: rules,
            relayPulseMilliseconds: r.int("timing.relay_pulse_ms", default: 1500, range: 100...30_000),
            admittedHoldMilliseconds: r.int("timing.admitted_hold_ms", default: 2000, range: 100...60_000),
            refusedHoldMilliseconds: r.int("timing.refused_hold_ms", default: 2500, range: 100...60_000),
            remeasureDelayMilliseconds: r.int("timing.remeasure_delay_ms", default: 2000, range: 0...30_000),
            logFailurePolicy: r.oneOf("log.on_failure", default: ControllerSettings.LogFailurePolicy.refuse))

        let validMin = r.double("thermometer.valid_min_c", default: 34.0, range: 20...40)
        let validMax = r.double("thermometer.valid_max_c", default: 43.0, range: 38...50)
        if validMin >= validMax {
            // Silently swapping or clamping would hide a typo that refuses (or admits) every reading.
            r.fail("thermometer.valid_max_c", "must be above thermometer.valid_min_c (\(validMin)), found \(validMax)")
        }
        controller.temperatureModel = BodyTemperatureModel(
            slope: r.double("thermometer.slope", default: 1.0, range: 0.5...2.0),
            offsetCelsius: r.double("thermometer.offset_c", default: 0.0, range: -5...10),
            validRange: validMin...max(validMin, validMax))  // the error above stops an empty range

        // Anti-passback and presentation filtering are the controller's decisions; the keys stay in [codes].
        controller.replayWindowSeconds = r.int("codes.replay_window_s", default: 600, range: 0...86_400)
        controller.presentationAbsenceMilliseconds = r.int("codes.presentation_absence_ms", default: 1500, range: 100...60_000)
        let database = r.string("log.database", default: "/var/lib/healthgate/entries.sqlite")
        // Beside the database by default, so a demo or test log in a temporary directory keeps its own anchors.
        let logDirectory = database.contains("/") ? String(database[..<database.lastIndex(of: "/")!]) : "."
        var codes = GateConfiguration.Codes(
            trustDirectory: r.string("codes.trust_dir", default: "/etc/healthgate/trust"),
            unsyncedClock: r.oneOf("codes.unsynced_clock", default: UnsyncedClockPolicy.refuse),
            assumeClockSynchronised: r.bool("codes.assume_clock_synchronised", default: false),
            maxHG1LifetimeSeconds: r.int("codes.max_hg1_lifetime_s", default: 900, range: 60...86_400),
            subjectKey: r.string("codes.subject_key", default: logDirectory + "/subject.key"))
        if r.optionalString("codes.subject_key")?.isEmpty == true {
            r.fail("codes.subject_key", "must be a path: an unkeyed pseudonym of a name and birth date can be reversed")
        }
        codes.countyKey = r.string("codes.county_key", default: codes.countyKey)
        codes.bundleSpool = r.string("codes.bundle_spool", default: codes.bundleSpool)
        codes.bundleDirectory = r.string("codes.bundle_dir", default: codes.bundleDirectory)
        codes.maxBundleAgeHours = r.int("codes.max_bundle_age_h", default: 24, range: 1...8_760)
        codes.staleBundle = r.oneOf("codes.stale_bundle", default: GateConfiguration.StaleBundlePolicy.refuse)

        let log = GateConfiguration.Log(
            database: database,
            retentionDays: r.int("log.retention_days", default: 28, range: 1...3650),
            anchorFile: r.string("log.anchor_file", default: logDirectory + "/anchors.jsonl"),
            anchorKey: r.string("log.anchor_key", default: logDirectory + "/anchor.key"))
        for key in ["log.anchor_file", "log.anchor_key"] where r.optionalString(key)?.isEmpty == true {
            r.fail(key, "must be a path: anchors are what let a copy of the log prove it is whole")
        }

        let metricsFile = r.string("paths.metrics_file", default: "")
        let paths = GateConfiguration.Paths(
            statusFile: r.string("paths.status_file", default: "/run/healthgate/status.json"),
            metricsFile: metricsFile.isEmpty ? nil : metricsFile,
            requestsDirectory: r.string("paths.requests_dir", default: "/run/healthgate/requests"),
            boardDirectory: r.string("paths.board_dir", default: "/usr/share/healthgate/board"))

        let platform = readPlatform(r, gateID: gate.id)
        if platform == nil && r.optionalString("id_reader.device") != nil {
            r.fail("id_reader.device", "an ID card is looked up on the platform: set [platform] url too")
        }
        controller.platformBudgetMilliseconds = platform?.budgetMilliseconds ?? controller.platformBudgetMilliseconds
        controller.platformUnavailablePolicy = r.oneOf("platform.on_unavailable", default: venue.defaultPlatformUnavailablePolicy)

        return GateConfiguration(
            gate: gate, controller: controller, codes: codes, occupancy: occupancy,
            log: log, paths: paths, board: readBoard(r, profile: profile),
            overrideGroup: r.string("override.group", default: "gate-staff"),
            platform: platform, screen: readScreen(r), voice: readVoice(r))
    }

    /// `[platform]` is on once `url` is set; every other key has a default except `venue_code`.
    private static func readPlatform(_ r: ConfigReader, gateID: String) -> GateConfiguration.Platform? {
        let budget = r.int("platform.budget_ms", default: 1500, range: 300...30_000)
        let prefixes = r.strings("platform.token_prefixes") ?? ["HGP:"]
        let secretFile = r.string("platform.secret_file", default: "/etc/healthgate/platform.secret")
        let caFile = r.optionalString("platform.ca_file")
        let probe = r.int("platform.probe_interval_s", default: 5, range: 1...600)
        let venueCode = r.optionalString("platform.venue_code")
        guard let url = r.optionalString("platform.url") else { return nil }
        let lower = url.lowercased()
        if lower.hasPrefix("http://") {
            let host = lower.dropFirst("http://".count).prefix { $0 != ":" && $0 != "/" }
            // Signed requests still carry tokens and ID numbers: only the reference platform on this machine goes unencrypted.
            if !["127.0.0.1", "localhost", "[::1]"].contains(String(host)) {
                r.fail("platform.url", "must be https:// (plain http:// only to 127.0.0.1 or localhost, got \"\(url)\")")
            }
        } else if !lower.hasPrefix("https://") {
            r.fail("platform.url", "must be an https:// URL (got \"\(url)\")")
        }
        if venueCode?.isEmpty ?? true { r.fail("platform.venue_code", "required with platform.url: the platform answers per registered venue") }
        if prefixes.isEmpty || prefixes.contains(where: \.isEmpty) {
            r.fail("platform.token_prefixes", "needs at least one non-empty prefix: an empty one would send every code to the platform")
        }
        return GateConfiguration.Platform(url: url.hasSuffix("/") ? String(url.dropLast()) : url, venueCode: venueCode ?? "",
                                          tokenPrefixes: prefixes, secretFile: secretFile, caFile: caFile,
                                          budgetMilliseconds: budget, probeIntervalSeconds: probe)
    }

    private static func readBoard(_ r: ConfigReader, profile: String) -> BoardConfiguration {
        _ = r.string("board.profile", default: "simulated")
        let kind: BoardConfiguration.Kind = profile == "simulated" ? .simulated : .linux
        let camera = BoardConfiguration.Camera(
            device: r.string("board.camera.device", default: "/dev/video0"),
            width: r.int("board.camera.width", default: 640, range: 160...4096),
            height: r.int("board.camera.height", default: 480, range: 120...4096),
            fps: r.int("board.camera.fps", default: 30, range: 1...120),
            scanDensity: r.int("board.camera.scan_density", default: 1, range: 1...8),
            pixelFormat: r.oneOf("board.camera.pixel_format", default: CameraPixelFormat.auto))
        let thermometer = BoardConfiguration.Thermometer(
            bus: r.string("board.thermometer.bus", default: "/dev/i2c-1"),
            address: r.int("board.thermometer.address", default: 0x5a, range: 0x03...0x77),
            pec: r.bool("board.thermometer.pec", default: true),
            samples: r.int("board.thermometer.samples", default: 5, range: 1...31))
        var lines: [String: LineSpec] = [:]
        var written: Set<String> = []  // a mistyped line is reported as such, not also as missing
        for function in BoardConfiguration.outputFunctions + BoardConfiguration.inputFunctions {
            guard let line = r.optionalString("board.gpio.lines.\(function)") else { continue }
            written.insert(function)
            // Parsed here, once, so a typo is reported with its file and line, not when the line is requested.
            do { lines[function] = try LineSpec.parse(line) } catch { r.fail("board.gpio.lines.\(function)", error.description) }
        }
        let gpio = BoardConfiguration.GPIO(
            debounceMilliseconds: r.int("board.gpio.debounce_ms", default: 20, range: 0...1000),
            fireAlarmNormallyClosed: r.bool("board.gpio.fire_alarm_normally_closed", default: true),
            lines: lines)
        if kind == .linux {
            for function in BoardConfiguration.outputFunctions where !written.contains(function) {
                r.fail("board.gpio.lines.\(function)", "missing: a real board needs a line for every output")
            }
        }
        var simulated: BoardConfiguration.Simulated?
        if kind == .simulated {
            let scenario = r.string("board.simulated.scenario", default: "")
            if scenario.isEmpty { r.fail("board.simulated.scenario", "missing: the simulated board needs a scenario file") }
            simulated = BoardConfiguration.Simulated(
                scenario: scenario,
                fps: r.int("board.simulated.fps", default: 20, range: 1...1000),
                atEnd: r.oneOf("board.simulated.at_end", default: BoardConfiguration.Simulated.AtEnd.stop))
        }
        var board = BoardConfiguration(profile: profile, kind: kind, camera: camera, thermometer: thermometer, gpio: gpio,
                                       simulated: simulated, scanner: readScanner(r))
        if let device = r.optionalString("id_reader.device") {
            if device == "simulated" && kind != .simulated {
                r.fail("id_reader.device", "\"simulated\" is the simulated board's reader; a real board names its serial line (/dev/ttyUSB0)")
            } else if device != "simulated" && !device.hasPrefix("/dev/") {
                r.fail("id_reader.device", "expected a serial device such as /dev/ttyUSB0 (got \"\(device)\")")
            }
            board.idReaderDevice = device
        }
        return board
    }

    /// `[scanner] decoders`: a non-empty list of known decoders, each once. A name this build does not
    /// have is an error here, at start, never a fallback to another decoder.
    private static func readScanner(_ r: ConfigReader) -> BoardConfiguration.Scanner {
        let key = "scanner.decoders"
        guard let names = r.strings(key) else { return BoardConfiguration.Scanner() }
        let known = QRDecoder.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        var decoders: [QRDecoder] = []
        for name in names {
            guard let decoder = QRDecoder(rawValue: name) else {
                r.fail(key, "unknown decoder \"\(name)\": this build has \(known)")
                continue
            }
            if decoders.contains(decoder) { r.fail(key, "\"\(name)\" is listed twice") } else { decoders.append(decoder) }
        }
        if names.isEmpty { r.fail(key, "must name at least one decoder (\(known))") }
        return decoders.isEmpty ? BoardConfiguration.Scanner() : BoardConfiguration.Scanner(decoders: decoders)
    }
}

/// All the problems in one config file, one per line when printed.
public struct ConfigErrors: Error, CustomStringConvertible, Sendable {
    public var errors: [ConfigError]
    public init(_ errors: [ConfigError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
