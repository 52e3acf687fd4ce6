import Crypto
import Foundation
import GateCore
import HealthCode
import X509
import _CryptoExtras

// Signed payloads for the corpus and the verification throughput. HC1 has no issuer in the product
// (only verification), so this is the test fixtures' HC1 signer (Tests/HealthCodeTests/Fixtures.swift),
// copied because an executable may not import a test target.

/// A self-signed document-signer certificate and its key, signing DCC claims like a member state.
struct HC1Signer {
    enum Algorithm: String { case es256 = "ES256", ps256 = "PS256" }

    let algorithm: Algorithm
    let certificateDER: [UInt8]
    let certificatePEM: String
    private let ecKey: P256.Signing.PrivateKey?
    private let rsaKey: _RSA.Signing.PrivateKey?

    init(_ algorithm: Algorithm) throws {
        self.algorithm = algorithm
        let publicKey: Certificate.PublicKey
        let privateKey: Certificate.PrivateKey
        let signatureAlgorithm: Certificate.SignatureAlgorithm
        switch algorithm {
        case .es256:
            let key = P256.Signing.PrivateKey()
            (ecKey, rsaKey) = (key, nil)
            (publicKey, privateKey, signatureAlgorithm) = (.init(key.publicKey), .init(key), .ecdsaWithSHA256)
        case .ps256:
            let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            (ecKey, rsaKey) = (nil, key)
            (publicKey, privateKey, signatureAlgorithm) = (.init(key.publicKey), .init(key), .sha256WithRSAEncryption)
        }
        let name = try DistinguishedName {
            CountryName("XX")
            CommonName("healthgate bench DSC")
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: publicKey, notValidBefore: Date(timeIntervalSince1970: 1_600_000_000),
            notValidAfter: Date(timeIntervalSinceNow: 365 * 86_400), issuer: name, subject: name,
            signatureAlgorithm: signatureAlgorithm, extensions: Certificate.Extensions(), issuerPrivateKey: privateKey)
        let pem = try certificate.serializeAsPEM()
        certificateDER = pem.derBytes
        certificatePEM = pem.pemString + "\n"
    }

    var keyID: [UInt8] { Array(SHA256.hash(data: certificateDER).prefix(8)) }

    /// `HC1:` + Base45(zlib(COSE_Sign1)) over a vaccination certificate issued `now`.
    func payload(now: Int, certificateID: String) throws -> [UInt8] {
        let alg = CBORValue.int(algorithm == .es256 ? COSEAlgorithm.es256.rawValue : COSEAlgorithm.ps256.rawValue)
        let protectedBytes = CBORWriter.encode(.map([(.int(1), alg), (.int(4), .bytes(keyID))]))
        let vaccination: [(String, CBORValue)] = [
            ("tg", .text("840539006")), ("vp", .text("1119349007")), ("mp", .text("EU/1/20/1528")), ("ma", .text("ORG-100030215")),
            ("dn", .int(2)), ("sd", .int(2)), ("dt", .text("2021-06-01")), ("co", .text("XX")), ("is", .text("Bench issuer")),
            ("ci", .text("URN:UVCI:01:XX:\(certificateID)")),
        ]
        let dgc: CBORValue = .map([
            (.text("ver"), .text("1.3.0")),
            (.text("nam"), .map([(.text("fn"), .text("Muster")), (.text("fnt"), .text("MUSTER")),
                                 (.text("gn"), .text("Bench")), (.text("gnt"), .text("BENCH"))])),
            (.text("dob"), .text("1970-01-01")),
            (.text("v"), .array([.map(vaccination.map { (.text($0.0), $0.1) })])),
        ])
        let claims: CBORValue = .map([(.int(1), .text("XX")), (.int(4), .int(now + 86_400)), (.int(6), .int(now - 60)),
                                      (.int(-260), .map([(.int(1), dgc)]))])
        let body = CBORWriter.encode(claims)
        let toSign = COSESign1.signedBytes(protectedBytes: protectedBytes, payload: body)
        let signature: [UInt8]
        if let ecKey {
            signature = Array(try ecKey.signature(for: toSign).rawRepresentation)
        } else if let rsaKey {
            signature = Array(try rsaKey.signature(for: toSign, padding: .PSS).rawRepresentation)
        } else {
            signature = []
        }
        let cose = CBORWriter.encode(.tagged(18, .array([.bytes(protectedBytes), .map([]), .bytes(body), .bytes(signature)])))
        return Array(Envelope.seal(prefix: "HC1:", cose: cose).utf8)
    }
}

/// The issuers of one bench run and a trust-store directory that trusts all three keys.
struct BenchIssuers {
    let hg1: HG1IssuerKey
    let es256: HC1Signer
    let ps256: HC1Signer
    let trustDirectory: String

    init(trustDirectory: String) throws {
        hg1 = try HG1IssuerKey(region: "330100")
        es256 = try HC1Signer(.es256)
        ps256 = try HC1Signer(.ps256)
        self.trustDirectory = trustDirectory
        try FileManager.default.createDirectory(atPath: trustDirectory, withIntermediateDirectories: true)
        try hg1.trustEntry.write(toFile: trustDirectory + "/" + hg1.trustEntryFileName, atomically: true, encoding: .utf8)
        try es256.certificatePEM.write(toFile: trustDirectory + "/dsc-es256.pem", atomically: true, encoding: .utf8)
        try ps256.certificatePEM.write(toFile: trustDirectory + "/dsc-ps256.pem", atomically: true, encoding: .utf8)
    }

    /// A green HG1 code for visitor `index`, valid for an hour from `now`.
    func hg1Payload(now: Int, index: Int) throws -> [UInt8] {
        var subject = Array("bench-visitor-".utf8)
        subject += Array(String(index).utf8)
        let claims = HG1Claims(issuer: "330100", issuedAt: Int64(now - 60), expiresAt: Int64(now + 3600), colour: .green,
                               subjectID: subject, maskedName: "张*", maskedIDNumber: "3301**********1234",
                               vaccination: Vaccination(doses: 3, seriesDoses: 2, lastDoseAt: Double(now - 200 * 86_400)))
        return Array(try hg1.sign(claims).utf8)
    }
}
