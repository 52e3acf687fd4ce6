import CountyStore
import EntryLog
import Foundation
import GateConfig
import GateCore
import Glibc
import LinuxSystem
import Logging

/// Ships the gate's entry log to the county: rows after the county's answer, in seq order, one batch per
/// transaction, until caught up; then polls. At-least-once delivery, made exactly-once by the county's
/// `county_ingest` (a row at or below its answer is a no-op). The daemon never waits on it: it only reads the log.
final class Uplink {
    let config: UplinkConfig
    let gate: GateConfiguration
    let endpoint: CountyEndpoint
    let logger: Logger
    let watermark: WatermarkFile
    private var reader: EntryLogReader?
    private var acknowledged: Int64?
    private var lastHeartbeat = 0.0
    private var shippedAnchorLines = 0
    private var reportedBroken = false

    init(config: UplinkConfig, gate: GateConfiguration, endpoint: CountyEndpoint, logger: Logger) {
        self.config = config
        self.gate = gate
        self.endpoint = endpoint
        self.logger = logger
        watermark = WatermarkFile(path: config.stateFile)
    }

    /// Runs until stopped; with `untilCaughtUp`, returns once every row committed at the start is acknowledged.
    func run(untilCaughtUp: Bool) async throws {
        var delay = 1.0
        while true {
            do {
                let database = try await CountyDatabase.connect(endpoint, logger: logger)
                defer { Task { await database.close() } }
                try await guarded(database) { try await database.requireCurrentSchema() }
                delay = 1
                logger.info("connected to the county database")
                let target = untilCaughtUp ? try openReader().lastSeq() ?? 0 : nil
                try await session(database, until: target)
                return
            } catch let error as UplinkFailure {
                throw error
            } catch {
                // The county is down or unreachable: the rows wait in the gate's own log; nothing is lost.
                logger.warning("county unreachable, retrying in \(Int(delay)) s: \(error)")
                try await Task.sleep(for: .seconds(delay))
                delay = min(delay * 2, Double(config.retryMaxSeconds))
            }
        }
    }

    func openReader() throws -> EntryLogReader {
        if let reader { return reader }
        do {
            let opened = try EntryLogReader(path: gate.log.database)
            reader = opened
            return opened
        } catch {
            throw UplinkFailure("entry log \(gate.log.database): \(error)")
        }
    }

    private func session(_ database: CountyDatabase, until target: Int64?) async throws {
        // The county is the authority on what it holds: after a county restore from backup it may hold less than
        // our file says, after a lost state file more. Either way we continue after the county's answer.
        let gateID = gate.gate.id
        let county = try await guarded(database) { try await database.position(gateID: gateID) }
        let local = watermark.read()
        let start = county?.receivedSeq ?? 0
        if let local, local != start {
            logger.notice("acknowledged seq: local \(local), county \(start); continuing after the county's")
        }
        acknowledged = start
        try watermark.write(start)
        try await heartbeat(database)
        try await shipAnchors(database)
        while true {
            let reader = try openReader()
            if let last = try reader.lastSeq(), last < (acknowledged ?? 0), !reportedBroken {
                // The county holds rows this log no longer has: it was truncated or replaced.
                reportedBroken = true
                logger.error("the entry log ends at seq \(last) but the county holds rows through \(acknowledged ?? 0): the log was truncated or replaced")
            }
            let batch = try reader.chainRows(after: acknowledged ?? 0, limit: config.batchRows)
            if batch.isEmpty {
                if let target, (acknowledged ?? 0) >= target {
                    try await shipAnchors(database)
                    try await heartbeat(database)
                    return
                }
                if Date().timeIntervalSince1970 - lastHeartbeat >= Double(config.heartbeatIntervalSeconds) {
                    try await heartbeat(database)
                    try await shipAnchors(database)
                }
                try await Task.sleep(for: .seconds(config.pollIntervalSeconds))
                continue
            }
            let answer = try await guarded(database) { try await database.ingest(gateID: gateID, rows: batch) }
            try watermark.write(answer.receivedSeq)
            acknowledged = answer.receivedSeq
            if answer.chainStatus != "ok" && !reportedBroken {
                reportedBroken = true
                logger.error("the county flagged this gate's chain as broken after seq \(answer.contiguousSeq): later rows are held apart there")
            }
            logger.debug("acknowledged through seq \(answer.receivedSeq)")
            if Date().timeIntervalSince1970 - lastHeartbeat >= Double(config.heartbeatIntervalSeconds) {
                try await heartbeat(database)
            }
        }
    }

