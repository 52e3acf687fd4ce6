import ArgumentParser
import EntryLog
import EntryLogCLI
import Foundation
import GateCore
import LinuxSystem
import HealthCode

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "Show entry log rows, newest last.",
        discussion: "Examples: gatectl log --since today --decision refused; gatectl log --reason fever --since 7d")

    @OptionGroup var options: LogOptions
    @OptionGroup var filters: FilterOptions
    @Option(help: "Show at most the newest N rows (0: all).")
    var limit: Int = 50

    func run() throws {
        guard limit >= 0 else { throw ValidationError("--limit must be 0 or more") }
        let reader = try options.openReader()
        let entries = try reader.entries(try filters.filter(options, limit: limit == 0 ? nil : limit))
        let console = Console()
        if options.output == .json {
            console.write(try JSON.encode(entries.map(ExportRow.init)) + "\n")
        } else {
            console.write(EntryColumns.table(entries, language: options.language)
                .render(options.output, decisionColumn: EntryColumns.decisionColumn))
        }
    }
}

struct TailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail", abstract: "Show the last rows; with -f, keep printing rows as the daemon commits them.")

    @OptionGroup var options: LogOptions
    @Option(name: .short, help: "Number of rows to show first.")
    var n: Int = 10
    @Flag(name: .short, help: "Follow: print new rows as they are committed (Ctrl-C to stop).")
    var follow = false
    @Option(help: "Seconds between polls when following.")
    var interval: Double = 0.5

    func run() throws {
        guard n >= 0, interval > 0 else { throw ValidationError("-n must be 0 or more and --interval positive") }
        let reader = try options.openReader()
        let console = Console()
        var entries = n == 0 ? [] : try reader.entries(EntryFilter(limit: n))
        var last = try entries.last?.seq ?? reader.lastSeq() ?? 0
        var header = true
        while true {
            if !entries.isEmpty {
                if options.output == .json {
                    for entry in entries { console.write(try JSON.encode(ExportRow(entry), pretty: false) + "\n") }
                } else {
                    console.write(EntryColumns.table(entries, language: options.language)
                        .render(options.output, decisionColumn: EntryColumns.decisionColumn, includeHeader: header))
                    header = false
                }
                last = entries.last?.seq ?? last
            }
            console.flush()
            guard follow else { return }
            Thread.sleep(forTimeInterval: interval)
            entries = try reader.entries(after: last)
        }
    }
}

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Counts per hour or day: admitted, refused by reason, fevers, peak occupancy.",
        discussion: "Periods are the gate's local hours/days. Default: today by hour, the last 7 days by day.")

    enum Period: String, ExpressibleByArgument, CaseIterable { case hour, day }

    @OptionGroup var options: LogOptions
    @Option(help: "hour or day.")
    var by: Period = .hour
    @Option(help: "From (default: today for --by hour, 6 days before today for --by day).")
    var since: String?
    @Option(help: "Before (default: now).")
    var until: String?

    func run() throws {
        let now = Date()
        let defaultSince = by == .hour ? "today" : "6d"
        var from = try options.time(since ?? defaultSince, .lower, now: now) ?? 0
        if since == nil, by == .day {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = try options.timeZone()
            from = calendar.startOfDay(for: Date(timeIntervalSince1970: from)).timeIntervalSince1970
        }
        let to = try options.time(until, .upper, now: now) ?? now.timeIntervalSince1970 + 1
        let buckets = try options.openReader().stats(since: from, until: to, by: by == .hour ? .hour : .day)
        let console = Console()
        if options.output == .json {
            console.write(try JSON.encode(buckets.map { StatsRow($0, hourly: by == .hour) }) + "\n")
            return
        }
        let language = options.language
        var table = Table(header: [Label.period, .attempts, .admitted, .refused, .overrides, .fevers, .vaccinationPrompts,
                                   .peakOccupancy, .faults, .refusedByReason].map { $0.text(language) })
        for bucket in buckets {
            table.append([LocalTime.bucketLabel(bucket.localStart, hourly: by == .hour), String(bucket.attempts),
                          String(bucket.admitted), String(bucket.refused), String(bucket.overrides), String(bucket.fevers),
                          String(bucket.vaccinationPrompts), bucket.peakOccupancy.map(String.init) ?? "",
                          String(bucket.faults), reasonCounts(bucket.refusedByReason)])
        }
        console.write(table.render(options.output))
    }
}

