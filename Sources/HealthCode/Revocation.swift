import Crypto
import FoundationEssentials
import Glibc
import Synchronization

/// What a revocation entry is the hash of (docs/codes.md, "Revocation"). The DCC kinds are the EU
/// scheme's hash types; the HG1 kinds are the project's. Raw values are the file format's kind byte.
public enum RevocationKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// SHA-256 of the COSE signature (ECDSA: of its r half only, so a re-encoded s does not escape).
    case dccSignature = 1
    /// SHA-256 of the UCI (`ci`).
    case dccUCI = 2
    /// SHA-256 of the issuing country (`co`) followed by the UCI.
    case dccCountryUCI = 3
    /// SHA-256 of the code's signed bytes: the first half of the fingerprint gatectl and the log show.
    case hg1Fingerprint = 16
    /// SHA-256 of the HG1 subject pseudonym (`sub`): every code of a person whose code turned red after issuing.
    case hg1Subject = 17

    public var description: String {
        switch self {
        case .dccSignature: "SIGNATURE"
        case .dccUCI: "UCI"
        case .dccCountryUCI: "COUNTRYCODEUCI"
        case .hg1Fingerprint: "HG1_FINGERPRINT"
        case .hg1Subject: "HG1_SUBJECT"
        }
    }

    public init?(name: String) {
        guard let kind = Self.allCases.first(where: { $0.description == name.uppercased() }) else { return nil }
        self = kind
    }

    /// Every entry is the first 16 bytes of a SHA-256 (the EU scheme's 128-bit prefix).
    public static let hashBytes = 16

    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        Array(SHA256.hash(data: Array(bytes)).prefix(hashBytes))
    }
}

public struct RevocationFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
    public init(message: String) { self.message = message }
}

/// One revocation file: sections of sorted 16-byte hashes, each for one kind and one kid (or every kid).
///
/// Wire format (all integers big-endian), designed so a million-entry list loads with one read and one
/// pass that checks the order, and a lookup is a binary search over the bytes as read:
/// ```
/// "HGRV"  u8 version = 1  u8[3] zero  u32 sectionCount
/// sectionCount × { u8 kind  u8 kidLength (0 = every kid, at most 32)  kid  u32 count  count × 16-byte hash, strictly ascending }
/// ```
/// Nothing may follow the last section.
public struct RevocationList: Sendable {
    public struct Section: Sendable, Equatable {
        public var kind: RevocationKind
        /// Empty: the section applies whatever the code's kid.
        public var kid: [UInt8]
        public var count: Int
        var offset: Int
    }

    public static let magic = Array("HGRV".utf8)
    public static let formatVersion: UInt8 = 1
    public static let maxSections = 4_096
    public static let maxKIDBytes = 32

    public let sections: [Section]
    private let bytes: [UInt8]

    public var entryCount: Int { sections.reduce(0) { $0 + $1.count } }
    /// Bytes held in memory: the file as read.
    public var byteCount: Int { bytes.count }

