// Entry log benchmark (docs/entry-log.md): fills a log with about a year of a busy station gate (5 million rows
// by default), then times the staff's queries and the durable insert rate. Build and run in release mode:
//     swift run -c release entrylog-bench [--rows N] [--db PATH] [--reuse]
import EntryLog
import Foundation
import GateCore

struct Options {
    var rows = 5_000_000
    var path = "/var/tmp/entrylog-bench.sqlite"
    var reuse = false
    var durableInserts = 2000

    init(_ arguments: [String]) throws {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--rows": rows = try Self.number(iterator.next(), argument)
            case "--db": guard let value = iterator.next() else { throw Usage() }; path = value
            case "--reuse": reuse = true
            case "--inserts": durableInserts = try Self.number(iterator.next(), argument)
            default: throw Usage()
            }
        }
    }

    static func number(_ text: String?, _ option: String) throws -> Int {
        guard let text, let value = Int(text.replacingOccurrences(of: "_", with: "")), value > 0 else { throw Usage() }
        return value
    }

    struct Usage: Error, CustomStringConvertible {
        var description: String {
            "usage: entrylog-bench [--rows N (default 5000000)] [--db PATH] [--reuse (keep an already filled log)] [--inserts N]"
        }
    }
}

/// A station gate: open 06:00–23:00 local (UTC+8), rush hours at 7–9 and 17–19, about 13,700 attempts a day;
/// 60 % of attempts by 5,000 commuters, the rest by 300,000 occasional travellers.
struct StationTraffic {
    static let offset = 8 * 3600
    static let hourWeights: [Double] = [0, 0, 0, 0, 0, 0, 0.5, 3, 3, 1.5, 1, 1, 1, 1, 1, 1, 1, 2.5, 3, 1.5, 0.7, 0.7, 0.7, 0]
    static let meanGapAtWeightOne = hourWeights.reduce(0, +) * 3600 / 13_700
    static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")

    var random: SplitMix64
    var time: Double
    var occupancy = 0

    mutating func next() -> EntryRecord {
        advance()
        let roll = Double.random(in: 0..<1, using: &random)
        let commuter = Double.random(in: 0..<1, using: &random) < 0.6
        let subjectNumber = commuter ? Int.random(in: 0..<5000, using: &random) : 5000 + Int.random(in: 0..<300_000, using: &random)
        let subject = Self.subjectID(subjectNumber)
        var decision = EntryRecord.Decision.admitted
        var reasons: [Reason] = []
        var colour = CodeColour.green
        var temperature = Double.random(in: 35.9...37.1, using: &random)
        switch roll {
        case ..<0.010: decision = .refused; reasons = [.yellowCode]; colour = .yellow
        case ..<0.012: decision = .refused; reasons = [.redCode]; colour = .red
        case ..<0.015: decision = .refused; reasons = [.fever]; temperature = Double.random(in: 37.4...39.2, using: &random)
        case ..<0.035: decision = .refused; reasons = [.natExpired]
        case ..<0.045: decision = .refused; reasons = [.natMissing]
        case ..<0.048: decision = .refused; reasons = [.expired]
        case ..<0.049: decision = .refused; reasons = [.badSignature]
        case ..<0.051: decision = .refused; reasons = [.replayed]
        case ..<0.054: decision = .refused; reasons = [.capacityFull]
        case ..<0.059:
            occupancy = max(0, occupancy - 1)
            return EntryRecord(time: time, kind: .attempt, decision: .refused, reasons: [.unreadable], temperature: temperature,
                               occupancyAfter: occupancy, clockSynchronised: true, rules: ["decode=fail"])
        case ..<0.0592:
            return EntryRecord(time: time, kind: .event, decision: .none, event: "fault", clockSynchronised: true,
                               detail: "thermometer: /dev/i2c-1@0x5a: read failed")
        case ..<0.109: reasons = [.vaccinationPrompt]
        default: break
        }
        if decision == .admitted { occupancy = min(400, occupancy + 1) } else { occupancy = max(0, occupancy - 1) }
        if Int.random(in: 0..<3, using: &random) == 0 { occupancy = max(0, occupancy - 1) }
        let surname = Self.surnames[subjectNumber % Self.surnames.count]
        return EntryRecord(
            time: time, kind: .attempt, decision: decision, reasons: reasons, format: .hg1, issuer: "gd-hc",
            colour: colour, maskedName: "\(surname)*\(subjectNumber % 2 == 0 ? "*" : "")",
            maskedIDNumber: "44\(subjectNumber % 10)***********\(1000 + subjectNumber % 9000)",
            subjectID: subject, nucleicAcidAgeHours: Double.random(in: 1...96, using: &random).rounded(),
            vaccinationDoses: Int.random(in: 0...3, using: &random), temperature: (temperature * 10).rounded() / 10,
            occupancyAfter: occupancy, clockSynchronised: true,
            codeFingerprint: String(random.next(), radix: 16), rules: ["colour=\(colour == .green ? "pass" : "fail")"])
    }

