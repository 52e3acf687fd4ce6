#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// Why the entry log could not be opened, written or read. Each case says what to do, so the daemon can put
/// the message in its `fault` state and gatectl can print it as is.
public enum EntryLogError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The disk (or the quota) is full: nothing more can be committed; committed rows are safe.
    case diskFull(path: String)
    /// The kernel reported an I/O error while reading or writing the file.
    case ioError(path: String, detail: String)
    /// The file system or the file is read-only for this process (writer side).
    case readOnly(path: String)
    /// The process may not open the file: for staff this is a missing `gate-staff` membership.
    case permissionDenied(path: String)
    /// The file is not a SQLite database or its pages are damaged.
    case corrupt(path: String, detail: String)
    /// No log at that path (the daemon has not run yet, or the path is wrong).
    case notFound(path: String)
    /// The file is a SQLite database but not an entry log of a version this build knows.
    case unknownSchema(path: String, detail: String)
    /// The record cannot be stored as given (a non-finite time, …); nothing was written.
    case invalidRecord(String)
    /// A stored value of the wrong type (the database was edited): the row and column, never the value.
    case corruptRow(path: String, seq: Int64?, column: String, found: String)
    /// Any other SQLite failure, with SQLite's own message.
    case sqlite(path: String, code: Int32, detail: String)
    /// The anchor file or the anchor key cannot be read or written (`path` is that file).
    case anchor(path: String, detail: String)
    /// The log does not continue the chain its anchor file says existed (a lost `-wal`, a replaced or truncated
    /// database): the writer refuses to write, so a new chain never silently replaces the old one.
    case continuityBroken(path: String, anchorFile: String, detail: String)

    public var description: String {
        switch self {
        case .diskFull(let path):
            return "entry log \(path): disk full: free space on its file system (committed rows are safe)"
        case .ioError(let path, let detail):
            return "entry log \(path): I/O error (\(detail)): check the storage device (dmesg)"
        case .readOnly(let path):
            return "entry log \(path): read-only: the file or its file system is not writable by this user"
        case .permissionDenied(let path):
            return "entry log \(path): permission denied: add the user to group gate-staff (then log in again)"
        case .corrupt(let path, let detail):
            return "entry log \(path): corrupt (\(detail)): keep the file for inspection and restore from a copy"
        case .notFound(let path):
            return "entry log \(path): not found: is the daemon installed and has it run? (or pass --db PATH)"
        case .unknownSchema(let path, let detail):
            return "entry log \(path): not an entry log this version understands (\(detail))"
        case .invalidRecord(let detail):
            return "entry record rejected: \(detail)"
        case .corruptRow(let path, let seq, let column, let found):
            let row = seq.map { "row \($0)" } ?? "a row"
            return "entry log \(path): \(row) holds \(found) in \(column), which this program never writes: " +
                "the file was edited; run gatectl verify and keep the file for inspection"
        case .sqlite(let path, let code, let detail):
            return "entry log \(path): SQLite error \(code): \(detail)"
        case .anchor(let path, let detail):
            return "entry log anchor \(path): \(detail)"
        case .continuityBroken(let path, let anchorFile, let detail):
            return "entry log \(path) does not continue the chain anchored in \(anchorFile): \(detail). Nothing is written. " +
                "Restore the database together with its -wal and -shm files from a copy (gatectl verify --anchor " +
                "\(anchorFile) tells whether a copy is whole); to start a new log deliberately, move \(anchorFile) aside " +
                "and keep it as evidence"
        }
    }

    /// Maps any error thrown by GRDB (or the file system) to a typed case.
    static func map(_ error: any Error, path: String) -> EntryLogError {
        if let own = error as? EntryLogError { return own }
        if let corrupt = error as? CorruptValue {
            return .corruptRow(path: path, seq: corrupt.seq, column: corrupt.column, found: corrupt.found)
        }
        guard let dbError = error as? DatabaseError else {
            return .sqlite(path: path, code: -1, detail: String(describing: error))
        }
        let detail = dbError.message ?? "\(dbError.resultCode)"
        switch dbError.resultCode {
        case .SQLITE_FULL: return .diskFull(path: path)
        case .SQLITE_IOERR: return .ioError(path: path, detail: detail)
        case .SQLITE_READONLY: return .readOnly(path: path)
        case .SQLITE_PERM, .SQLITE_AUTH: return .permissionDenied(path: path)
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: return .corrupt(path: path, detail: detail)
        case .SQLITE_CANTOPEN: return accessError(path: path) ?? .sqlite(path: path, code: dbError.resultCode.rawValue, detail: detail)
        default: return .sqlite(path: path, code: dbError.resultCode.rawValue, detail: detail)
        }
    }

    /// SQLite says only "unable to open"; access(2) tells a missing file from a permission problem.
    static func accessError(path: String, write: Bool = false) -> EntryLogError? {
        if access(path, write ? (R_OK | W_OK) : R_OK) == 0 { return nil }
        switch errno {
        case ENOENT, ENOTDIR: return .notFound(path: path)
        case EROFS: return .readOnly(path: path)
        default: return .permissionDenied(path: path)
        }
    }
}
