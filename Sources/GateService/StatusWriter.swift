import GateCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Writes the status file `gatectl status` reads (whole or not at all), when it changed or once a
/// second so readers can tell a stopped daemon from a quiet one.
final class StatusWriter {
    private let file: AtomicTextFile
    private let encoder: JSONEncoder
    private var lastWritten: GateStatus?

    init(path: String) {
        // Group-readable for gate-staff (the runtime directory is setgid gate-staff); no personal data in it.
        file = AtomicTextFile(path: path, mode: 0o640)
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
        try file.write(String(decoding: try encoder.encode(status), as: UTF8.self))
        lastWritten = status
    }
}
