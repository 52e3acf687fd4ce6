import GRDB

/// A stored value of the wrong type: the writer never stores one, so the row was edited by hand. Reported by
/// row and column instead of trapping, which GRDB's non-optional `row[i]` does (a restart loop under systemd).
struct CorruptValue: Error {
    var seq: Int64?
    var column: String
    var found: String
}

extension Row {
    /// The column's value as `T`, or nil when NULL; a value that does not convert throws `CorruptValue`.
    func optional<T: DatabaseValueConvertible>(_ index: Int, _ column: String, seq: Int64? = nil) throws -> T? {
        let value: DatabaseValue = self[index]
        if value.isNull { return nil }
        guard let converted = T.fromDatabaseValue(value) else {
            throw CorruptValue(seq: seq, column: column, found: Self.describe(value))
        }
        return converted
    }

    /// The column's value as `T`; NULL or a value that does not convert throws `CorruptValue`.
    func required<T: DatabaseValueConvertible>(_ index: Int, _ column: String, seq: Int64? = nil) throws -> T {
        guard let value: T = try optional(index, column, seq: seq) else {
            throw CorruptValue(seq: seq, column: column, found: "NULL")
        }
        return value
    }

    private static func describe(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: return "NULL"
        case .int64(let n): return "integer \(n)"
        case .double(let d): return "real \(d)"
        case .string(let s): return "text of \(s.utf8.count) bytes"  // never the text: it may be personal data
        case .blob(let b): return "blob of \(b.count) bytes"
        }
    }
}
