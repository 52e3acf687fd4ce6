import Crypto
import Foundation
import HealthCode
import X509
import _CryptoExtras

/// Test and benchmark HC1 issuer: a self-signed document-signer certificate with chosen extended key
/// usages, signing DCC claims the way a member state would (no network, no real trust list). The
/// product only verifies HC1; this lives in the tooling so the tests and the benchmark share it.
public struct HC1TestSigner: Sendable {
    /// `es384`: a P-384 key signing with SHA-384; `es256P384`: the same key under the ES256 label (SHA-256), as Spain's
    /// test data does.
    public enum Algorithm: Sendable { case es256, ps256, es384, es256P384 }
    public static let testUsage = ExtendedKeyUsage.Usage(oid: "1.3.6.1.4.1.1847.2021.1.1")
    public static let vaccinationUsage = ExtendedKeyUsage.Usage(oid: "1.3.6.1.4.1.1847.2021.1.2")

    public let algorithm: Algorithm
    public let certificateDER: [UInt8]
    public let certificatePEM: String
    private let ecKey: P256.Signing.PrivateKey?
    private let p384Key: P384.Signing.PrivateKey?
    private let rsaKey: _RSA.Signing.PrivateKey?

    public init(_ algorithm: Algorithm, keyUsages: [ExtendedKeyUsage.Usage] = [], notValidAfter: Date = Date(timeIntervalSinceNow: 365 * 86_400)) throws {
        self.algorithm = algorithm
        let publicKey: Certificate.PublicKey
        let privateKey: Certificate.PrivateKey
        let signatureAlgorithm: Certificate.SignatureAlgorithm
        switch algorithm {
        case .es256:
            let key = P256.Signing.PrivateKey()
            (ecKey, p384Key, rsaKey) = (key, nil, nil)
            (publicKey, privateKey, signatureAlgorithm) = (.init(key.publicKey), .init(key), .ecdsaWithSHA256)
        case .es384, .es256P384:
            let key = P384.Signing.PrivateKey()
            (ecKey, p384Key, rsaKey) = (nil, key, nil)
            (publicKey, privateKey, signatureAlgorithm) = (.init(key.publicKey), .init(key), .ecdsaWithSHA384)
        case .ps256:
            let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            (ecKey, p384Key, rsaKey) = (nil, nil, key)
            (publicKey, privateKey, signatureAlgorithm) = (.init(key.publicKey), .init(key), .sha256WithRSAEncryption)
        }
        let name = try DistinguishedName {
            CountryName("XX")
            CommonName("healthgate test DSC")
        }
        // No extended key usage at all means "may sign every type" (eu-dcc-hcert-spec §5.1.1).
        let extensions = keyUsages.isEmpty ? Certificate.Extensions() : try Certificate.Extensions { try ExtendedKeyUsage(keyUsages) }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: publicKey, notValidBefore: Date(timeIntervalSince1970: 1_600_000_000),
            notValidAfter: notValidAfter, issuer: name, subject: name, signatureAlgorithm: signatureAlgorithm,
            extensions: extensions, issuerPrivateKey: privateKey)
        let pem = try certificate.serializeAsPEM()
        certificateDER = pem.derBytes
        certificatePEM = pem.pemString + "\n"
    }

    public var keyID: [UInt8] { Array(SHA256.hash(data: certificateDER).prefix(8)) }

    /// Signs a CWT claims map. `kidInProtected: false` puts kid and alg in the unprotected header only.
    public func payload(claims: CBORValue, kidInProtected: Bool = true, kid: [UInt8]? = nil) throws -> String {
        let label: COSEAlgorithm = switch algorithm {
        case .es256, .es256P384: .es256
        case .es384: .es384
        case .ps256: .ps256
        }
        let alg = CBORValue.int(label.rawValue)
        let headers: [(CBORValue, CBORValue)] = [(.int(1), alg), (.int(4), .bytes(kid ?? keyID))]
        let protectedBytes = kidInProtected ? CBORWriter.encode(.map(headers)) : []
        let unprotected = kidInProtected ? CBORValue.map([]) : .map(headers)
        let body = CBORWriter.encode(claims)
        let toSign = COSESign1.signedBytes(protectedBytes: protectedBytes, payload: body)
        let signature: [UInt8]
        if let ecKey {
            signature = Array(try ecKey.signature(for: toSign).rawRepresentation)
        } else if let p384Key {
            signature = Array(try (algorithm == .es384 ? p384Key.signature(for: SHA384.hash(data: toSign))
                                                       : p384Key.signature(for: SHA256.hash(data: toSign))).rawRepresentation)
        } else if let rsaKey {
            signature = Array(try rsaKey.signature(for: toSign, padding: .PSS).rawRepresentation)
        } else {
            signature = []
        }
        let cose = CBORWriter.encode(.tagged(18, .array([.bytes(protectedBytes), unprotected, .bytes(body), .bytes(signature)])))
        return Envelope.seal(prefix: "HC1:", cose: cose)
    }

    /// DCC claims (hcert -260 → 1) with one entry of `type`.
    public static func claims(iat: Int, exp: Int, type: String, entry: [(String, CBORValue)]) -> CBORValue {
        let dgc: CBORValue = .map([
            (.text("ver"), .text("1.3.0")),
            (.text("nam"), .map([(.text("fn"), .text("Musterfrau")), (.text("fnt"), .text("MUSTERFRAU")),
                                 (.text("gn"), .text("Erika")), (.text("gnt"), .text("ERIKA"))])),
            (.text("dob"), .text("1964-08-12")),
            (.text(type), .array([.map(entry.map { (.text($0.0), $0.1) })])),
        ])
        return .map([(.int(1), .text("XX")), (.int(4), .int(exp)), (.int(6), .int(iat)), (.int(-260), .map([(.int(1), dgc)]))])
    }

    public static func naatTest(sampled: String, result: String) -> [(String, CBORValue)] {
        [("tg", .text("840539006")), ("tt", .text("LP6464-4")), ("sc", .text(sampled)), ("tr", .text(result)),
         ("tc", .text("Test centre")), ("co", .text("XX")), ("is", .text("Test issuer")), ("ci", .text("URN:UVCI:01:XX:TEST"))]
    }

    public static func vaccination(doses: Int, series: Int, date: String) -> [(String, CBORValue)] {
        [("tg", .text("840539006")), ("vp", .text("1119349007")), ("mp", .text("EU/1/20/1528")), ("ma", .text("ORG-100030215")),
         ("dn", .int(doses)), ("sd", .int(series)), ("dt", .text(date)), ("co", .text("XX")), ("is", .text("Test issuer")),
         ("ci", .text("URN:UVCI:01:XX:VAC"))]
    }
}
