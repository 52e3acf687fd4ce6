#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto
import GateCore
import Synchronization
#if canImport(Glibc)
import Glibc
import LinuxSystem
#endif

/// One signed head of the chain, one JSON line of the anchor file (`log.anchor_file`): the daemon appends
/// one at most hourly and at a clean stop so that staff, and later the county uplink, can carry the file off
/// the board. A copy kept elsewhere pins every row it names: `gatectl verify --anchor FILE` then catches a
/// forged purge of recent rows and truncation of the head or the tail (docs/entry-log.md, "Anchors").
public struct AnchorEntry: Sendable, Equatable, Codable {
    public static let version = 1
    public var version: Int
    public var gateID: String
    public var seq: Int64
    /// The row's hash, hex.
    public var hash: String
    /// The row's own time, and when the anchor was written (UTC epoch seconds).
    public var rowTime: Double
    public var writtenAt: Double
    /// Ed25519 public key (raw, hex) and signature (hex) over `signedMessage`.
    public var publicKey: String
    public var signature: String

    enum CodingKeys: String, CodingKey {
        case version = "v", gateID = "gate", seq, hash, rowTime = "row_time", writtenAt = "written_at"
        case publicKey = "key", signature = "sig"
    }

    /// The bytes signed: fixed fields first, the free-form gate id last, so no field can run into another.
    /// Times are Swift's shortest round-trip form of the Double, which the JSON number decodes back to.
    var signedMessage: Data {
        Data("healthgate-anchor-v\(version)\n\(seq)\n\(hash)\n\(rowTime)\n\(writtenAt)\n\(gateID)".utf8)
    }

    var signatureIsValid: Bool {
        guard let key = Data(hex: publicKey).flatMap({ try? Curve25519.Signing.PublicKey(rawRepresentation: $0) }),
              let signature = Data(hex: signature) else { return false }
        return key.isValidSignature(signature, for: signedMessage)
    }
}

/// The anchor file: reading (for the daemon's continuity check and for verify) and appending.
enum AnchorFile {
    struct Line { var number: Int; var entry: AnchorEntry? }

    /// Every line, numbered from 1; `entry` nil when the line is not an anchor. A last line without its newline
    /// (a write cut short by a power cut) is left out and reported as `torn`.
    static func read(_ path: String) throws(EntryLogError) -> (lines: [Line], torn: Bool)? {
        guard access(path, F_OK) == 0 else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .anchor(path: path, detail: "cannot read it (\(String(cString: strerror(errno))))")
        }
        return parse(data)
    }

    static func parse(_ data: Data) -> (lines: [Line], torn: Bool) {
        var parts = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let torn = !(parts.last?.isEmpty ?? true)
        parts.removeLast()
        let decoder = JSONDecoder()
        var lines: [Line] = []
        for (index, part) in parts.enumerated() where !part.isEmpty {
            lines.append(Line(number: index + 1, entry: try? decoder.decode(AnchorEntry.self, from: Data(part))))
        }
        return (lines, torn)
    }

    /// Cuts off a last line without its newline (a write cut short): it was never a whole anchor, and the next
    /// append would otherwise run into it and leave an unreadable line in the middle of the file.
    static func dropTornTail(_ path: String) throws(EntryLogError) {
        guard let data = FileManager.default.contents(atPath: path), let last = data.last, last != UInt8(ascii: "\n") else { return }
        let keep = data.lastIndex(of: UInt8(ascii: "\n")).map { data.distance(from: data.startIndex, to: $0) + 1 } ?? 0
        guard truncate(path, off_t(keep)) == 0 else {
            throw .anchor(path: path, detail: "cannot cut off its incomplete last line (\(String(cString: strerror(errno))))")
        }
    }

    /// Appends one line with a single write(2) and fsyncs it; the file is created `mode` (staff read it).
    static func append(_ entry: AnchorEntry, to path: String, mode: mode_t) throws(EntryLogError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(entry) else { throw .anchor(path: path, detail: "cannot encode the anchor") }
        line.append(UInt8(ascii: "\n"))
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .anchor(path: path, detail: "cannot open it for appending (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count, fsync(fd) == 0 else {
            throw .anchor(path: path, detail: "cannot write it (\(String(cString: strerror(errno))))")
        }
    }
}

