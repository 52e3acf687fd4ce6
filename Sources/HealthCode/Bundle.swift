import Crypto
import GateCore

/// Why a county bundle was refused. The message is shown to staff (`gatectl bundle verify`, the journal,
/// the `bundle_refused` row) as is.
public struct BundleError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A county's signed trust and policy bundle (docs/codes.md, "Bundles"): a CBOR map in a COSE_Sign1
/// (ES256), signed by the county key every gate pins at install.
///
/// Payload (text keys):
/// `format` 1 · `version` uint, monotonic · `created` uint, epoch seconds · `issuer` text ·
/// `hg1_keys` [{`region` text, `key` bstr SubjectPublicKeyInfo}] · `dsc` [bstr certificate DER] ·
/// `revocation` [bstr HGRV list] · `rules` {`nucleic_acid_scope` text, `nucleic_acid_max_age_h` uint,
/// `vaccination` text, `risk_regions` [text]} (every rules key optional).
public struct CountyBundle: Sendable, Equatable {
    public static let formatVersion = 1
    /// A bundle may carry a million-entry revocation list (16 MB); anything past this is refused unread.
    public static let maxFileBytes = 128 << 20
    static let limits = CBORLimits(maxDepth: 8, maxItems: 100_000, maxStringBytes: 64 << 20)

    public struct HG1Key: Sendable, Equatable {
        public var region: String
        public var publicKeyInfo: [UInt8]
        public init(region: String, publicKeyInfo: [UInt8]) {
            self.region = region
            self.publicKeyInfo = publicKeyInfo
        }
    }

    public var version: Int
    public var createdAt: Int
    public var issuer: String
    public var hg1Keys: [HG1Key]
    public var signerCertificates: [[UInt8]]
    public var revocationLists: [[UInt8]]
    public var rules: RuleOverrides
    /// Medium/high-risk regions (GB/T 2260). Carried and shown; the gate cannot evaluate them itself (a code
    /// carries no travel history, only the issuer's arrival flag), so they map onto `outside_province`.
    public var riskRegions: [String]

    public init(version: Int, createdAt: Int, issuer: String, hg1Keys: [HG1Key] = [], signerCertificates: [[UInt8]] = [],
                revocationLists: [[UInt8]] = [], rules: RuleOverrides = RuleOverrides(), riskRegions: [String] = []) {
        self.version = version
        self.createdAt = createdAt
        self.issuer = issuer
        self.hg1Keys = hg1Keys
        self.signerCertificates = signerCertificates
        self.revocationLists = revocationLists
        self.rules = rules
        self.riskRegions = riskRegions
    }

    public var payload: [UInt8] {
        var rulesMap: [(CBORValue, CBORValue)] = []
        if let scope = rules.nucleicAcidScope { rulesMap.append((.text("nucleic_acid_scope"), .text(scope.rawValue))) }
        if let hours = rules.nucleicAcidMaxAgeHours { rulesMap.append((.text("nucleic_acid_max_age_h"), .int(hours))) }
        if let vaccination = rules.vaccination { rulesMap.append((.text("vaccination"), .text(vaccination.rawValue))) }
        if !riskRegions.isEmpty { rulesMap.append((.text("risk_regions"), .array(riskRegions.map { .text($0) }))) }
        return CBORWriter.encode(.map([
            (.text("format"), .int(Self.formatVersion)),
            (.text("version"), .int(version)),
            (.text("created"), .int(createdAt)),
            (.text("issuer"), .text(issuer)),
            (.text("hg1_keys"), .array(hg1Keys.map { .map([(.text("region"), .text($0.region)), (.text("key"), .bytes($0.publicKeyInfo))]) })),
            (.text("dsc"), .array(signerCertificates.map { .bytes($0) })),
            (.text("revocation"), .array(revocationLists.map { .bytes($0) })),
            (.text("rules"), .map(rulesMap)),
        ]))
    }

