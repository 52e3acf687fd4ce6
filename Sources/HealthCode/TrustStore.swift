import Crypto
import FoundationEssentials
import GateCore
import Glibc
import Synchronization
import X509
import _CryptoExtras

/// One key the verifier trusts, with what it may sign.
public struct TrustedKey: Sendable {
    public enum Scope: Sendable, Equatable {
        /// An HG1 issuer key, bound to its GB/T 2260 region by the file name.
        case hg1(region: String)
        /// An HC1 document signer; `allowed` comes from the certificate's extended key usage.
        case hc1(allowed: Set<HC1CertificateType>)
    }
    public var keyID: [UInt8]
    public var key: VerificationKey
    public var scope: Scope
    /// Certificate expiry (HC1); HG1 keys carry none.
    public var notValidAfter: EpochSeconds?
    /// File it came from, for messages.
    public var file: String
    /// What the loader could not interpret but did not need (a DSC read by the fallback parser); nil normally.
    public var note: String? = nil
}

/// A file in the trust directory that could not be used; the other files still load.
public struct TrustStoreProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var message: String
    public var description: String { "\(file): \(message)" }
}

/// The issuer keys and signer certificates on disk (docs/codes.md, "Trust store").
///
/// Layout: every `*.pem` file in one directory (hidden files and other extensions are ignored).
/// - `hg1-RRRRRR[-label].pem` holds one `PUBLIC KEY` (P-256) of the HG1 issuer for region `RRRRRR`.
/// - any other `*.pem` holds one or more `CERTIFICATE`s: HC1 document signers (P-256, P-384 or RSA).
/// The kid is computed, never configured: SHA-256 of the SubjectPublicKeyInfo DER (HG1) or of
/// the certificate DER (HC1), first 8 bytes.
public final class TrustStore: Sendable {
    public let directory: String
    static let maxFileBytes = 1 << 20

    struct FileStamp: Equatable {
        var name: String
        var modified: timespec
        var size: Int
        static func == (a: FileStamp, b: FileStamp) -> Bool {
            a.name == b.name && a.size == b.size && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
        }
    }

    struct State {
        var keys: [TrustedKey] = []
        /// The applied bundle's keys: replaced whole by `setBundleKeys`, kept across directory reloads.
        var bundleKeys: [TrustedKey] = []
        var stamps: [FileStamp]? = nil
        var problems: [TrustStoreProblem] = []
    }

    private let state = Mutex(State())

    /// Creates the store and loads the directory once.
    public init(directory: String) {
        self.directory = directory
        reload()
    }

    /// Re-reads every file. Fails closed: a file that no longer loads (emptied, truncated, garbled) holds no keys,
    /// and a directory that cannot be listed leaves the store empty, since keeping a key its operator removed
    /// would admit codes that were meant to be refused. A file caught half-written is read again when its
    /// size or time changes once the write ends (install files by rename to avoid the gap).
    @discardableResult
    public func reload() -> [TrustStoreProblem] {
        let stamps = currentStamps()
        var keys: [TrustedKey] = []
        var problems: [TrustStoreProblem] = []
        switch stamps {
        case .failure(let problem):
            problems.append(problem)
        case .success(let files):
            for file in files {
                do throws(LoadError) {
                    keys += try Self.load(file: file.name, path: directory + "/" + file.name)
                } catch {
                    problems.append(TrustStoreProblem(file: file.name, message: error.message + " (no key of this file is trusted)"))
                }
            }
        }
        // A directory that cannot be listed has no stamps: `reloadIfChanged` then tries again every call.
        let loadedStamps = try? stamps.get()
        state.withLock { $0 = State(keys: keys, bundleKeys: $0.bundleKeys, stamps: loadedStamps, problems: problems) }
        return problems
    }

    /// Reloads only when a file was added, removed, resized or touched. Costs one directory read and one stat per file.
    @discardableResult
    public func reloadIfChanged() -> Bool {
        let stamps = try? currentStamps().get()
        let changed = state.withLock { $0.stamps != stamps }
        if changed { reload() }
        return changed
    }

    public func keys(for keyID: [UInt8]) -> [TrustedKey] {
        state.withLock { $0.keys.filter { $0.keyID == keyID } + $0.bundleKeys.filter { $0.keyID == keyID } }
    }

    /// The keys of a newly applied bundle replace the previous bundle's, all at once.
    public func setBundleKeys(_ keys: [TrustedKey]) {
        state.withLock { $0.bundleKeys = keys }
    }

