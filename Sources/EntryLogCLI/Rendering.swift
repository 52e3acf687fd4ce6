import EntryLog
import Foundation
import GateCore
import LinuxSystem

/// How results leave gatectl: aligned and coloured on a terminal, TSV when piped, JSON on request.
public enum OutputMode: Sendable, Equatable {
    case table(colour: Bool)
    case tsv
    case json

    public static func detect(json: Bool, isTerminal: Bool = isatty(STDOUT_FILENO) != 0,
                              environment: [String: String] = ProcessInfo.processInfo.environment) -> OutputMode {
        if json { return .json }
        guard isTerminal else { return .tsv }
        return .table(colour: environment["NO_COLOR"] == nil && environment["TERM"] != "dumb")
    }
}

public struct Table: Sendable, Equatable {
    public var header: [String]
    public var rows: [[String]]
    /// Per row, the decision used to colour it (nil: no colour).
    public var decisions: [EntryRecord.Decision?]

    public init(header: [String], rows: [[String]] = [], decisions: [EntryRecord.Decision?] = []) {
        self.header = header
        self.rows = rows
        self.decisions = decisions
    }

    public mutating func append(_ row: [String], decision: EntryRecord.Decision? = nil) {
        rows.append(row)
        decisions.append(decision)
    }

    /// TSV: tabs and newlines inside values become spaces so every row stays one line of N fields.
    /// Tabs, newlines and every other control character (escape sequences could rewrite a staff terminal) become spaces.
    static func clean(_ value: String) -> String {
        String(value.map { $0.isNewline || $0.unicodeScalars.contains { $0.properties.generalCategory == .control } ? " " : $0 })
    }

    public func tsv(includeHeader: Bool = true) -> String {
        let clean = Self.clean
        var lines = includeHeader ? [header.map(clean).joined(separator: "\t")] : []
        lines += rows.map { $0.map(clean).joined(separator: "\t") }
        return lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
    }

    /// Columns padded to their display width (CJK characters count two); the decision cell coloured.
    /// Tabs and line breaks inside values become spaces, as in TSV.
    public func aligned(colour: Bool, decisionColumn: Int? = nil, includeHeader: Bool = true) -> String {
        let all = (includeHeader ? [header] + rows : rows).map { $0.map(Self.clean) }
        var widths = [Int](repeating: 0, count: header.count)
        for row in all { for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], Self.width(cell)) } }
        var out = ""
        for (rowIndex, row) in all.enumerated() {
            let decision = includeHeader ? (rowIndex == 0 ? nil : decisions[rowIndex - 1]) : decisions[rowIndex]
            var cells: [String] = []
            for (index, cell) in row.enumerated() {
                let padding = String(repeating: " ", count: max(0, (index < widths.count ? widths[index] : 0) - Self.width(cell)))
                var text = cell
                if colour, index == decisionColumn, let decision, let code = Self.ansi(decision) { text = "\u{1B}[\(code)m\(cell)\u{1B}[0m" }
                if colour, includeHeader, rowIndex == 0 { text = "\u{1B}[1m\(cell)\u{1B}[0m" }
                cells.append(index == row.count - 1 ? text : text + padding)
            }
            out += cells.joined(separator: "  ") + "\n"
        }
        return out
    }

    public func render(_ mode: OutputMode, decisionColumn: Int? = nil, includeHeader: Bool = true) -> String {
        switch mode {
        case .table(let colour): return aligned(colour: colour, decisionColumn: decisionColumn, includeHeader: includeHeader)
        case .tsv, .json: return tsv(includeHeader: includeHeader)
        }
    }

    static func ansi(_ decision: EntryRecord.Decision) -> String? {
        switch decision {
        case .admitted: "32"
        case .refused: "31;1"
        case .override: "33"
        case .none: nil
        }
    }

    static func width(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { total, scalar in
            let value = scalar.value
            let wide = (0x1100...0x115F).contains(value) || (0x2E80...0xA4CF).contains(value)
                || (0xAC00...0xD7A3).contains(value) || (0xF900...0xFAFF).contains(value)
                || (0xFE30...0xFE4F).contains(value) || (0xFF00...0xFF60).contains(value) || (0xFFE0...0xFFE6).contains(value)
            return total + (wide ? 2 : 1)
        }
    }
}

