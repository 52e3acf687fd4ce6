import Crypto
import GateCore

/// The claims of an HG1 colour code (docs/codes.md, "HG1 claims").
/// CWT map: 1 iss (text, GB/T 2260 region), 4 exp, 6 iat (uint seconds), -261 the HG1 map below.
public struct HG1Claims: Sendable, Equatable {
    /// CWT claim key of the HG1 map (private-use negative key, next to the DCC's -260).
    public static let claimKey = -261
    public static let version = 1

    enum Key {
        static let version = 1
        static let colour = 2
        static let subject = 3
        static let maskedName = 4
        static let maskedIDNumber = 5
        static let nucleicAcidTest = 6
        static let vaccination = 7
        static let outsideProvince = 8
        // Inside the nucleic-acid map.
        static let sampledAt = 1
        static let result = 2
        // Inside the vaccination map.
        static let doses = 1
        static let lastDoseAt = 2
        static let seriesDoses = 3
    }

    static let colours: [CodeColour] = [.green, .yellow, .red]
    static let results: [NucleicAcidResult] = [.negative, .positive]
    static let maxMaskedNameBytes = 64
    static let maxMaskedIDBytes = 32
    static let subjectIDBytes = 8...32

    /// Six-digit GB/T 2260 administrative division code of the issuing platform.
    public var issuer: String
    public var issuedAt: Int64
    public var expiresAt: Int64
    public var colour: CodeColour
    /// Pseudonymous subject id, 8 to 32 bytes, stable per person; never derived reversibly from the ID number.
    public var subjectID: [UInt8]
    /// As displayed by the platform, e.g. `张*`; must contain at least one `*`.
    public var maskedName: String?
    /// As displayed, e.g. `1101**********123X`; must contain at least one `*`.
    public var maskedIDNumber: String?
    public var nucleicAcidTest: NucleicAcidTest?
    public var vaccination: Vaccination?
    public var arrivedFromOutsideProvince: Bool

    public init(issuer: String, issuedAt: Int64, expiresAt: Int64, colour: CodeColour, subjectID: [UInt8],
                maskedName: String? = nil, maskedIDNumber: String? = nil, nucleicAcidTest: NucleicAcidTest? = nil,
                vaccination: Vaccination? = nil, arrivedFromOutsideProvince: Bool = false) {
        self.issuer = issuer
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.colour = colour
        self.subjectID = subjectID
        self.maskedName = maskedName
        self.maskedIDNumber = maskedIDNumber
        self.nucleicAcidTest = nucleicAcidTest
        self.vaccination = vaccination
        self.arrivedFromOutsideProvince = arrivedFromOutsideProvince
    }

    /// Subject id for tooling: 16 to 64 hex digits are taken as the bytes themselves, any other text
    /// is hashed (SHA-256, first 16 bytes). A platform should use a keyed hash of its own person id:
    /// an unkeyed hash of an ID number could be reversed by trying every number.
    public static func subjectID(from text: String) -> [UInt8] {
        if (16...64).contains(text.utf8.count), let bytes = Hex.decode(text) { return bytes }
        return Array(SHA256.hash(data: Array(text.utf8)).prefix(16))
    }