    public var keyCount: Int { state.withLock { $0.keys.count + $0.bundleKeys.count } }
    public var bundleKeys: [TrustedKey] { state.withLock { $0.bundleKeys } }
    public var problems: [TrustStoreProblem] { state.withLock { $0.problems } }
    /// Keys that loaded with something skipped (not refusals): shown by `gatectl code trust` and logged on reload.
    public var notices: [TrustStoreProblem] {
        state.withLock { $0.keys.compactMap { key in key.note.map { TrustStoreProblem(file: key.file, message: $0) } } }
    }
    /// Earliest signer-certificate expiry, for the expiry metric; nil when no certificate has one.
    public var nearestExpiry: EpochSeconds? { state.withLock { ($0.keys + $0.bundleKeys).compactMap(\.notValidAfter).min() } }

    private func currentStamps() -> Result<[FileStamp], TrustStoreProblem> {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            return .failure(TrustStoreProblem(file: directory, message: "cannot list the trust directory"))
        }
        var stamps: [FileStamp] = []
        for name in names.sorted() where name.hasSuffix(".pem") && !name.hasPrefix(".") {
            var info = stat()
            guard stat(directory + "/" + name, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            stamps.append(FileStamp(name: name, modified: info.st_mtim, size: Int(info.st_size)))
        }
        return .success(stamps)
    }

    struct LoadError: Error { var message: String }

    static func load(file: String, path: String) throws(LoadError) -> [TrustedKey] {
        guard let data = FileManager.default.contents(atPath: path) else { throw LoadError(message: "unreadable file") }
        guard data.count <= maxFileBytes else { throw LoadError(message: "larger than \(maxFileBytes) bytes") }
        guard let text = String(validating: Array(data), as: UTF8.self) else { throw LoadError(message: "not UTF-8 text") }
        let blocks = try PEM.blocks(in: text)
        guard !blocks.isEmpty else { throw LoadError(message: "no PEM block") }
        if file.hasPrefix("hg1-") {
            let parts = file.dropLast(4).split(separator: "-", maxSplits: 2)
            guard parts.count >= 2, HG1Claims.isRegionCode(String(parts[1])) else {
                throw LoadError(message: "HG1 key files are named hg1-RRRRRR[-label].pem with a 6-digit region code")
            }
            guard blocks.count == 1, blocks[0].label == "PUBLIC KEY" else { throw LoadError(message: "expected exactly one PUBLIC KEY block") }
            guard let key = try? P256.Signing.PublicKey(derRepresentation: blocks[0].der) else { throw LoadError(message: "not a P-256 public key") }
            return [TrustedKey(keyID: keyID(of: blocks[0].der), key: .p256(key), scope: .hg1(region: String(parts[1])),
                               notValidAfter: nil, file: file)]
        }
        var keys: [TrustedKey] = []
        for (index, block) in blocks.enumerated() {
            guard block.label == "CERTIFICATE" else { throw LoadError(message: "block \(index + 1) is \(block.label), expected CERTIFICATE") }
            keys.append(try signer(der: block.der, file: file, index: index))
        }
        return keys
    }

    /// A DSC as the bundle carries it (DER), through the same loader as the directory's files.
    public static func signerKey(der: [UInt8], source: String, index: Int) throws(TrustStoreProblem) -> TrustedKey {
        do throws(LoadError) { return try signer(der: der, file: source, index: index) } catch {
            throw TrustStoreProblem(file: source, message: error.message)
        }
    }

    /// An HG1 issuer key as the bundle carries it: region and SubjectPublicKeyInfo DER.
    public static func hg1Key(region: String, spki: [UInt8], source: String) throws(TrustStoreProblem) -> TrustedKey {
        guard HG1Claims.isRegionCode(region) else { throw TrustStoreProblem(file: source, message: "HG1 key region \(region) is not a 6-digit code") }
        guard let key = try? P256.Signing.PublicKey(derRepresentation: spki) else {
            throw TrustStoreProblem(file: source, message: "HG1 key for \(region) is not a P-256 public key")
        }
        return TrustedKey(keyID: keyID(of: spki), key: .p256(key), scope: .hg1(region: region), notValidAfter: nil, file: source)
    }