/// `fever=3 red_code=1`, most frequent first.
func reasonCounts(_ counts: [String: Int]) -> String {
    counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
}

/// A stats bucket with its label, for JSON.
struct StatsRow: Encodable {
    var period: String
    var bucket: StatsBucket
    init(_ bucket: StatsBucket, hourly: Bool) {
        period = LocalTime.bucketLabel(bucket.localStart, hourly: hourly)
        self.bucket = bucket
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export rows (masked data only) as CSV or JSON for inspectors.",
        discussion: "Example: gatectl export --format csv --since 2026-11-01 --until 2026-11-30 > november.csv")

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json }

    @OptionGroup var options: LogOptions
    @OptionGroup var filters: FilterOptions
    @Option(help: "csv or json.")
    var format: Format = .csv

    func run() throws {
        let reader = try options.openReader()
        let console = Console()
        var first = true
        if format == .csv { console.write(ExportRow.csvHeader + "\n") } else { console.write("[") }
        try reader.forEachEntry(try filters.filter(options, limit: nil)) { entry in
            let row = ExportRow(entry)
            if format == .csv {
                console.write(row.csvLine + "\n")
            } else {
                console.write((first ? "\n" : ",\n") + (try JSON.encode(row, pretty: false)))
            }
            first = false
        }
        if format == .json { console.write(first ? "]\n" : "\n]\n") }
    }
}

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace", abstract: "时空伴随: other people at this gate within a window of a subject's entries.",
        discussion: "Example: gatectl trace --subject 7f3a9c --window 30m --since 14d")

    @OptionGroup var options: LogOptions
    @Option(help: "Pseudonymous subject id (as shown by `log`).")
    var subject: String?
    @Option(help: "Code fingerprint; its subject is looked up in the log.")
    var fingerprint: String?
    @Option(help: "A scanned code (the QR's text, HG1:… or HC1:…); its subject is looked up in the log.")
    var code: String?
    @Option(help: "Window around each entry (30m, 1h, …).")
    var window: String = "30m"
    @Option(help: "Only the subject's entries from this time.")
    var since: String?
    @Option(help: "Only the subject's entries before this time.")
    var until: String?

    func validate() throws {
        guard [subject, fingerprint, code].compactMap({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --subject, --fingerprint or --code")
        }
    }

    func run() throws {
        let seconds: Double
        do { seconds = try TimeExpression.duration(window) } catch { throw ValidationError("--window: \(error)") }
        let reader = try options.openReader()
        let subjectID: String
        if let subject { subjectID = subject }
        else if let key = fingerprint ?? code.map({ CodeVerifier.fingerprint(of: Array($0.utf8)) }),
                let found = try reader.subjectID(forFingerprint: key) { subjectID = found }
        else { throw CommandFailure("no row in the log carries that \(code == nil ? "fingerprint" : "code") (was it scanned at this gate?)") }
        let result = try reader.trace(subjectID: subjectID, window: seconds, since: try options.time(since, .lower),
                                      until: try options.time(until, .upper))
        let console = Console()
        if options.output == .json {
            console.write(try JSON.encode(TraceOutput(result)) + "\n")
            return
        }
        let language = options.language
        if options.output != .tsv {
            console.write("\(Label.subject.text(language)): \(subjectID)  \(Label.subjectAttempts.text(language)): "
                          + "\(result.subjectAttempts.count)  \(Label.companions.text(language)): \(result.distinctCompanions)\n")
        }
        var table = Table(header: EntryColumns.header(language) + [Label.near.text(language), Label.gapMinutes.text(language)])
        for hit in result.hits {
            table.append(EntryColumns.cells(hit.entry) + [String(hit.nearestSubjectSeq), String(format: "%+.1f", hit.secondsFromSubject / 60)],
                         decision: hit.entry.record.decision)
        }
        console.write(table.render(options.output, decisionColumn: EntryColumns.decisionColumn))
    }
}

