import ArgumentParser
import CountyStore
import Foundation
import HealthCode
import LinuxSystem

/// How countyctl reaches the county database: a local socket (the county's own server) or TCP with TLS.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "Unix socket directory (or socket file) of a local PostgreSQL.") var socket: String?
    @Option(help: "Host of the county PostgreSQL (TCP).") var host: String?
    @Option(help: "TCP port.") var port = 5432
    @Option(help: "Database name.") var database = "county"
    @Option(help: "Database user.") var user = "county"
    @Option(help: "A file (mode 0600) whose first line is the password.") var passwordFile: String?
    @Option(help: "TLS over TCP: verify-full (default) or disable.") var sslmode = "verify-full"
    @Option(help: "CA certificate(s) for verify-full (PEM).") var caFile: String?

    func endpoint() throws -> CountyEndpoint {
        let password = try passwordFile.map(readPassword)
        switch (socket, host) {
        case (let socket?, nil):
            return CountyEndpoint(address: .socket(socket), database: database, user: user, password: password)
        case (nil, let host?):
            guard let mode = CountyEndpoint.TLSMode(rawValue: sslmode) else { throw Failure("--sslmode: verify-full or disable") }
            return CountyEndpoint(address: .tcp(host: host, port: port), database: database, user: user, password: password,
                                  tls: mode, caFile: caFile)
        default:
            throw Failure("give --socket DIR or --host HOST")
        }
    }

    func connect(requireSchema: Bool = true) async throws -> CountyDatabase {
        let db = try await CountyDatabase.connect(try endpoint())
        if requireSchema {
            do { try await db.requireCurrentSchema() } catch { await db.close(); throw error }
        }
        return db
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case table, csv, json }

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the county schema (schema_version).")
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        let database = try await db.connect(requireSchema: false)
        defer { Task { await database.close() } }
        let applied = try await database.migrate()
        let version = try await database.schemaVersion()
        print(applied.isEmpty ? "schema version \(version): up to date" : "applied \(applied.map(String.init).joined(separator: ", ")); schema version \(version)")
    }
}

/// Seconds from "30m", "2h", "90s", "1d" or a plain number of seconds.
func parseDuration(_ text: String) throws -> Double {
    let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
    if let unit = text.last, let factor = units[unit], let value = Double(text.dropLast()), value >= 0 { return value * factor }
    if let value = Double(text), value >= 0 { return value }
    throw Failure("\(text): a duration such as 30m, 2h or 1800")
}

/// Unix seconds from YYYY-MM-DD (UTC midnight), YYYY-MM-DDTHH:MM[:SS]Z / with an offset, or a plain number.
func parseTime(_ text: String) throws -> Double {
    if let value = Double(text) { return value }
    if let day = CountyDatabase.utcDay(text) { return Double(day * 86400) }
    let formatter = ISO8601DateFormatter()
    for options: ISO8601DateFormatter.Options in [[.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds]] {
        formatter.formatOptions = options
        if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
    }
    throw Failure("\(text): a time such as 2026-12-01, 2026-12-01T08:00:00+08:00 or Unix seconds")
}

/// The row's own local time, as the gate shows it.
func localTime(_ time: Double, offset: Int) -> String { LocalTime.format(time, offsetSeconds: offset) }

func render(_ header: [String], _ rows: [[String]], format: OutputFormat) {
    switch format {
    case .csv:
        func field(_ value: String) -> String {
            var value = value
            // A cell starting with = + - @ is a formula to a spreadsheet: quoted as text.
            if let first = value.first, "=+-@".contains(first) { value = "'" + value }
            guard value.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return value }
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        for row in [header] + rows { print(row.map(field).joined(separator: ",")) }
    case .table, .json:
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for row in [header] + rows {
            print(row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces))
        }
    }
}

func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

struct Trace: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "时空伴随: every venue a case entered, and everyone admitted there within ± the window.",
        discussion: "Names and id numbers are masked as on the gate; subjects are the gates' pseudonyms. Gates whose chain is broken are named: their later rows are held apart and not searched.")
    @OptionGroup var db: DatabaseOptions
    @Option(help: "The case's subject pseudonym (as gatectl shows it).") var subject: String?
    @Option(help: "The case's code text as scanned (HG1:… / HC1:…): found by its fingerprint.") var code: String?
    @Option(help: "From (YYYY-MM-DD, ISO 8601 or Unix seconds).") var from: String
    @Option(help: "Until (exclusive).") var to: String
    @Option(help: "± window around each visit (30m, 2h, seconds).") var window = "30m"
    @Option(help: "table, csv or json.") var format: OutputFormat = .table

    func run() async throws {
        let from = try parseTime(from), to = try parseTime(to), window = try parseDuration(window)
        guard from < to else { throw Failure("--from must be before --to") }
        let database = try await db.connect()
        defer { Task { await database.close() } }
        let subjectID: String
        switch (subject, code) {
        case (let subject?, nil): subjectID = subject
        case (nil, let code?):
            let fingerprint = CodeVerifier.fingerprint(of: Array(code.utf8))
            guard let found = try await database.subjectID(forFingerprint: fingerprint) else {
                throw Failure("no gate logged this code (fingerprint \(fingerprint.prefix(16))…)")
            }
            subjectID = found
        default: throw Failure("give --subject ID or --code TEXT")
        }
        let trace = try await database.trace(subjectID: subjectID, from: from, to: to, window: window)
        if format == .json { try printJSON(trace); return }
        if format == .table {
            print("case \(subjectID): \(trace.visits.count) visits at \(Set(trace.visits.map(\.venue)).count) venues, \(Set(trace.contacts.map(\.subjectID)).count) people within ±\(Self.minutes(window))")
            render(["visit", "venue", "gate", "seq", "decision"], trace.visits.map {
                [localTime($0.time, offset: $0.utcOffset), $0.venue, $0.gateID, String($0.seq), $0.decision]
            }, format: .table)
            print("")
        }
        render(["venue", "gate", "seq", "time", "from_case", "name", "id_number", "subject", "colour", "decision"],
               trace.contacts.map {
                   [$0.venue, $0.gateID, String($0.seq), localTime($0.time, offset: $0.utcOffset),
                    Self.signedMinutes($0.secondsFromCase), $0.maskedName ?? "", $0.maskedID ?? "", $0.subjectID,
                    $0.colour ?? "", $0.decision]
               }, format: format)
        if !trace.brokenGates.isEmpty {
            FileHandle.standardError.write(Data("warning: chain broken at \(trace.brokenGates.joined(separator: ", ")): their later rows are held apart, not searched (countyctl gates)\n".utf8))
        }
    }

    static func minutes(_ seconds: Double) -> String { "\(Int((seconds / 60).rounded())) min" }
    static func signedMinutes(_ seconds: Double) -> String {
        if abs(seconds) < 60 { return (seconds > 0 ? "+" : "") + "\(Int(seconds.rounded())) s" }
        let value = Int((seconds / 60).rounded())
        return (value > 0 ? "+" : "") + "\(value) min"
    }
}

struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "暗访督察: per gate for one local day, attempts vs exits, refusals by reason, fire-alarm minutes, overrides, chain, hours offline.")
    @OptionGroup var db: DatabaseOptions
    @Option(help: "Only this venue's gates.") var venue: String?
    @Option(help: "The local day, YYYY-MM-DD.") var day: String
    @Option(help: "table, csv or json.") var format: OutputFormat = .table

    func run() async throws {
        guard let dayNumber = CountyDatabase.utcDay(day) else { throw Failure("--day: YYYY-MM-DD") }
        let database = try await db.connect()
        defer { Task { await database.close() } }
        let days = try await database.inspect(day: dayNumber, venue: venue)
        if format == .json { try printJSON(days); return }
        render(["venue", "gate", "attempts", "admitted", "refused", "overrides", "exits", "refused_by_reason", "fire_alarm_min",
                "unsynced_clock", "hours_offline", "chain", "held_apart"], days.map {
            [$0.venue, $0.gateID, String($0.attempts), String($0.admitted), String($0.refused), String($0.overrides),
             String($0.exits), $0.refusedByReason.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
             String(format: "%.1f", $0.fireAlarmOpenMinutes), String($0.unsyncedClockRows),
             $0.hoursOffline.map { String(format: "%.1f", $0) } ?? "no heartbeat",
             $0.chainStatus + ($0.chainDetail.map { ": \($0)" } ?? ""), String($0.heldApartRows)]
        }, format: format)
    }
}

struct Gates: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Fleet status: heartbeat, lag, bundle, chain, anchors; silent gates flagged.")
    @OptionGroup var db: DatabaseOptions
    @Option(help: "A gate silent for longer than this many minutes is flagged.") var silentMinutes = 10
    @Option(help: "table, csv or json.") var format: OutputFormat = .table

    func run() async throws {
        let database = try await db.connect()
        defer { Task { await database.close() } }
        let gates = try await database.gates()
        if format == .json { try printJSON(gates); return }
        render(["gate", "venue", "last_heartbeat", "flags", "lag_rows", "bundle", "acked_seq", "chain", "held_apart", "anchors", "status"],
               gates.map { gate in
                   var flags: [String] = []
                   if let silent = gate.secondsSilent { if silent > Double(silentMinutes * 60) { flags.append("SILENT \(Int(silent / 60)) min") } }
                   else { flags.append("NO HEARTBEAT") }
                   if let newest = gate.newestBundleVersion, (gate.bundleVersion ?? 0) < newest { flags.append("STALE BUNDLE") }
                   if gate.chainStatus != "ok" { flags.append("CHAIN BROKEN") }
                   if gate.anchorsContradicted > 0 { flags.append("ANCHOR CONTRADICTED") }
                   return [gate.gateID, gate.venue ?? "", gate.lastHeartbeat.map { localTime($0, offset: 0) + "Z" } ?? "",
                           flags.joined(separator: ","), gate.lagRows.map(String.init) ?? "", gate.bundleVersion.map(String.init) ?? "",
                           String(gate.contiguousSeq), gate.chainStatus + (gate.chainDetail.map { ": \($0)" } ?? ""),
                           String(gate.heldApartRows), "\(gate.anchors)" + (gate.anchorsContradicted > 0 ? " (\(gate.anchorsContradicted) contradicted)" : ""),
                           gate.status ?? ""]
               }, format: format)
    }
}

struct Retention: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The county's retention: drop day partitions older than --days (the county's own setting, not the gates').")
    @OptionGroup var db: DatabaseOptions
    @Option(help: "Keep this many days.") var days: Int

    func run() async throws {
        guard days >= 1 else { throw Failure("--days: at least 1") }
        let database = try await db.connect()
        defer { Task { await database.close() } }
        let dropped = try await database.dropPartitions(olderThanDays: days)
        print(dropped.isEmpty ? "nothing older than \(days) days" : "dropped \(dropped.joined(separator: ", "))")
    }
}

func readPassword(_ path: String) throws -> String {
    do { return try SecretFile.readPassword(path: path) } catch { throw Failure("\(path): \(error.message)") }
}