    static func signer(der: [UInt8], file: String, index: Int) throws(LoadError) -> TrustedKey {
        let certificate: Certificate
        do {
            certificate = try Certificate(derEncoded: der)
        } catch {
            // swift-certificates refuses some real DSCs (RSASSA-PSS parameters, unmodelled extensions):
            // read the key, validity and key usage from the TBSCertificate instead, and say so.
            return try fallbackSigner(der: der, file: file, index: index, reason: "\(error)")
        }
        let key: VerificationKey
        if let p256 = P256.Signing.PublicKey(certificate.publicKey) {
            key = .p256(p256)
        } else if let p384 = P384.Signing.PublicKey(certificate.publicKey) {
            key = .p384(p384)
        } else if let rsa = _RSA.Signing.PublicKey(certificate.publicKey) {
            key = .rsa(rsa)
        } else {
            throw LoadError(message: "certificate \(index + 1) has neither a P-256, a P-384 nor an RSA key")
        }
        let usages: ExtendedKeyUsage?
        do { usages = try certificate.extensions.extendedKeyUsage } catch { throw LoadError(message: "certificate \(index + 1) has a malformed extended key usage") }
        return TrustedKey(keyID: keyID(of: der), key: key, scope: .hc1(allowed: allowedTypes(usages.map { $0.map(\.description) })),
                          notValidAfter: certificate.notValidAfter.timeIntervalSince1970, file: file)
    }

    static func fallbackSigner(der: [UInt8], file: String, index: Int, reason: String) throws(LoadError) -> TrustedKey {
        let fields: SignerCertificateFields
        do throws(SignerCertificateFields.ParseError) { fields = try SignerCertificateFields(der: der) } catch {
            throw LoadError(message: "certificate \(index + 1) does not parse (\(error.message))")
        }
        let key: VerificationKey
        if let p256 = try? P256.Signing.PublicKey(derRepresentation: fields.publicKeyInfo) {
            key = .p256(p256)
        } else if let p384 = try? P384.Signing.PublicKey(derRepresentation: fields.publicKeyInfo) {
            key = .p384(p384)
        } else if let rsa = try? _RSA.Signing.PublicKey(derRepresentation: fields.publicKeyInfo) {
            key = .rsa(rsa)
        } else {
            throw LoadError(message: "certificate \(index + 1) has neither a P-256, a P-384 nor an RSA (2048 bits or more) key")
        }
        let brief = reason.split(separator: "\n").first.map { String($0.prefix(120)) } ?? ""
        var signer = TrustedKey(keyID: keyID(of: der), key: key, scope: .hc1(allowed: allowedTypes(fields.extendedKeyUsage)),
                                notValidAfter: fields.notValidAfter, file: file)
        signer.note = "certificate \(index + 1) loaded from its TBSCertificate: key, validity and key usage only "
            + "(own signature algorithm \(fields.signatureAlgorithm) and other extensions not interpreted; swift-certificates: \(brief))"
        return signer
    }

    /// EKU OIDs → the DCC types the signer may sign; no DCC OID at all means every type (eu-dcc-hcert-spec §5.1.1).
    static func allowedTypes(_ oids: [String]?) -> Set<HC1CertificateType> {
        let allowed = Set((oids ?? []).compactMap { HC1CertificateType.keyUsageOIDs[$0] })
        return allowed.isEmpty ? Set(HC1CertificateType.allCases) : allowed
    }

    /// First 8 bytes of SHA-256 over the DER (of the certificate for HC1, of the SubjectPublicKeyInfo for HG1).
    public static func keyID(of der: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: der).prefix(8))
    }
}

/// RFC 7468 text encoding: the blocks of a PEM file, base64 decoded.
enum PEM {
    static func blocks(in text: String) throws(TrustStore.LoadError) -> [(label: String, der: [UInt8])] {
        var blocks: [(label: String, der: [UInt8])] = []
        var label: String?
        var body = ""
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = String(rawLine.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
            if let current = label {
                if line == "-----END \(current)-----" {
                    guard let der = Data(base64Encoded: body) else { throw .init(message: "bad base64 in \(current)") }
                    blocks.append((current, Array(der)))
                    label = nil
                    body = ""
                } else if line.hasPrefix("-----") {
                    throw .init(message: "unterminated \(current) block")
                } else {
                    body += line
                }
            } else if line.hasPrefix("-----BEGIN "), line.hasSuffix("-----") {
                label = String(line.dropFirst(11).dropLast(5))
            }
        }
        guard label == nil else { throw .init(message: "unterminated PEM block") }
        return blocks
    }
}
