import GateCore

/// Why a payload could not be read as a health code. Maps to the `unreadable` reason.
public enum HealthCodeParseError: Error, Equatable, Sendable, CustomStringConvertible {
    case payloadTooLarge(limit: Int)
    case base45(Base45.DecodeError)
    case zlib(Zlib.InflateError)
    case cbor(String, CBORError)
    case cose(COSEError)
    case claims(String)

    public var description: String {
        switch self {
        case .payloadTooLarge(let limit): "payload larger than \(limit) bytes"
        case .base45(let error): "bad Base45: \(error)"
        case .zlib(let error): "bad zlib stream: \(error)"
        case .cbor(let where_, let error): "bad CBOR in \(where_): \(error)"
        case .cose(let error): "bad COSE_Sign1: \(error)"
        case .claims(let message): "bad claims: \(message)"
        }
    }
}

/// Bounds applied to every layer before anything is trusted.
public struct HealthCodeLimits: Sendable {
    /// Largest payload a QR can carry (version 40, alphanumeric mode, level L).
    public var maxPayloadBytes: Int
    /// Cap on the inflated COSE message (no zlib bomb).
    public var maxInflatedBytes: Int
    public var cbor: CBORLimits
    public init(maxPayloadBytes: Int = 4_296, maxInflatedBytes: Int = 32_768,
                cbor: CBORLimits = CBORLimits(maxDepth: 16, maxItems: 2_048, maxStringBytes: 32_768)) {
        self.maxPayloadBytes = maxPayloadBytes
        self.maxInflatedBytes = maxInflatedBytes
        self.cbor = cbor
    }
}

/// The shared envelope of HG1 and HC1: `PREFIX` + Base45(zlib(COSE_Sign1(CWT))).
public enum Envelope {
    /// Opens the part after the prefix down to a parsed, not yet verified, COSE_Sign1.
    public static func open(_ base45Text: some Collection<UInt8>, limits: HealthCodeLimits = HealthCodeLimits()) throws(HealthCodeParseError) -> COSESign1 {
        guard base45Text.count <= limits.maxPayloadBytes else { throw .payloadTooLarge(limit: limits.maxPayloadBytes) }
        let compressed: [UInt8]
        do { compressed = try Base45.decode(base45Text) } catch { throw .base45(error) }
        let cose: [UInt8]
        do { cose = try Zlib.inflate(compressed, maxOutput: limits.maxInflatedBytes) } catch { throw .zlib(error) }
        return try COSESign1(cose, limits: limits.cbor)
    }

    /// Builds the payload text for a signed COSE_Sign1 message.
    public static func seal(prefix: String, cose: [UInt8]) -> String {
        prefix + Base45.encodeString(Zlib.deflate(cose))
    }
}

/// CWT claims common to both formats (RFC 8392).
public struct CWTClaims: Sendable {
    public static let issuerKey = 1
    public static let expiresKey = 4
    public static let issuedAtKey = 6

    public var issuer: String?
    public var issuedAt: EpochSeconds?
    public var expiresAt: EpochSeconds?
    /// The whole claims map, for the format-specific claims.
    public var map: CBORValue

    public init(_ payload: [UInt8], limits: CBORLimits) throws(HealthCodeParseError) {
        let map: CBORValue
        do { map = try CBORReader.decode(payload, limits: limits) } catch { throw .cbor("CWT claims", error) }
        guard case .map = map else { throw .claims("CWT payload is not a map") }
        self.map = map
        switch map[intKey: Self.issuerKey] {
        case nil: issuer = nil
        case .text(let text)?: issuer = text
        default: throw .claims("iss (1) is not a text string")
        }
        issuedAt = try Self.numericDate(map[intKey: Self.issuedAtKey], name: "iat (6)")
        expiresAt = try Self.numericDate(map[intKey: Self.expiresKey], name: "exp (4)")
    }

    /// NumericDate: an integer or a finite float, seconds since the epoch, not negative.
    static func numericDate(_ value: CBORValue?, name: String) throws(HealthCodeParseError) -> Double? {
        switch value {
        case nil: return nil
        case .unsigned(let n)?:
            guard n <= 1 << 40 else { throw .claims("\(name) out of range") }
            return Double(n)
        case .float(let d)? where d.isFinite && d >= 0 && d <= Double(1 << 40):
            return d
        default:
            throw .claims("\(name) is not a NumericDate")
        }
    }
}