struct TraceOutput: Encodable {
    struct Hit: Encodable {
        var row: ExportRow
        var nearestSubjectSeq: Int64
        var secondsFromSubject: Double
    }
    var subjectID: String
    var subjectAttempts: [ExportRow]
    var hits: [Hit]
    var distinctCompanions: Int
    init(_ result: TraceResult) {
        subjectID = result.subjectID
        subjectAttempts = result.subjectAttempts.map(ExportRow.init)
        hits = result.hits.map { Hit(row: ExportRow($0.entry), nearestSubjectSeq: $0.nearestSubjectSeq, secondsFromSubject: $0.secondsFromSubject) }
        distinctCompanions = result.distinctCompanions
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "The daily summary for upstream reporting (one local day).",
        discussion: "Example: gatectl report --day yesterday")

    @OptionGroup var options: LogOptions
    @Option(help: "The day: today, yesterday or 2026-11-29.")
    var day: String = "yesterday"

    func run() throws {
        let now = Date()
        guard let from = try options.time(day, .lower, now: now), let until = try options.time(day, .upper, now: now) else { return }
        let report = try options.openReader().dailyReport(from: from, until: until)
        let console = Console()
        if options.output == .json {
            console.write(try JSON.encode(report) + "\n")
            return
        }
        let language = options.language
        let zone = try options.timeZone()
        let totals = report.totals
        let lines: [(Label, String)] = [
            (.period, LocalTime.format(from, offsetSeconds: zone.secondsFromGMT(for: Date(timeIntervalSince1970: from)), seconds: false)
                + " – " + LocalTime.format(until, offsetSeconds: zone.secondsFromGMT(for: Date(timeIntervalSince1970: until)), seconds: false)),
            (.gate, report.gateIDs.joined(separator: ",")),
            (.attempts, String(totals.attempts)), (.admitted, String(totals.admitted)), (.refused, String(totals.refused)),
            (.overrides, String(totals.overrides)), (.refusedByReason, reasonCounts(totals.refusedByReason)),
            (.fevers, String(totals.fevers)), (.vaccinationPrompts, String(totals.vaccinationPrompts)),
            (.peakOccupancy, totals.peakOccupancy.map(String.init) ?? ""), (.faults, String(totals.faults)),
            (.events, reasonCounts(report.events)), (.unsynchronisedClock, String(report.unsynchronisedClockRows)),
            (.firstSeq, report.firstSeq.map(String.init) ?? ""), (.lastSeq, report.lastSeq.map(String.init) ?? ""),
            (.lastHash, report.lastHash ?? ""),
        ]
        var table = Table(header: ["", ""])
        for (label, value) in lines { table.append([label.text(language), value]) }
        console.write(table.render(options.output, includeHeader: false))
    }
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Walk the hash chain and name the first row changed, removed or inserted.",
        discussion: """
            With --anchor FILE (a copy of anchors.jsonl kept off the board, see `gatectl anchors`), also check that \
            every row an anchor names is still there with the same hash, or was purged by a purge that could delete it. \
            Over SSH: ssh gate gatectl verify --anchor - < anchors-gate1.jsonl. \
            Exit status 0: intact; 1: broken (or the file is damaged).
            """)

    @OptionGroup var options: LogOptions
    @Flag(help: "Also run SQLite's integrity check over every page.")
    var deep = false
    @Option(help: "Anchor file (JSON lines the daemon signs hourly and at stop) to check the log against; - reads it from standard input.")
    var anchor: String?
    @Option(name: .customLong("anchor-key"), help: "The gate's registered anchor public key (hex); default: the key of the file's first anchor.")
    var anchorKey: String?
    @Option(name: .customLong("min-retention-days"), help: "Refuse a purge that states a shorter retention (default 1, the smallest the daemon accepts).")
    var minRetentionDays: Int?

    func run() throws {
        if let days = minRetentionDays, days < 1 { throw ValidationError("--min-retention-days must be 1 or more") }
        let reader = try options.openReader()
        let report = try reader.verifyChain(minimumRetentionSeconds: minRetentionDays.map { Int64($0) * 86_400 })
        let anchors = try anchor.map { file in
            file == "-" ? try reader.verifyAnchors(contents: FileHandle.standardInput.readDataToEndOfFile(), name: "standard input", expectedKey: anchorKey)
                : try reader.verifyAnchors(file: file, expectedKey: anchorKey)
        }
        let pages = deep ? try reader.integrityCheck() : ["ok"]
        let console = Console()
        defer { console.flush() }
        if options.output == .json {
            struct AnchorOutput: Encodable { var file: String; var valid: Bool; var anchorsChecked: Int; var newestLine: Int?
                                             var newest: AnchorEntry?; var publicKey: String?; var tornLastLine: Bool; var problem: String? }
            struct Output: Encodable { var valid: Bool; var rowsChecked: Int; var headSeq: Int64?; var headHash: String?
                                       var startsAfterSeq: Int64?; var problem: String?; var integrity: [String]; var anchor: AnchorOutput? }
            let anchorOutput = anchors.map {
                AnchorOutput(file: $0.file, valid: $0.isValid, anchorsChecked: $0.anchorsChecked, newestLine: $0.newestLine, newest: $0.newest,
                             publicKey: $0.publicKey, tornLastLine: $0.tornLastLine, problem: $0.problem.map { ChainText.describe($0, .english) })
            }
            console.write(try JSON.encode(Output(valid: report.isValid && anchors?.isValid != false, rowsChecked: report.rowsChecked,
                                                 headSeq: report.headSeq, headHash: report.headHash, startsAfterSeq: report.startsAfterSeq,
                                                 problem: report.problem.map { ChainText.describe($0, .english) },
                                                 integrity: pages, anchor: anchorOutput)) + "\n")
        } else {
            let language = options.language
            var table = Table(header: ["", ""])
            table.append([Label.rowsChecked.text(language), String(report.rowsChecked)])
            if let seq = report.headSeq { table.append([Label.lastSeq.text(language), String(seq)]) }
            if let hash = report.headHash { table.append([Label.headHash.text(language), hash]) }
            if let start = report.startsAfterSeq { table.append([Label.startsAfter.text(language), String(start)]) }
            if let problem = report.problem {
                table.append([Label.chainBroken.text(language), ChainText.describe(problem, language)], decision: .refused)
            } else {
                table.append([Label.chainValid.text(language), "✓"], decision: .admitted)
            }
            if let anchors {
                // Say which anchor the log was checked against: staff compare it with the copy they sent away.
                table.append([Label.anchorFile.text(language), anchors.file])
                table.append([Label.anchorsChecked.text(language), String(anchors.anchorsChecked)])
                if let newest = anchors.newest, let line = anchors.newestLine {
                    let written = LocalTime.format(newest.writtenAt, offsetSeconds: (try? options.timeZone())?
                        .secondsFromGMT(for: Date(timeIntervalSince1970: newest.writtenAt)) ?? 0)
                    table.append([Label.anchorNewest.text(language), "line \(line): row \(newest.seq), \(written)"])
                }
                if let key = anchors.publicKey { table.append([Label.anchorKey.text(language), key]) }
                if anchors.tornLastLine { table.append([Label.anchorTorn.text(language), "incomplete (a write cut short), left out"]) }
                if let problem = anchors.problem {
                    table.append([Label.anchorBroken.text(language), ChainText.describe(problem, language)], decision: .refused)
                } else {
                    table.append([Label.anchorValid.text(language), "✓"], decision: .admitted)
                }
            }
            if deep { table.append(["integrity_check", pages.joined(separator: "; ")]) }
            console.write(table.render(options.output, decisionColumn: 1, includeHeader: false))
        }
        if !report.isValid || anchors?.isValid == false || pages != ["ok"] { console.flush(); throw ExitCode.failure }
    }
}

struct AnchorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anchors", abstract: "Print the gate's anchor file (signed heads of the chain), to keep a copy off the board.",
        discussion: """
            The copy is the evidence: the board's own file can be rewritten by whoever can rewrite the log. \
            Example: ssh gate gatectl anchors > anchors-gate1.jsonl; later: ssh gate gatectl verify --anchor - < anchors-gate1.jsonl
            """)

    @OptionGroup var options: LogOptions

    func run() throws {
        let path = options.anchorFile
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("anchor file \(path): cannot read it (has the daemon run? are you in group gate-staff?)")
        }
        FileHandle.standardOutput.write(data)
    }
}
