import GateCore
import LinuxSystem
import Logging

/// Writes the controller's rows to the entry log, in order: rows the controller chose to keep in memory
/// (`admit_and_buffer`) go first, so the log's order is the order things happened. It decides nothing: a
/// failure is returned for the controller to judge (`.logFailed`).
final class LogSink {
    private let log: EntryLogging
    private let database: String
    private let logger: Logger
    /// Rows kept in memory while the log cannot be written, oldest first.
    private var unwritten: [EntryRecord] = []

    init(log: EntryLogging, database: String, logger: Logger) {
        self.log = log
        self.database = database
        self.logger = logger
    }

    /// Writes a row after any kept ones. Returns nil once it is durable, else why it is not.
    func commit(_ record: EntryRecord) -> String? {
        do {
            try flush()
            try log.append(record, utcOffsetSeconds: LocalTime.utcOffset(at: record.time))
            return nil
        } catch {
            logger.critical("entry log write failed", metadata: ["error": "\(error)", "database": "\(database)"])
            return "\(error)"
        }
    }

    func keep(_ record: EntryRecord) {
        unwritten.append(record)
        logger.critical("entry log unavailable: row kept in memory only", metadata: ["buffered": "\(unwritten.count)"])
    }

    /// Housekeeping's retry: writes the kept rows. True when none is left.
    func retry() -> Bool {
        do {
            try flush()
            return true
        } catch {
            logger.error("entry log still failing", metadata: ["error": "\(error)", "buffered": "\(unwritten.count)"])
            return false
        }
    }

    /// At stop: a last try, and if the log still fails, say exactly what is lost.
    func close() {
        guard !unwritten.isEmpty else { return }
        do {
            try flush()
        } catch {
            logger.critical("stopping with rows the entry log never took: they are lost",
                            metadata: ["rows": "\(unwritten.count)", "error": "\(error)"])
        }
    }

    private func flush() throws {
        while let first = unwritten.first {
            try log.append(first, utcOffsetSeconds: LocalTime.utcOffset(at: first.time))
            unwritten.removeFirst()
        }
    }
}