    public static func isRegionCode(_ text: String) -> Bool {
        text.utf8.count == 6 && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// The CWT claims map, keys in ascending order of their encoding (deterministic output).
    public var cwt: CBORValue {
        var hg1: [(CBORValue, CBORValue)] = [
            (.int(Key.version), .int(Self.version)),
            (.int(Key.colour), .int(Self.colours.firstIndex(of: colour) ?? 0)),
            (.int(Key.subject), .bytes(subjectID)),
        ]
        if let maskedName { hg1.append((.int(Key.maskedName), .text(maskedName))) }
        if let maskedIDNumber { hg1.append((.int(Key.maskedIDNumber), .text(maskedIDNumber))) }
        if let test = nucleicAcidTest {
            hg1.append((.int(Key.nucleicAcidTest), .map([
                (.int(Key.sampledAt), .int(Int(test.sampledAt))),
                (.int(Key.result), .int(Self.results.firstIndex(of: test.result) ?? 0)),
            ])))
        }
        if let vaccination {
            var entry: [(CBORValue, CBORValue)] = [(.int(Key.doses), .int(vaccination.doses))]
            if let last = vaccination.lastDoseAt { entry.append((.int(Key.lastDoseAt), .int(Int(last)))) }
            if let series = vaccination.seriesDoses { entry.append((.int(Key.seriesDoses), .int(series))) }
            hg1.append((.int(Key.vaccination), .map(entry)))
        }
        if arrivedFromOutsideProvince { hg1.append((.int(Key.outsideProvince), .bool(true))) }
        return .map([
            (.int(CWTClaims.issuerKey), .text(issuer)),
            (.int(CWTClaims.expiresKey), .int(Int(expiresAt))),
            (.int(CWTClaims.issuedAtKey), .int(Int(issuedAt))),
            (.int(Self.claimKey), .map(hg1)),
        ])
    }

    /// Reads and checks the claims. Unknown keys are ignored (forward compatibility); a known key
    /// with the wrong type or an out-of-range value makes the code unreadable.
    public init(_ claims: CWTClaims) throws(HealthCodeParseError) {
        guard let issuer = claims.issuer, Self.isRegionCode(issuer) else { throw .claims("iss (1) must be a 6-digit GB/T 2260 code") }
        guard let iat = claims.issuedAt, let exp = claims.expiresAt else { throw .claims("iat (6) and exp (4) are mandatory") }
        // Whole seconds only: truncating 900.5 to 900 would let a code past the lifetime cap.
        guard iat.rounded(.towardZero) == iat, exp.rounded(.towardZero) == exp else {
            throw .claims("iat (6) and exp (4) must be whole seconds in HG1")
        }
        guard exp > iat else { throw .claims("exp is not after iat") }
        guard let hg1 = claims.map[intKey: Self.claimKey], case .map = hg1 else { throw .claims("HG1 map (-261) missing") }
        guard hg1[intKey: Key.version]?.int == Self.version else { throw .claims("HG1 version (1) must be 1") }
        guard let colourIndex = hg1[intKey: Key.colour]?.int, Self.colours.indices.contains(colourIndex) else {
            throw .claims("colour (2) must be 0, 1 or 2")
        }
        guard case .bytes(let subject)? = hg1[intKey: Key.subject], Self.subjectIDBytes.contains(subject.count) else {
            throw .claims("subject (3) must be 8 to 32 bytes")
        }
        self.issuer = issuer
        self.issuedAt = Int64(iat)
        self.expiresAt = Int64(exp)
        self.colour = Self.colours[colourIndex]
        self.subjectID = subject
        self.maskedName = try Self.maskedText(hg1[intKey: Key.maskedName], name: "masked name (4)", maxBytes: Self.maxMaskedNameBytes)
        self.maskedIDNumber = try Self.maskedText(hg1[intKey: Key.maskedIDNumber], name: "masked ID number (5)", maxBytes: Self.maxMaskedIDBytes)
        switch hg1[intKey: Key.nucleicAcidTest] {
        case nil: nucleicAcidTest = nil
        case let test?:
            guard case .map = test, let sampled = try CWTClaims.numericDate(test[intKey: Key.sampledAt], name: "sample time"),
                  let resultIndex = test[intKey: Key.result]?.int, Self.results.indices.contains(resultIndex) else {
                throw .claims("nucleic-acid test (6) must be {1: sample time, 2: 0|1}")
            }
            nucleicAcidTest = NucleicAcidTest(sampledAt: sampled, result: Self.results[resultIndex])
        }
        switch hg1[intKey: Key.vaccination] {
        case nil: vaccination = nil
        case let entry?:
            guard case .map = entry, let doses = entry[intKey: Key.doses]?.int, (0...20).contains(doses) else {
                throw .claims("vaccination (7) must hold doses (1) in 0...20")
            }
            let last = try CWTClaims.numericDate(entry[intKey: Key.lastDoseAt], name: "last dose")
            var series: Int?
            if let value = entry[intKey: Key.seriesDoses] {
                guard let n = value.int, (1...20).contains(n) else { throw .claims("series doses (3) must be in 1...20") }
                series = n
            }
            vaccination = Vaccination(doses: doses, seriesDoses: series, lastDoseAt: last)
        }
        switch hg1[intKey: Key.outsideProvince] {
        case nil: arrivedFromOutsideProvince = false
        case .bool(let flag)?: arrivedFromOutsideProvince = flag
        default: throw .claims("outside-province flag (8) must be a bool")
        }
    }

    private static func maskedText(_ value: CBORValue?, name: String, maxBytes: Int) throws(HealthCodeParseError) -> String? {
        switch value {
        case nil: return nil
        case .text(let text)? where text.utf8.count <= maxBytes && text.contains("*"):
            return text
        default:
            // A value without a mask could be raw personal data: refuse rather than log it.
            throw .claims("\(name) must be masked text of at most \(maxBytes) bytes")
        }
    }

    public func credential(keyID: String) -> HealthCredential {
        HealthCredential(format: .hg1, issuer: issuer, keyID: keyID, issuedAt: Double(issuedAt), expiresAt: Double(expiresAt),
                         colour: colour, subjectID: Hex.encode(subjectID), maskedName: maskedName, maskedIDNumber: maskedIDNumber,
                         nucleicAcidTest: nucleicAcidTest, vaccination: vaccination,
                         arrivedFromOutsideProvince: arrivedFromOutsideProvince)
    }
}
