import Crypto
import GateCore

public struct VerifierConfiguration: Sendable {
    public var unsyncedClockPolicy: UnsyncedClockPolicy
    /// Accepted lead of `iat` over the gate's clock (phones and gates drift a little).
    public var clockSkewTolerance: Double
    /// HG1 codes are screen codes that go stale in minutes, so a screenshot is useless soon after:
    /// a longer lifetime than this is refused as unreadable (`codes.max_hg1_lifetime_s`, default 15 min).
    public var maxHG1Lifetime: Double
    public var limits: HealthCodeLimits
    /// Keys HC1 subject pseudonyms (`codes.subject_key`); nil only in tools, where they are unkeyed.
    public var subjectKey: SubjectKey?

    public init(unsyncedClockPolicy: UnsyncedClockPolicy = .refuse, clockSkewTolerance: Double = 60,
                maxHG1Lifetime: Double = 900, limits: HealthCodeLimits = HealthCodeLimits(), subjectKey: SubjectKey? = nil) {
        self.unsyncedClockPolicy = unsyncedClockPolicy
        self.clockSkewTolerance = clockSkewTolerance
        self.maxHG1Lifetime = maxHG1Lifetime
        self.limits = limits
        self.subjectKey = subjectKey
    }
}

/// Turns scanned payload bytes into a verdict: format, authenticity, key usage, validity window.
/// It never judges the colour (the gate policy does) nor replay (the gate keeps the fingerprints).
public struct CodeVerifier: Sendable {
    public static let hg1Prefix = Array("HG1:".utf8)
    public static let hc1Prefix = Array("HC1:".utf8)

    public let trustStore: TrustStore
    public let revocation: RevocationStore
    public var configuration: VerifierConfiguration

    public init(trustStore: TrustStore, revocation: RevocationStore = RevocationStore(directory: nil),
                configuration: VerifierConfiguration = VerifierConfiguration()) {
        self.trustStore = trustStore
        self.revocation = revocation
        self.configuration = configuration
    }

    /// The digest anti-passback and the log key a code by. For a code whose envelope opens it is the
    /// SHA-256 of the signed bytes (COSE Sig_structure: protected header and claims), so the same
    /// signed code re-encoded (another zlib level, an added unprotected header) keys the same; for
    /// anything else, the SHA-256 of the payload bytes.
    public static func fingerprint(of payload: [UInt8], limits: HealthCodeLimits = HealthCodeLimits()) -> String {
        if payload.starts(with: hg1Prefix) || payload.starts(with: hc1Prefix),
           let message = try? Envelope.open(payload.dropFirst(4), limits: limits) {
            return signedFingerprint(message)
        }
        return Hex.encode(SHA256.hash(data: payload))
    }

    static func signedFingerprint(_ message: COSESign1) -> String {
        Hex.encode(SHA256.hash(data: message.signedBytes))
    }

