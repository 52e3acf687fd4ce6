import Crypto
import FoundationEssentials
import GateCore

/// An HG1 issuing key (demos, tests and `healthgate-dev issue`). A production platform keeps its
/// key in an HSM; the file format here only serves the tooling.
public struct HG1IssuerKey: Sendable {
    /// First line of a private key file: binds the key to its region without a side file.
    static let regionHeader = "healthgate-hg1-region: "

    public let region: String
    public let privateKey: P256.Signing.PrivateKey

    public enum KeyFileError: Error, Equatable, Sendable, CustomStringConvertible {
        case badRegion(String)
        case missingRegionHeader
        case badKey
        public var description: String {
            switch self {
            case .badRegion(let region): "region \(region) is not a 6-digit GB/T 2260 code"
            case .missingRegionHeader: "key file lacks its '\(HG1IssuerKey.regionHeader)RRRRRR' first line"
            case .badKey: "not a P-256 private key in PEM"
            }
        }
    }

    public init(region: String, privateKey: P256.Signing.PrivateKey = P256.Signing.PrivateKey()) throws(KeyFileError) {
        guard HG1Claims.isRegionCode(region) else { throw .badRegion(region) }
        self.region = region
        self.privateKey = privateKey
    }

    /// Reads the file written by `privateKeyFile`.
    public init(privateKeyFile text: String) throws(KeyFileError) {
        guard let first = text.split(whereSeparator: \.isNewline).first, first.hasPrefix(Self.regionHeader) else {
            throw .missingRegionHeader
        }
        let region = String(first.dropFirst(Self.regionHeader.count))
        let pem = text.split(whereSeparator: \.isNewline).dropFirst().joined(separator: "\n")
        guard let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) else { throw .badKey }
        try self.init(region: region, privateKey: key)
    }

    public var keyID: [UInt8] { TrustStore.keyID(of: Array(privateKey.publicKey.derRepresentation)) }
    public var keyIDHex: String { Hex.encode(keyID) }

    /// Private key file contents: the region line, then a PKCS#8 PEM block.
    public var privateKeyFile: String { Self.regionHeader + region + "\n" + privateKey.pemRepresentation + "\n" }
    /// File name of the public entry in a trust store directory.
    public var trustEntryFileName: String { "hg1-\(region)-\(keyIDHex).pem" }
    public var trustEntry: String { privateKey.publicKey.pemRepresentation + "\n" }

    /// The protected header every HG1 code carries: {1: -7 (ES256), 4: kid}.
    public var protectedHeader: [UInt8] {
        CBORWriter.encode(.map([(.int(COSEHeader.algorithm), .int(COSEAlgorithm.es256.rawValue)), (.int(COSEHeader.keyID), .bytes(keyID))]))
    }

    /// Signs the claims and returns the COSE_Sign1 message (tag 18), before compression.
    public func signCOSE(_ claims: HG1Claims) throws -> [UInt8] {
        let payload = CBORWriter.encode(claims.cwt)
        let toSign = COSESign1.signedBytes(protectedBytes: protectedHeader, payload: payload)
        let signature = try privateKey.signature(for: toSign).rawRepresentation
        return CBORWriter.encode(.tagged(18, .array([.bytes(protectedHeader), .map([]), .bytes(payload), .bytes(Array(signature))])))
    }

    /// The full QR payload text, `HG1:` + Base45(zlib(COSE_Sign1)).
    public func sign(_ claims: HG1Claims) throws -> String {
        Envelope.seal(prefix: "HG1:", cose: try signCOSE(claims))
    }
}
