import Crypto
import GateCore

/// The certificate types of the EU DCC, as the signer's extended key usage names them.
public enum HC1CertificateType: String, Sendable, CaseIterable {
    case test = "t", vaccination = "v", recovery = "r"

    /// OIDs from eu-dcc-hcert-spec §5.1.1, and the `1.3.6.1.4.1.0.1847…` spelling the public
    /// dgc-testdata signer certificates carry.
    static let keyUsageOIDs: [String: HC1CertificateType] = {
        var table: [String: HC1CertificateType] = [:]
        for root in ["1.3.6.1.4.1.1847.2021.1", "1.3.6.1.4.1.0.1847.2021.1"] {
            table[root + ".1"] = .test
            table[root + ".2"] = .vaccination
            table[root + ".3"] = .recovery
        }
        return table
    }()
}

/// The parts of an EU DCC (hcert claim -260 → 1) the gate uses. Personal data is reduced to a
/// masked name and a one-way pseudonym as soon as it is read.
public struct HC1Certificate: Sendable, Equatable {
    public static let hcertClaimKey = -260
    /// SNOMED CT / LOINC values from the DCC value sets.
    /// A dose number: an integer as the schema says, or its decimal digits as text (Georgia's certificates carry
    /// `"dn": "1"`); anything else is absent.
    static func doseCount(_ value: CBORValue?) -> Int? {
        if let number = value?.int { return number }
        guard let text = value.flatMap(Self.text), (1...2).contains(text.utf8.count), text.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              let number = Int(text) else { return nil }
        return number
    }

    static let naatTestType = "LP6464-4"
    static let negativeResult = "260415000"
    static let positiveResult = "260373001"

    public var type: HC1CertificateType
    public var issuer: String
    public var issuedAt: EpochSeconds?
    public var expiresAt: EpochSeconds?
    public var subjectID: String
    public var maskedName: String
    public var nucleicAcidTest: NucleicAcidTest?
    public var vaccination: Vaccination?
    /// The entry's UCI (`ci`) and issuing country (`co`), for the revocation lookup only: never logged.
    public var uci: String?
    public var country: String?

    /// `subjectKey` keys the subject pseudonym (the daemon always has one); without it the pseudonym is an
    /// unkeyed SHA-256, enumerable, for tools only.
    public init(_ claims: CWTClaims, subjectKey: SubjectKey? = nil) throws(HealthCodeParseError) {
        guard let hcert = claims.map[intKey: Self.hcertClaimKey], let dgc = hcert[intKey: 1], case .map = dgc else {
            throw .claims("hcert (-260) → 1 missing")
        }
        guard case .map(let nameMap)? = dgc[.text("nam")] else { throw .claims("nam missing") }
        let name = CBORValue.map(nameMap)
        let familyName = name[.text("fnt")].flatMap(Self.text) ?? name[.text("fn")].flatMap(Self.text)
        let givenName = name[.text("gnt")].flatMap(Self.text) ?? name[.text("gn")].flatMap(Self.text)
        guard let dateOfBirth = dgc[.text("dob")].flatMap(Self.text) else { throw .claims("dob missing") }
        guard familyName != nil || givenName != nil else { throw .claims("nam has neither a family nor a given name") }

        var entries: [(HC1CertificateType, CBORValue)] = []
        for type in HC1CertificateType.allCases {
            switch dgc[.text(type.rawValue)] {
            // `"t": null` (seen in Bulgarian certificates) means absent, as a missing key does.
            case nil, .null?: continue
            case .array(let list)?:
                entries += list.map { (type, $0) }
            default: throw .claims("\(type.rawValue) is not an array")
            }
        }
        // The specification allows exactly one entry in one of v, t, r.
        guard entries.count == 1, let (type, entry) = entries.first, case .map = entry else {
            throw .claims("a DCC holds exactly one v, t or r entry")
        }
        self.type = type
        self.issuer = claims.issuer ?? (entry[.text("co")].flatMap(Self.text) ?? "")
        self.issuedAt = claims.issuedAt
        self.expiresAt = claims.expiresAt
        let standardisedName = (familyName ?? "") + "<<" + (givenName ?? "")
        let person = dateOfBirth + "|" + standardisedName + "|" + issuer
        self.subjectID = subjectKey?.pseudonym(of: person) ?? Hex.encode(SHA256.hash(data: Array(person.utf8)).prefix(16))
        self.maskedName = (familyName ?? givenName ?? "").first.map { "\($0)*" } ?? "*"
        self.nucleicAcidTest = nil
        self.vaccination = nil
        self.uci = entry[.text("ci")].flatMap(Self.text)
        self.country = entry[.text("co")].flatMap(Self.text)
        switch type {
        case .test:
            // Only a NAAT with a readable sample time and result becomes a nucleic-acid test; anything
            // else (a rapid antigen test, a pre-1.0 integer `sc`) leaves it absent, so the venue rules
            // treat the holder as having no nucleic-acid test rather than admitting on a guess.
            guard entry[.text("tt")].flatMap(Self.text) == Self.naatTestType,
                  let sampled = entry[.text("sc")].flatMap(Self.text).flatMap(ISO8601.parse) else { break }
            switch entry[.text("tr")].flatMap(Self.text) {
            case Self.negativeResult?: nucleicAcidTest = NucleicAcidTest(sampledAt: sampled, result: .negative)
            case Self.positiveResult?: nucleicAcidTest = NucleicAcidTest(sampledAt: sampled, result: .positive)
            default: break
            }
        case .vaccination:
            guard let doses = Self.doseCount(entry[.text("dn")]), (0...20).contains(doses),
                  let series = Self.doseCount(entry[.text("sd")]), (1...20).contains(series) else { throw .claims("v.dn / v.sd missing or out of range") }
            let last = entry[.text("dt")].flatMap(Self.text).flatMap(ISO8601.parse)
            vaccination = Vaccination(doses: doses, seriesDoses: series, lastDoseAt: last)
        case .recovery:
            break
        }
    }

    private static func text(_ value: CBORValue) -> String? {
        if case .text(let text) = value { return text }
        return nil
    }

    /// A valid DCC is green: the DCC carries no colour, the venue rules judge test and vaccination.
    public func credential(keyID: String) -> HealthCredential {
        HealthCredential(format: .hc1, issuer: issuer, keyID: keyID, issuedAt: issuedAt, expiresAt: expiresAt, colour: .green,
                         subjectID: subjectID, maskedName: maskedName, nucleicAcidTest: nucleicAcidTest,
                         vaccination: vaccination)
    }
}