    public init(payload: [UInt8]) throws(BundleError) {
        let map: CBORValue
        do { map = try CBORReader.decode(payload, limits: Self.limits) } catch { throw BundleError("bundle payload is not CBOR (\(error))") }
        guard case .map = map else { throw BundleError("bundle payload is not a map") }
        func int(_ key: String) throws(BundleError) -> Int {
            guard let value = map[.text(key)]?.int, value >= 0 else { throw BundleError("bundle field \(key) missing or not a non-negative integer") }
            return value
        }
        func array(_ key: String) throws(BundleError) -> [CBORValue] {
            switch map[.text(key)] {
            case nil: return []
            case .array(let items)?: return items
            default: throw BundleError("bundle field \(key) is not an array")
            }
        }
        func bytes(_ value: CBORValue, _ what: String) throws(BundleError) -> [UInt8] {
            guard case .bytes(let bytes) = value else { throw BundleError("\(what) is not a byte string") }
            return bytes
        }
        let format = try int("format")
        guard format == Self.formatVersion else { throw BundleError("bundle format \(format) is not supported (expected \(Self.formatVersion))") }
        version = try int("version")
        createdAt = try int("created")
        guard case .text(let issuer)? = map[.text("issuer")] else { throw BundleError("bundle field issuer missing") }
        self.issuer = issuer
        hg1Keys = []
        for (index, item) in try array("hg1_keys").enumerated() {
            guard case .text(let region)? = item[.text("region")], let key = item[.text("key")] else {
                throw BundleError("hg1_keys[\(index)] needs region and key")
            }
            hg1Keys.append(HG1Key(region: region, publicKeyInfo: try bytes(key, "hg1_keys[\(index)].key")))
        }
        signerCertificates = []
        for (index, item) in try array("dsc").enumerated() { signerCertificates.append(try bytes(item, "dsc[\(index)]")) }
        revocationLists = []
        for (index, item) in try array("revocation").enumerated() { revocationLists.append(try bytes(item, "revocation[\(index)]")) }
        rules = RuleOverrides()
        riskRegions = []
        switch map[.text("rules")] {
        case nil: break
        case .map(let pairs)?:
            for (key, value) in pairs {
                switch (key, value) {
                case (.text("nucleic_acid_scope"), .text(let text)):
                    guard let scope = VenueRules.NucleicAcidScope(rawValue: text) else { throw BundleError("rules.nucleic_acid_scope \(text) is not one of off, everyone, outside_province") }
                    rules.nucleicAcidScope = scope
                case (.text("nucleic_acid_max_age_h"), _):
                    guard let hours = value.int, [24, 48, 72].contains(hours) else { throw BundleError("rules.nucleic_acid_max_age_h must be 24, 48 or 72") }
                    rules.nucleicAcidMaxAgeHours = hours
                case (.text("vaccination"), .text(let text)):
                    guard let rule = VenueRules.VaccinationRule(rawValue: text) else { throw BundleError("rules.vaccination \(text) is not one of off, prompt, require") }
                    rules.vaccination = rule
                case (.text("risk_regions"), .array(let items)):
                    for item in items {
                        guard case .text(let region) = item, region.count >= 2, region.count <= 6, region.allSatisfy(\.isASCII), Int(region) != nil else {
                            throw BundleError("rules.risk_regions holds a value that is not a GB/T 2260 code (or prefix)")
                        }
                        riskRegions.append(region)
                    }
                default:
                    throw BundleError("rules holds an unknown or mistyped key \(key)")
                }
            }
        default: throw BundleError("bundle field rules is not a map")
        }
    }

    /// The county key's id: SHA-256 of its SubjectPublicKeyInfo, first 8 bytes (as HG1 kids are).
    public static func keyID(of key: P256.Signing.PublicKey) -> [UInt8] {
        TrustStore.keyID(of: Array(key.derRepresentation))
    }

    /// The COSE_Sign1 file (tag 18, ES256, kid of the county key in the protected header).
    public func signed(with key: P256.Signing.PrivateKey) throws -> [UInt8] {
        let protected = CBORWriter.encode(.map([(.int(1), .int(COSEAlgorithm.es256.rawValue)), (.int(4), .bytes(Self.keyID(of: key.publicKey)))]))
        let payload = self.payload
        let signature = try key.signature(for: COSESign1.signedBytes(protectedBytes: protected, payload: payload)).rawRepresentation
        return CBORWriter.encode(.tagged(18, .array([.bytes(protected), .map([]), .bytes(payload), .bytes(Array(signature))])))
    }
}

/// A bundle whose signature holds and whose every part loads: what the daemon applies, all or nothing.
public struct VerifiedBundle: Sendable {
    public var bundle: CountyBundle
    /// SHA-256 of the file, hex: the `bundle_applied` row's digest.
    public var digest: String
    public var keys: [TrustedKey]
    public var lists: [RevocationList]
    public var notices: [TrustStoreProblem]

    /// Checks, in order: size → COSE_Sign1 → ES256 → kid is the county key's → signature → payload → every
    /// key, certificate and list. Any failure refuses the whole bundle.
    public init(bytes: [UInt8], countyKey: P256.Signing.PublicKey) throws(BundleError) {
        guard bytes.count <= CountyBundle.maxFileBytes else { throw BundleError("larger than \(CountyBundle.maxFileBytes) bytes") }
        let message: COSESign1
        do { message = try COSESign1(bytes, limits: CountyBundle.limits) } catch { throw BundleError("not a signed bundle: \(error)") }
        guard (try? message.algorithm()) == .es256 else { throw BundleError("bundle is not signed with ES256") }
        let expected = CountyBundle.keyID(of: countyKey)
        if let kid = message.keyID, kid != expected {
            throw BundleError("signed by key \(Hex.encode(kid)), not the pinned county key \(Hex.encode(expected))")
        }
        guard message.isSigned(by: .p256(countyKey)) else { throw BundleError("bad signature: not signed by the pinned county key") }
        bundle = try CountyBundle(payload: message.payload)
        digest = Hex.encode(SHA256.hash(data: bytes))
        let source = "bundle v\(bundle.version)"
        keys = []
        notices = []
        do throws(TrustStoreProblem) {
            for key in bundle.hg1Keys { keys.append(try TrustStore.hg1Key(region: key.region, spki: key.publicKeyInfo, source: source)) }
            for (index, der) in bundle.signerCertificates.enumerated() {
                let key = try TrustStore.signerKey(der: der, source: source, index: index)
                if let note = key.note { notices.append(TrustStoreProblem(file: source, message: note)) }
                keys.append(key)
            }
        } catch {
            throw BundleError("\(error.message)")
        }
        lists = []
        for (index, list) in bundle.revocationLists.enumerated() {
            do throws(RevocationFormatError) { lists.append(try RevocationList(bytes: list)) } catch {
                throw BundleError("revocation[\(index)]: \(error.message)")
            }
        }
    }
}

extension CountyBundle {
    /// PEM `PUBLIC KEY` of the county (the file gates pin, /etc/healthgate/county.pem).
    public static func countyKey(pem text: String) throws(BundleError) -> P256.Signing.PublicKey {
        do { return try P256.Signing.PublicKey(pemRepresentation: text) } catch { throw BundleError("county key is not a P-256 PUBLIC KEY in PEM") }
    }
}