    /// Steps, in order (docs/codes.md, "Verification"): size → prefix → envelope → claims → kid
    /// lookup → signature → issuer binding / key usage → clock → validity window.
    public func verify(payload: [UInt8], clock: ClockReading) -> CodeVerdict {
        // Replaced by the signed bytes' digest once the envelope opens (see `fingerprint(of:)`).
        var fingerprint = Hex.encode(SHA256.hash(data: payload))
        func refuse(_ format: CodeFormat, _ reason: Reason, keyID: String? = nil, _ detail: String) -> CodeVerdict {
            CodeVerdict(format: format, credential: nil, reasons: [reason], keyID: keyID, detail: detail, fingerprint: fingerprint)
        }
        guard payload.count <= configuration.limits.maxPayloadBytes + Self.hg1Prefix.count else {
            return refuse(.unknown, .unreadable, "payload of \(payload.count) bytes exceeds the limit")
        }
        let format: CodeFormat
        if payload.starts(with: Self.hg1Prefix) {
            format = .hg1
        } else if payload.starts(with: Self.hc1Prefix) {
            format = .hc1
        } else {
            return refuse(.unknown, .unsupportedFormat, "no known prefix (HG1:, HC1:)")
        }

        let message: COSESign1
        let algorithm: COSEAlgorithm
        let claims: CWTClaims
        do throws(HealthCodeParseError) {
            message = try Envelope.open(payload.dropFirst(4), limits: configuration.limits)
            fingerprint = Self.signedFingerprint(message)
            algorithm = try message.algorithm()
            claims = try CWTClaims(message.payload, limits: configuration.limits.cbor)
        } catch {
            return refuse(format, .unreadable, error.description)
        }
        guard let kid = message.keyID, !kid.isEmpty else { return refuse(format, .unreadable, "no kid in the COSE headers") }
        let keyID = Hex.encode(kid)

        // Read the claims before the signature so a malformed but signed code is `unreadable`,
        // and keep them only once the signature holds.
        let credential: HealthCredential
        var certificateType: HC1CertificateType?
        var hg1Region: String?
        var revocationHashes: [(RevocationKind, [UInt8])] = []
        do throws(HealthCodeParseError) {
            switch format {
            case .hg1:
                let hg1 = try HG1Claims(claims)
                guard Double(hg1.expiresAt - hg1.issuedAt) <= configuration.maxHG1Lifetime else {
                    throw .claims("lifetime exceeds \(Int(configuration.maxHG1Lifetime)) s")
                }
                hg1Region = hg1.issuer
                credential = hg1.credential(keyID: keyID)
                revocationHashes = [(.hg1Fingerprint, RevocationKind.hash(message.signedBytes)),
                                    (.hg1Subject, RevocationKind.hash(hg1.subjectID))]
            default:
                let dcc = try HC1Certificate(claims, subjectKey: configuration.subjectKey)
                guard dcc.issuedAt != nil, dcc.expiresAt != nil else { throw .claims("iat (6) and exp (4) are mandatory") }
                certificateType = dcc.type
                credential = dcc.credential(keyID: keyID)
                // EU DCC revocation: an ECDSA signature is hashed over r only, its first half (s can be re-encoded
                // without the key).
                let signed = algorithm == .ps256 ? message.signature : Array(message.signature.prefix(message.signature.count / 2))
                revocationHashes = [(.dccSignature, RevocationKind.hash(signed))]
                if let uci = dcc.uci {
                    revocationHashes.append((.dccUCI, RevocationKind.hash(uci.utf8)))
                    revocationHashes.append((.dccCountryUCI, RevocationKind.hash(((dcc.country ?? "") + uci).utf8)))
                }
            }
        } catch {
            return refuse(format, .unreadable, keyID: keyID, error.description)
        }

        let candidates = trustStore.keys(for: kid).filter { candidate in
            switch candidate.scope {
            case .hg1: format == .hg1
            case .hc1: format == .hc1
            }
        }
        guard !candidates.isEmpty else {
            return refuse(format, .unknownIssuer, keyID: keyID, "kid \(keyID) is not in the trust store")
        }
        guard let signer = candidates.first(where: { $0.key.isValid(signature: message.signature, over: message.signedBytes, algorithm: algorithm) }) else {
            return refuse(format, .badSignature, keyID: keyID, "signature does not verify with any of \(candidates.count) key(s) for kid \(keyID)")
        }

        var reasons: [Reason] = []
        var notes: [String] = ["\(format.rawValue) kid \(keyID) signed by \(signer.file)"]
        switch signer.scope {
        case .hg1(let region) where region != hg1Region:
            reasons.append(.keyUsage)
            notes.append("key is bound to region \(region), code claims \(hg1Region ?? "none")")
        case .hc1(let allowed) where certificateType.map { !allowed.contains($0) } ?? false:
            reasons.append(.keyUsage)
            notes.append("signer may not sign \(certificateType.map { "\($0)" } ?? "") certificates")
        default:
            break
        }

        // Looked up only for an authentic code: the lists name real codes, a forgery is refused as bad_signature.
        if let kind = revocation.isRevoked(RevocationQuery(kid: kid, hashes: revocationHashes)) {
            reasons.append(.revoked)
            notes.append("revoked: a revocation list names its \(kind) hash")
        }

        if clock.synchronised {
            // Valid through its exp second: exp is the time "after which" it is no longer valid, the EU test data
            // checks at exp exactly, and a fractional exp (Spain's) must not be lost to a float's last bit.
            if let expiresAt = credential.expiresAt, clock.now.rounded(.down) > expiresAt.rounded(.down) {
                reasons.append(.expired)
                notes.append("expired \(ISO8601.format(expiresAt))")
            }
            if let issuedAt = credential.issuedAt, issuedAt > clock.now + configuration.clockSkewTolerance {
                reasons.append(.notYetValid)
                notes.append("issued in the future \(ISO8601.format(issuedAt))")
            }
        } else {
            switch configuration.unsyncedClockPolicy {
            case .refuse:
                reasons.append(.clockUnsynced)
                notes.append("clock not synchronised: validity window cannot be checked")
            case .ignoreValidity:
                notes.append("clock_unsynced: validity window skipped by policy")
            }
        }
        if reasons.isEmpty { notes.append("valid") }
        return CodeVerdict(format: format, credential: credential, reasons: reasons, keyID: keyID,
                           detail: notes.joined(separator: "; "), fingerprint: fingerprint)
    }
}