    /// A county call that does not answer within `timeout_s` fails, and the connection is closed; the run loop then
    /// reconnects. Needed for a cut link (TCP may stay silent for hours) and because a query on a connection the server
    /// dropped mid-call was seen never to complete. The abandoned call is left to fail on its own; nothing was
    /// acknowledged, so nothing is lost.
    private func guarded<T: Sendable>(_ database: CountyDatabase, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let timeout = config.timeoutSeconds
        let once = ResumeOnce<T>()
        return try await withCheckedThrowingContinuation { continuation in
            once.set(continuation)
            Task {
                do { once.resume(.success(try await body())) } catch { once.resume(.failure(error)) }
            }
            Task {
                try? await Task.sleep(for: .seconds(timeout))
                if once.resume(.failure(UplinkTimeout(seconds: timeout))) { await database.close() }
            }
        }
    }

    private func heartbeat(_ database: CountyDatabase) async throws {
        let status = Self.readStatus(gate.paths.statusFile)
        let last = (try? openReader().lastSeq()) ?? nil
        let lag = max(0, (last ?? 0) - (acknowledged ?? 0))
        let beat = GateHeartbeat(
            gateID: gate.gate.id, venue: config.venueName, venueKind: gate.gate.venue.rawValue, address: config.address,
            approvedCapacity: gate.controller.rules.approvedCapacity, anchorKey: Self.anchorKey(gate.log.anchorFile),
            status: status.text, lagRows: lag, bundleVersion: status.bundleVersion,
            intervalSeconds: config.heartbeatIntervalSeconds)
        try await guarded(database) { try await database.heartbeat(beat) }
        lastHeartbeat = Date().timeIntervalSince1970
    }

    /// The daemon's status file, summarised: its state and faults, or why there is none.
    static func readStatus(_ path: String) -> (text: String, bundleVersion: Int?) {
        guard let data = FileManager.default.contents(atPath: path) else { return ("no status file (daemon not running?)", nil) }
        guard let status = try? JSONDecoder().decode(GateStatus.self, from: data) else { return ("unreadable status file", nil) }
        let age = Date().timeIntervalSince1970 - status.updatedAt
        var text = status.state.rawValue
        if !status.faults.isEmpty { text += " (" + status.faults.map(\.description).joined(separator: "; ") + ")" }
        if age > 30 { text = "daemon silent for \(Int(age)) s, last: " + text }
        return (text, status.bundle?.version)
    }

    static func anchorLines(_ path: String) -> [AnchorEntry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        // Only complete lines: a last line without its newline is being written (or was torn by a power cut).
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        lines.removeLast()
        return lines.compactMap { try? JSONDecoder().decode(AnchorEntry.self, from: Data($0)) }
    }

    static func anchorKey(_ path: String) -> String? { anchorLines(path).last?.publicKey }

    private func shipAnchors(_ database: CountyDatabase) async throws {
        let anchors = Self.anchorLines(gate.log.anchorFile)
        guard anchors.count != shippedAnchorLines else { return }
        let shipped = anchors.map {
            ShippedAnchor(seq: $0.seq, hashHex: $0.hash, rowTime: $0.rowTime, writtenAt: $0.writtenAt,
                          publicKey: $0.publicKey, signature: $0.signature)
        }
        let gateID = gate.gate.id
        let added = try await guarded(database) { try await database.storeAnchors(gateID: gateID, shipped) }
        shippedAnchorLines = anchors.count
        if added > 0 { logger.info("shipped \(added) anchors") }
    }
}

/// The last seq the county acknowledged, one decimal line, replaced atomically (temporary file, fsync, rename,
/// fsync of the directory): after a SIGKILL or a power cut it holds the old or the new value, never half.
struct WatermarkFile {
    let path: String

    func read() -> Int64? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return Int64(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func write(_ seq: Int64) throws {
        let temporary = path + ".tmp"
        let bytes = Array("\(seq)\n".utf8)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw UplinkFailure("\(temporary): cannot create (\(String(cString: strerror(errno))))") }
        let written = Glibc.write(fd, bytes, bytes.count)
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0 else { throw UplinkFailure("\(temporary): cannot write (\(String(cString: strerror(errno))))") }
        guard rename(temporary, path) == 0 else { throw UplinkFailure("\(path): cannot replace (\(String(cString: strerror(errno))))") }
        let directory = (path as NSString).deletingLastPathComponent
        let dirfd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 { fsync(dirfd); close(dirfd) }
    }
}

struct UplinkTimeout: Error, CustomStringConvertible {
    let seconds: Int
    var description: String { "the county did not answer within \(seconds) s" }
}

/// A continuation resumed by whichever of the call and its deadline comes first.
final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, any Error>?
    private var pending: Result<T, any Error>?
    private var done = false

    func set(_ continuation: CheckedContinuation<T, any Error>) {
        lock.lock(); defer { lock.unlock() }
        if let pending { continuation.resume(with: pending); self.pending = nil } else { self.continuation = continuation }
    }

    /// True when this result was the one delivered.
    @discardableResult
    func resume(_ result: Result<T, any Error>) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard !done else { return false }
        done = true
        if let continuation { continuation.resume(with: result); self.continuation = nil } else { pending = result }
        return true
    }
}