    static func subjectID(_ number: Int) -> String {
        var mixer = SplitMix64(seed: UInt64(number))
        return String(mixer.next() >> 16, radix: 36)
    }

    /// Exponential gaps whose mean follows the local hour; closed hours are skipped.
    private mutating func advance() {
        while true {
            let localHour = Int((time + Double(Self.offset)).truncatingRemainder(dividingBy: 86400) / 3600)
            let weight = Self.hourWeights[localHour]
            if weight == 0 {
                let local = time + Double(Self.offset)
                time = (local - local.truncatingRemainder(dividingBy: 3600)) + 3600 - Double(Self.offset)
                occupancy = 0
                continue
            }
            let uniform = Double.random(in: Double.ulpOfOne..<1, using: &random)
            time += -log(uniform) * Self.meanGapAtWeightOne / weight
            return
        }
    }
}

func measure<T>(_ runs: Int = 5, _ body: () throws -> T) rethrows -> (median: Duration, first: Duration, result: T) {
    var durations: [Duration] = []
    var result: T?
    for _ in 0..<runs {
        let start = ContinuousClock.now
        result = try body()
        durations.append(ContinuousClock.now - start)
    }
    return (durations.sorted()[runs / 2], durations[0], result!)
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

func line(_ name: String, _ value: String, _ target: String = "", _ pass: Bool? = nil) {
    let verdict = pass.map { $0 ? "ok" : "MISSED" } ?? ""
    print(name.padding(toLength: 60, withPad: " ", startingAt: 0) + value.padding(toLength: 22, withPad: " ", startingAt: 0)
          + target.padding(toLength: 14, withPad: " ", startingAt: 0) + verdict)
}

do {
    let options = try Options(CommandLine.arguments)
    let days = Double(options.rows) / 13_700
    let end = 1_795_910_400.0  // 2026-11-29 00:00 UTC
    var traffic = StationTraffic(random: SplitMix64(seed: 2026), time: end - days * 86400)
    let existing = (try? EntryLogReader(path: options.path).lastSeq()) ?? nil
    if !(options.reuse && (existing ?? 0) >= Int64(options.rows)) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: options.path + suffix) }
        let writer = try EntryLogWriter(path: options.path, gateID: "bench-gate")
        let start = ContinuousClock.now
        var written = 0
        while written < options.rows {
            let batch = (0..<min(20_000, options.rows - written)).map { _ in traffic.next() }
            try writer.append(contentsOf: batch, utcOffsetSeconds: StationTraffic.offset)
            written += batch.count
            if written % 500_000 == 0 { print("filled \(written) rows (\(Int(milliseconds(ContinuousClock.now - start) / 1000)) s)") }
        }
        let fill = ContinuousClock.now - start
        print("filled \(written) rows in \(Int(milliseconds(fill) / 1000)) s (bulk, 20,000 rows per transaction)")
    } else {
        print("reusing \(options.path) (\(existing ?? 0) rows)")
    }
    let attributes = try FileManager.default.attributesOfItem(atPath: options.path)
    let size = (attributes[.size] as? Int) ?? 0
    let reader = try EntryLogReader(path: options.path)
    let rows = try reader.lastSeq() ?? 0
    print("\nentry log benchmark: \(rows) rows, \(size / 1_048_576) MiB, \(options.path)")
    line("measure", "median (first)", "target", nil)

    let latest = try measure { try reader.entries(EntryFilter(limit: 50)) }
    line("log --limit 50", String(format: "%.2f ms (%.2f)", milliseconds(latest.median), milliseconds(latest.first)),
         "< 100 ms", milliseconds(latest.median) < 100)
    let fever = try measure { try reader.entries(EntryFilter(reasons: [.fever], limit: 50)) }
    line("log --reason fever --limit 50", String(format: "%.2f ms (%.2f)", milliseconds(fever.median), milliseconds(fever.first)),
         "< 100 ms", milliseconds(fever.median) < 100)
    let lastDayStart = end - 86400 - Double(StationTraffic.offset)
    let refusedToday = try measure {
        try reader.entries(EntryFilter(since: lastDayStart, decisions: [.refused], colours: [.yellow], limit: 50))
    }
    line("log --since <day> --decision refused --colour yellow", String(format: "%.2f ms (%.2f)", milliseconds(refusedToday.median),
         milliseconds(refusedToday.first)), "< 100 ms", milliseconds(refusedToday.median) < 100)

    let stats = try measure { try reader.stats(since: lastDayStart, until: lastDayStart + 86400, by: .hour) }
    line("stats --by hour (one day, \(stats.result.reduce(0) { $0 + $1.attempts }) attempts)",
         String(format: "%.2f ms (%.2f)", milliseconds(stats.median), milliseconds(stats.first)), "< 300 ms", milliseconds(stats.median) < 300)
    let report = try measure { try reader.dailyReport(from: lastDayStart, until: lastDayStart + 86400) }
    line("report --day <last day>", String(format: "%.2f ms (%.2f)", milliseconds(report.median), milliseconds(report.first)), "", nil)

    // A commuter (many visits) over the last 14 days, and an occasional traveller over the whole log.
    let commuter = StationTraffic.subjectID(42)
    let traveller = try reader.entries(after: rows / 2, limit: 100).compactMap(\.record.subjectID)
        .first { subject in !(0..<5000).contains { StationTraffic.subjectID($0) == subject } } ?? commuter
    let traceCommuter = try measure { try reader.trace(subjectID: commuter, window: 1800, since: end - 14 * 86400) }
    line("trace commuter --since 14d (\(traceCommuter.result.subjectAttempts.count) visits, \(traceCommuter.result.hits.count) rows)",
         String(format: "%.2f ms (%.2f)", milliseconds(traceCommuter.median), milliseconds(traceCommuter.first)),
         "< 500 ms", milliseconds(traceCommuter.median) < 500)
    let traceTraveller = try measure { try reader.trace(subjectID: traveller, window: 1800) }
    line("trace mid-log traveller, whole log (\(traceTraveller.result.subjectAttempts.count) visits, \(traceTraveller.result.hits.count) rows)",
         String(format: "%.2f ms (%.2f)", milliseconds(traceTraveller.median), milliseconds(traceTraveller.first)),
         "< 500 ms", milliseconds(traceTraveller.median) < 500)

    // Durable inserts: one transaction and one fsync per row, as the daemon does before opening the relay.
    let writer = try EntryLogWriter(path: options.path, gateID: "bench-gate")
    let durable = (0..<options.durableInserts).map { _ in traffic.next() }
    let insertStart = ContinuousClock.now
    for record in durable { try writer.append(record, utcOffsetSeconds: StationTraffic.offset) }
    let insertSeconds = milliseconds(ContinuousClock.now - insertStart) / 1000
    let rate = Double(options.durableInserts) / insertSeconds
    line("append, one durable commit per row", String(format: "%.0f rows/s", rate), ">= 2000/s", rate >= 2000)
    let grouped = (0..<options.durableInserts).map { _ in traffic.next() }
    let groupStart = ContinuousClock.now
    for chunk in stride(from: 0, to: grouped.count, by: 10) {
        try writer.append(contentsOf: Array(grouped[chunk..<min(chunk + 10, grouped.count)]), utcOffsetSeconds: StationTraffic.offset)
    }
    let groupRate = Double(grouped.count) / (milliseconds(ContinuousClock.now - groupStart) / 1000)
    line("append(contentsOf:), 10 rows per commit", String(format: "%.0f rows/s", groupRate), "", nil)

    let verifyStart = ContinuousClock.now
    let chain = try reader.verifyChain()
    line("verify (whole chain)", String(format: "%.1f s, %@", milliseconds(ContinuousClock.now - verifyStart) / 1000,
                                        chain.isValid ? "intact" : "BROKEN"), "", chain.isValid)
} catch {
    FileHandle.standardError.write(Data("entrylog-bench: \(error)\n".utf8))
    exit(1)
}