/// One exported row, flat, for inspectors (CSV and JSON carry the same fields).
public struct ExportRow: Encodable, Sendable, Equatable {
    public var seq: Int64
    public var gateID: String
    public var localTime: String
    public var utcOffsetSeconds: Int
    /// What the gate recorded, encoded by EntryRecord itself: its fields sit beside the four above.
    public var record: EntryRecord

    public init(_ entry: LoggedEntry) {
        seq = entry.seq
        gateID = entry.gateID
        localTime = LocalTime.iso8601(entry.record.time, offsetSeconds: entry.utcOffsetSeconds)
        utcOffsetSeconds = entry.utcOffsetSeconds
        record = entry.record
    }

    private enum CodingKeys: String, CodingKey { case seq, gateID, localTime, utcOffsetSeconds }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seq, forKey: .seq)
        try container.encode(gateID, forKey: .gateID)
        try container.encode(localTime, forKey: .localTime)
        try container.encode(utcOffsetSeconds, forKey: .utcOffsetSeconds)
        try record.encode(to: encoder)
    }

    public static let csvHeader = [
        "seq", "gate_id", "time_utc", "local_time", "utc_offset_s", "kind", "decision", "reasons", "event", "format",
        "issuer", "colour", "masked_name", "masked_id_number", "subject_id", "nat_age_hours", "vaccination_doses",
        "temperature", "remeasured_temperature", "occupancy_after", "clock_synchronised", "code_fingerprint", "rules",
        "detail",
    ].joined(separator: ",")

    /// RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled. Cells that a spreadsheet
    /// would run as a formula (=, +, -, @ first) get a leading apostrophe.
    public var csvLine: String {
        let number = { (value: Double?) in value.map { String($0) } ?? "" }
        let r = record
        let fields: [String] = [
            String(seq), gateID, String(r.time), localTime, String(utcOffsetSeconds), r.kind.rawValue, r.decision.rawValue,
            r.reasons.map(\.rawValue).joined(separator: ";"), r.event ?? "", r.format?.rawValue ?? "", r.issuer ?? "",
            r.colour?.rawValue ?? "", r.maskedName ?? "", r.maskedIDNumber ?? "", r.subjectID ?? "", number(r.nucleicAcidAgeHours),
            r.vaccinationDoses.map(String.init) ?? "", number(r.temperature), number(r.remeasuredTemperature),
            r.occupancyAfter.map(String.init) ?? "", r.clockSynchronised ? "true" : "false", r.codeFingerprint ?? "",
            r.rules.joined(separator: ";"), r.detail ?? "",
        ]
        return fields.enumerated().map { index, field in Self.csvField(field, isText: index >= 5) }.joined(separator: ",")
    }

    static func csvField(_ field: String, isText: Bool) -> String {
        var value = field
        if isText, let first = value.first, "=+-@".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// The columns `log`, `tail` and `trace` print for a row.
public enum EntryColumns {
    public static func header(_ language: Language) -> [String] {
        [Label.seq, .time, .decision, .reasons, .colour, .name, .idNumber, .subject, .temperature, .occupancy, .detail]
            .map { $0.text(language) }
    }

    public static let decisionColumn = 2

    public static func cells(_ entry: LoggedEntry) -> [String] {
        let record = entry.record
        let temperature = [record.temperature, record.remeasuredTemperature].compactMap { $0 }
            .map { String(format: "%.1f", $0) }.joined(separator: "→")
        let detail = [record.event, record.detail].compactMap { $0 }.joined(separator: ": ")
        return [
            String(entry.seq), LocalTime.format(record.time, offsetSeconds: entry.utcOffsetSeconds),
            record.kind == .event ? "event" : record.decision.rawValue,
            record.reasons.map(\.rawValue).joined(separator: ","), record.colour?.rawValue ?? "",
            record.maskedName ?? "", record.maskedIDNumber ?? "", record.subjectID ?? "", temperature,
            record.occupancyAfter.map(String.init) ?? "", detail,
        ]
    }

    public static func table(_ entries: [LoggedEntry], language: Language) -> Table {
        var table = Table(header: header(language))
        for entry in entries { table.append(cells(entry), decision: entry.record.kind == .event ? nil : entry.record.decision) }
        return table
    }
}
