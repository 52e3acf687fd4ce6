import ArgumentParser
import EntryLog
import EntryLogCLI
import Foundation
import GateConfig
import GateCore

/// The paths and zone gatectl uses when neither an option nor the daemon's config gives one.
enum GateCtlDefaults {
    static let databasePath = "/var/lib/healthgate/entries.sqlite"
    static let statusFile = "/run/healthgate/status.json"
    /// The gate's zone: `TZ` when set, else the system zone (/etc/localtime).
    static var timeZone: TimeZone {
        if let name = ProcessInfo.processInfo.environment["TZ"], let zone = TimeZone(identifier: name) { return zone }
        return TimeZone.current
    }
}

/// Options every log command accepts. Paths and zone come from, in order: the option, the daemon's
/// config file (the same one healthgated reads), the built-in defaults.
struct LogOptions: ParsableArguments {
    @Option(name: .long, help: "The daemon's configuration file, for the database, status file and zone.")
    var config: String = ConfigLoader.defaultPath

    @Option(name: .customLong("db"), help: "Entry log database (default: log.database from the config).")
    var databaseOption: String?

    @Option(name: .customLong("status-file"), help: "Status file the daemon writes (default: paths.status_file from the config).")
    var statusFileOption: String?

    @Option(name: .customLong("tz"), help: "Time zone for --since/--until/--day (IANA name, e.g. Asia/Shanghai). Default: gate.time_zone from the config, TZ, or the system zone.")
    var timeZoneName: String?

    /// The config, when it can be read. A missing default file is normal on a workstation; an unreadable
    /// or invalid one is said once on stderr and the defaults are used.
    private var configuration: GateConfiguration? {
        guard FileManager.default.fileExists(atPath: config) else { return nil }
        do {
            return try ConfigLoader.load(path: config)
        } catch {
            FileHandle.standardError.write(Data("gatectl: ignoring \(config): \(error)\n".utf8))
            return nil
        }
    }

    var db: String { databaseOption ?? configuration?.log.database ?? GateCtlDefaults.databasePath }
    var statusFile: String { statusFileOption ?? configuration?.paths.statusFile ?? GateCtlDefaults.statusFile }
    /// log.anchor_file from the config, else anchors.jsonl beside the database (the daemon's default).
    var anchorFile: String {
        configuration?.log.anchorFile ?? (db.contains("/") ? String(db[..<db.lastIndex(of: "/")!]) : ".") + "/anchors.jsonl"
    }

    @Flag(name: .long, help: "Print JSON instead of a table (TSV when piped).")
    var json = false

    func timeZone() throws -> TimeZone {
        guard let name = timeZoneName ?? configuration?.gate.timeZone else { return GateCtlDefaults.timeZone }
        guard let zone = TimeZone(identifier: name) else {
            throw ValidationError("unknown time zone \"\(name)\": use an IANA name such as Asia/Shanghai or Europe/Berlin")
        }
        return zone
    }

    var output: OutputMode { OutputMode.detect(json: json) }
    var language: Language { Language.fromEnvironment() }

    func openReader() throws -> EntryLogReader { try EntryLogReader(path: db) }

    func time(_ text: String?, _ bound: TimeExpression.Bound, now: Date = Date()) throws -> EpochSeconds? {
        guard let text else { return nil }
        do { return try TimeExpression.parse(text, bound: bound, now: now, timeZone: timeZone()).timeIntervalSince1970 }
        catch let error as TimeExpression.ParseError { throw ValidationError(error.description) }
    }
}

/// The row filters shared by `log`, `tail` and `export`.
struct FilterOptions: ParsableArguments {
    @Option(help: "From this time: today, yesterday, 2h, 30m, 7d, 2026-11-29 or \"2026-11-29 08:00\" (gate's local time).")
    var since: String?

    @Option(help: "Before this time (same forms; a date means the end of that day).")
    var until: String?

    @Option(help: "admitted, refused, override or none (events). Repeat for several.")
    var decision: [String] = []

    @Option(help: "A reason such as fever, red_code, nat_expired, vaccination_prompt. Repeat: rows with any of them.")
    var reason: [String] = []

    @Option(help: "green, yellow or red. Repeat for several.")
    var colour: [String] = []

    func filter(_ options: LogOptions, limit: Int?) throws -> EntryFilter {
        EntryFilter(since: try options.time(since, .lower), until: try options.time(until, .upper),
                    decisions: Set(try decision.map { try parseValue($0, as: EntryRecord.Decision.self, option: "--decision") }),
                    reasons: Set(try reason.map { try parseValue($0, as: Reason.self, option: "--reason") }),
                    colours: Set(try colour.map { try parseValue($0, as: CodeColour.self, option: "--colour") }),
                    limit: limit)
    }
}

/// A failure at run time (not a usage mistake): printed as `Error: …` without the usage text.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func parseValue<T: RawRepresentable & CaseIterable>(_ text: String, as type: T.Type, option: String) throws -> T where T.RawValue == String {
    if let value = T(rawValue: text.lowercased()) { return value }
    throw ValidationError("\(option) \(text): expected one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
}

/// Buffered standard output: large exports in few write(2) calls, `flush()` when a follower must see rows now.
final class Console {
    private var buffer = Data()

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}

enum JSON {
    static func encode<T: Encodable>(_ value: T, pretty: Bool = true) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
