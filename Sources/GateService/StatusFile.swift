import GateCore
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Writes the status file `gatectl status` reads: whole or not at all (temp file + rename), so a
/// reader never sees half a document.
enum AtomicFile {
    static func write(_ data: Data, to path: String, mode: Int = 0o644) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path + ".tmp"
        try data.write(to: URL(fileURLWithPath: temporary))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: temporary)
        if rename(temporary, path) != 0 {
            throw AtomicFileError(path: path, errno: errno)
        }
    }
}

struct AtomicFileError: Error, CustomStringConvertible {
    var path: String
    var errno: Int32
    var description: String { "cannot replace \(path): \(String(cString: strerror(errno)))" }
}

final class StatusWriter {
    private let path: String
    private let encoder: JSONEncoder
    private var lastWritten: GateStatus?

    init(path: String) {
        self.path = path
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
    }

    /// Writes when anything but the timestamps changed, or once a second for the staleness check.
    func write(_ status: GateStatus) throws {
        if var previous = lastWritten {
            previous.updatedAt = status.updatedAt
            previous.framesProcessed = status.framesProcessed
            if previous == status, let last = lastWritten, status.updatedAt - last.updatedAt < 1 { return }
        }
        try AtomicFile.write(try encoder.encode(status), to: path)
        lastWritten = status
    }
}