    public init(bytes: [UInt8]) throws(RevocationFormatError) {
        func fail(_ message: String) -> RevocationFormatError { RevocationFormatError(message: message) }
        guard bytes.count >= 12, Array(bytes[0..<4]) == Self.magic else { throw fail("not a revocation list (no HGRV header)") }
        guard bytes[4] == Self.formatVersion else { throw fail("revocation list format version \(bytes[4]) is not supported (expected \(Self.formatVersion))") }
        guard bytes[5] == 0, bytes[6] == 0, bytes[7] == 0 else { throw fail("reserved header bytes are not zero") }
        func u32(_ at: Int) -> Int { Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) }
        let sectionCount = u32(8)
        guard sectionCount <= Self.maxSections else { throw fail("\(sectionCount) sections (at most \(Self.maxSections))") }
        var sections: [Section] = []
        sections.reserveCapacity(sectionCount)
        var at = 12
        for index in 0..<sectionCount {
            guard bytes.count - at >= 2 else { throw fail("section \(index + 1): truncated header") }
            guard let kind = RevocationKind(rawValue: bytes[at]) else { throw fail("section \(index + 1): unknown kind \(bytes[at])") }
            let kidLength = Int(bytes[at + 1])
            guard kidLength <= Self.maxKIDBytes else { throw fail("section \(index + 1): kid of \(kidLength) bytes") }
            at += 2
            guard bytes.count - at >= kidLength + 4 else { throw fail("section \(index + 1): truncated header") }
            let kid = Array(bytes[at..<at + kidLength])
            at += kidLength
            let count = u32(at)
            at += 4
            guard (bytes.count - at) / RevocationKind.hashBytes >= count else {
                throw fail("section \(index + 1): \(count) entries announced, the file ends before them")
            }
            let section = Section(kind: kind, kid: kid, count: count, offset: at)
            // Strictly ascending: sorted (the binary search needs it) and without duplicates.
            let ordered = bytes.withUnsafeBufferPointer { buffer -> Bool in
                let base = buffer.baseAddress! + at
                for i in stride(from: 1, to: count, by: 1) where memcmp(base + (i - 1) * 16, base + i * 16, 16) >= 0 { return false }
                return true
            }
            guard ordered else { throw fail("section \(index + 1) (\(kind)): hashes are not in strictly ascending order") }
            sections.append(section)
            at += count * RevocationKind.hashBytes
        }
        guard at == bytes.count else { throw fail("\(bytes.count - at) bytes after the last section") }
        self.sections = sections
        self.bytes = bytes
    }

    /// Whether any section of `kind` for `kid` (or for every kid) lists `hash` (its first 16 bytes are used).
    public func contains(_ kind: RevocationKind, kid: [UInt8], hash: [UInt8]) -> Bool {
        guard hash.count >= RevocationKind.hashBytes else { return false }
        for section in sections where section.kind == kind && (section.kid.isEmpty || section.kid == kid) {
            if search(section, hash) { return true }
        }
        return false
    }

    private func search(_ section: Section, _ hash: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            hash.withUnsafeBufferPointer { key in
                let base = buffer.baseAddress! + section.offset
                var low = 0
                var high = section.count
                while low < high {
                    let middle = (low + high) / 2
                    let order = memcmp(base + middle * 16, key.baseAddress!, 16)
                    if order == 0 { return true }
                    if order < 0 { low = middle + 1 } else { high = middle }
                }
                return false
            }
        }
    }

    /// Reads a list file into one buffer of its size (no intermediate copy: a million-entry list is 16 MB).
    public static func read(path: String, maxBytes: Int = 256 << 20) throws(RevocationFormatError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw RevocationFormatError(message: "cannot open (\(String(cString: strerror(errno))))") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw RevocationFormatError(message: "cannot stat") }
        let size = Int(info.st_size)
        guard size <= maxBytes else { throw RevocationFormatError(message: "larger than \(maxBytes) bytes") }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let result = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + done, size - done) }
            guard result > 0 else { throw RevocationFormatError(message: result == 0 ? "file shrank while read" : "read failed") }
            done += result
        }
        return bytes
    }

    /// Builds the file: entries are sorted and de-duplicated here, so callers may pass them in any order.
    public static func encode(_ sections: [(kind: RevocationKind, kid: [UInt8], hashes: [[UInt8]])]) -> [UInt8] {
        var out = magic + [formatVersion, 0, 0, 0]
        func u32(_ value: Int) { out += [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
        u32(sections.count)
        for section in sections {
            let hashes = Set(section.hashes.map { Array($0.prefix(RevocationKind.hashBytes)) }).sorted { $0.lexicographicallyPrecedes($1) }
            out.append(section.kind.rawValue)
            out.append(UInt8(section.kid.count))
            out += section.kid
            u32(hashes.count)
            for hash in hashes { out += hash }
        }
        return out
    }
}

/// The hashes of one verified code that revocation lists are looked up by.
public struct RevocationQuery: Sendable {
    public var kid: [UInt8]
    public var hashes: [(RevocationKind, [UInt8])]
    public init(kid: [UInt8], hashes: [(RevocationKind, [UInt8])]) {
        self.kid = kid
        self.hashes = hashes
    }
}

/// The revocation lists a verifier consults: `*.hgrv` files in the trust directory plus the lists of
/// the applied bundle. Unlike trust keys, a list file that stops parsing keeps its last good content:
/// dropping it would un-revoke every code it names.
public final class RevocationStore: Sendable {
    public let directory: String?
    static let maxFileBytes = 256 << 20

    struct State {
        var files: [String: RevocationList] = [:]
        var stamps: [String: (Int, Int, Int)] = [:]
        var bundle: [RevocationList] = []
        var problems: [String] = []
    }

    private let state = Mutex(State())

    /// nil directory: only bundle lists (tests, tools).
    public init(directory: String?) {
        self.directory = directory
        reloadIfChanged()
    }

    public var problems: [String] { state.withLock { $0.problems } }
    public var entryCount: Int { state.withLock { s in s.files.values.reduce(0) { $0 + $1.entryCount } + s.bundle.reduce(0) { $0 + $1.entryCount } } }

    /// The applied bundle's lists replace the previous bundle's, all at once.
    public func setBundleLists(_ lists: [RevocationList]) {
        state.withLock { $0.bundle = lists }
    }

    public var bundleLists: [RevocationList] { state.withLock { $0.bundle } }

    public func isRevoked(_ query: RevocationQuery) -> RevocationKind? {
        state.withLock { state in
            for (kind, hash) in query.hashes {
                for list in state.files.values where list.contains(kind, kid: query.kid, hash: hash) { return kind }
                for list in state.bundle where list.contains(kind, kid: query.kid, hash: hash) { return kind }
            }
            return nil
        }
    }

    /// Reads new or changed `*.hgrv` files; a removed file's entries go. Returns the problems of this pass.
    @discardableResult
    public func reloadIfChanged() -> [String] {
        guard let directory else { return [] }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".hgrv") && !$0.hasPrefix(".") }.sorted()
        var stamps: [String: (Int, Int, Int)] = [:]
        for name in names {
            var info = stat()
            guard stat(directory + "/" + name, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            stamps[name] = (Int(info.st_size), info.st_mtim.tv_sec, info.st_mtim.tv_nsec)
        }
        let (old, previous) = state.withLock { ($0.stamps, $0.files) }
        let unchanged = old.count == stamps.count && stamps.allSatisfy { name, stamp in old[name].map { $0 == stamp } ?? false }
        if unchanged { return [] }
        var files: [String: RevocationList] = [:]
        var problems: [String] = []
        for name in stamps.keys.sorted() {
            if let stamp = old[name], stamp == stamps[name]!, let list = previous[name] { files[name] = list; continue }
            do throws(RevocationFormatError) {
                files[name] = try RevocationList(bytes: RevocationList.read(path: directory + "/" + name, maxBytes: Self.maxFileBytes))
            } catch {
                if let kept = previous[name] { files[name] = kept }
                problems.append("\(name): \(error.message)" + (previous[name] != nil ? " (its previous content stays in force)" : ""))
            }
        }
        state.withLock { $0.files = files; $0.stamps = stamps; $0.problems = problems }
        return problems
    }
}