/// Where the daemon keeps its anchors and the key it signs them with (`log.anchor_file`, `log.anchor_key`).
public struct AnchorSettings: Sendable, Equatable {
    public var file: String
    public var keyFile: String
    public init(file: String, keyFile: String) {
        self.file = file
        self.keyFile = keyFile
    }
}

/// The per-gate signing key: created 0600 on first start, never printed (only its public half is).
enum AnchorKey {
    static func loadOrCreate(_ path: String) throws(EntryLogError) -> Curve25519.Signing.PrivateKey {
        do {
            let raw = try SecretFile.readOrCreate(path: path, byteCount: 32) { Array(Curve25519.Signing.PrivateKey().rawRepresentation) }
            return try Curve25519.Signing.PrivateKey(rawRepresentation: raw.bytes)
        } catch let failure as SecretFile.Failure {
            let detail = failure == .malformed
                ? "not an anchor key (64 hex digits); restore it, or move it aside to create a new one"
                : "the anchor key: \(failure.message)"
            throw .anchor(path: path, detail: detail)
        } catch {
            throw .anchor(path: path, detail: "not an anchor key (64 hex digits); restore it, or move it aside to create a new one")
        }
    }
}

/// Signs and appends anchors for one gate, and remembers the last one.
final class AnchorWriter: Sendable {
    let settings: AnchorSettings
    let gateID: String
    private let key: Curve25519.Signing.PrivateKey
    private let last: Mutex<AnchorEntry?>
    private let fileMode: mode_t

    /// Loads (or creates) the key and reads the last anchor this gate wrote, if any.
    init(settings: AnchorSettings, gateID: String, fileMode: mode_t) throws(EntryLogError) {
        self.settings = settings
        self.gateID = gateID
        self.fileMode = fileMode
        key = try AnchorKey.loadOrCreate(settings.keyFile)
        guard let (lines, torn) = try AnchorFile.read(settings.file) else { last = Mutex(nil); return }
        if torn { try AnchorFile.dropTornTail(settings.file) }
        last = Mutex(lines.compactMap(\.entry).filter { $0.gateID == gateID }.last)
    }

    var lastAnchor: AnchorEntry? { last.withLock { $0 } }
    var publicKeyHex: String { key.publicKey.rawRepresentation.hex }

    /// Appends a signed anchor for the head unless it is the head already anchored, or (without `force`) the
    /// last anchor is less than an hour old.
    func write(seq: Int64, hash: Data, rowTime: Double, now: Double, force: Bool) throws(EntryLogError) {
        try last.withLock { (last: inout AnchorEntry?) throws(EntryLogError) in
            if let last, last.seq == seq, last.hash == hash.hex { return }
            // A clock stepped back (now before the last anchor) counts as due.
            if !force, let last, now >= last.writtenAt, now - last.writtenAt < 3600 - 60 { return }
            var entry = AnchorEntry(version: AnchorEntry.version, gateID: gateID, seq: seq, hash: hash.hex, rowTime: rowTime,
                                    writtenAt: now, publicKey: publicKeyHex, signature: "")
            guard let signature = try? key.signature(for: entry.signedMessage) else {
                throw .anchor(path: settings.file, detail: "cannot sign the anchor")
            }
            entry.signature = Data(signature).hex
            try AnchorFile.append(entry, to: settings.file, mode: fileMode)
            last = entry
        }
    }
}

extension Data {
    /// Bytes from hex digits (either case); nil for anything else.
    init?(hex: String) {
        guard let bytes = Hex.decode(hex) else { return nil }
        self.init(bytes)
    }
}

/// `2026-11-29 00:00:00 UTC`, for messages (the reader's zone is not known here).
func utcText(_ time: Double) -> String {
    var seconds = time_t(time.rounded(.down))
    var parts = tm()
    gmtime_r(&seconds, &parts)
    func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) UTC"
}
