import Crypto
import _CryptoExtras

/// COSE algorithms a health code may be signed with (RFC 9053 identifiers).
public enum COSEAlgorithm: Int, Sendable, CaseIterable {
    case es256 = -7
    case es384 = -35
    case ps256 = -37
}

/// A public key that can check a COSE signature.
public enum VerificationKey: Sendable {
    case p256(P256.Signing.PublicKey)
    /// Some DSCs carry a P-384 key (seen in Spain's test data, labelled ES256: RFC 8152 binds the hash, not the curve).
    case p384(P384.Signing.PublicKey)
    case rsa(_RSA.Signing.PublicKey)

    func isValid(signature: [UInt8], over message: [UInt8], algorithm: COSEAlgorithm) -> Bool {
        switch (self, algorithm) {
        case (.p256(let key), .es256):
            // COSE carries r || s (64 bytes), not DER.
            guard signature.count == 64, let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else {
                return false
            }
            return key.isValidSignature(parsed, for: message)
        case (.p384(let key), .es256), (.p384(let key), .es384):
            guard signature.count == 96, let parsed = try? P384.Signing.ECDSASignature(rawRepresentation: signature) else {
                return false
            }
            return algorithm == .es256 ? key.isValidSignature(parsed, for: SHA256.hash(data: message))
                                       : key.isValidSignature(parsed, for: SHA384.hash(data: message))
        case (.rsa(let key), .ps256):
            return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: message, padding: .PSS)
        default:
            return false
        }
    }
}

public enum COSEError: Error, Equatable, Sendable {
    case notCOSESign1(String)
    case unsupportedAlgorithm(Int?)
}

/// COSE header labels (RFC 9052 §3.1).
enum COSEHeader {
    static let algorithm = 1
    static let keyID = 4
}

/// A parsed COSE_Sign1 message (RFC 9052 §4.2). The signature is checked separately so the
/// verifier can try every key that shares a kid.
public struct COSESign1: Sendable {
    /// The protected header exactly as serialised (part of the signed bytes).
    public var protectedBytes: [UInt8]
    public var protected: CBORValue
    public var unprotected: CBORValue
    public var payload: [UInt8]
    public var signature: [UInt8]

    public init(_ bytes: [UInt8], limits: CBORLimits = CBORLimits()) throws(HealthCodeParseError) {
        let outer: CBORValue
        do { outer = try CBORReader.decode(bytes, limits: limits) } catch { throw .cbor("COSE", error) }
        var message = outer
        // Tag 18 (COSE_Sign1) is optional; tag 61 (CWT) may wrap it.
        if case .tagged(61, let inner) = message { message = inner }
        if case .tagged(18, let inner) = message { message = inner }
        guard case .array(let parts) = message, parts.count == 4 else { throw .cose(.notCOSESign1("not a 4-element array")) }
        guard case .bytes(let protectedBytes) = parts[0] else { throw .cose(.notCOSESign1("protected header is not a byte string")) }
        guard case .map = parts[1] else { throw .cose(.notCOSESign1("unprotected header is not a map")) }
        guard case .bytes(let payload) = parts[2] else { throw .cose(.notCOSESign1("payload is not a byte string")) }
        guard case .bytes(let signature) = parts[3] else { throw .cose(.notCOSESign1("signature is not a byte string")) }
        let protected: CBORValue
        if protectedBytes.isEmpty {
            protected = .map([])
        } else {
            do { protected = try CBORReader.decode(protectedBytes, limits: limits) } catch { throw .cbor("COSE protected header", error) }
            guard case .map = protected else { throw .cose(.notCOSESign1("protected header is not a map")) }
        }
        self.protectedBytes = protectedBytes
        self.protected = protected
        self.unprotected = parts[1]
        self.payload = payload
        self.signature = signature
    }

    /// Key id: the protected header wins over the unprotected one (eu-dcc-hcert-spec §3.3.1).
    public var keyID: [UInt8]? {
        for header in [protected, unprotected] {
            if case .bytes(let kid)? = header[intKey: COSEHeader.keyID] { return kid }
        }
        return nil
    }

    public func algorithm() throws(HealthCodeParseError) -> COSEAlgorithm {
        let value = protected[intKey: COSEHeader.algorithm] ?? unprotected[intKey: COSEHeader.algorithm]
        guard let raw = value?.int, let algorithm = COSEAlgorithm(rawValue: raw) else {
            throw .cose(.unsupportedAlgorithm(value?.int))
        }
        return algorithm
    }

    /// Sig_structure for COSE_Sign1 with empty external AAD (RFC 9052 §4.4).
    public static func signedBytes(protectedBytes: [UInt8], payload: [UInt8]) -> [UInt8] {
        CBORWriter.encode(.array([.text("Signature1"), .bytes(protectedBytes), .bytes([]), .bytes(payload)]))
    }

    public var signedBytes: [UInt8] { Self.signedBytes(protectedBytes: protectedBytes, payload: payload) }

    public func isSigned(by key: VerificationKey) -> Bool {
        guard let algorithm = try? algorithm() else { return false }
        return key.isValid(signature: signature, over: signedBytes, algorithm: algorithm)
    }
}
