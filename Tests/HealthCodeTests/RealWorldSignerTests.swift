import Foundation
import GateCore
import GateTooling
import HealthCode
import Testing

/// Issue 16, item 1: every document signer of the public EU test data loads, and its code verifies.
@Suite struct RealWorldSignerTests {
    struct Vector: Decodable {
        let SOURCE: String
        let PREFIX: String
        let CERTIFICATE: String
        let VALIDATIONCLOCK: String
        let DESCRIPTION: String?
        let EXPECTEDVERIFY: Bool?
        let EXPECTEDKEYUSAGE: Bool?
    }

    /// Every vector file, so a vector added to Vectors/ joins the count without editing this test.
    static let names: [String] = {
        guard let url = Bundle.module.url(forResource: "Vectors", withExtension: nil),
              let files = try? FileManager.default.contentsOfDirectory(atPath: url.path) else { return [] }
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }()

    /// The gate's own judgement where it is stricter than the source's: IS-1's DSC names only the test
    /// type in its (critical) extended key usage, so it may not sign the vaccination it carries.
    /// CY-1, FR-vaccin_ok and MK-1 were issued two to three days after their own validation clock (the gate allows a
    /// phone 60 s ahead, not days). GR-1's kid is an empty byte string and GE-1's (15 bytes) is not its DSC's, so
    /// no signer can be looked up. NO-1 holds five vaccination entries where the schema allows exactly one.
    static let expectedReasons: [String: [Reason]] = [
        "CO6": [.keyUsage], "IS-1": [.keyUsage],
        "CY-1": [.notYetValid], "FR-vaccin_ok": [.notYetValid], "MK-1": [.notYetValid],
        "GR-1": [.unreadable], "GE-1": [.unknownIssuer], "NO-1": [.unreadable],
    ]

    static func load(_ name: String) throws -> Vector {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Vectors"))
        return try JSONDecoder().decode(Vector.self, from: Data(contentsOf: url))
    }

    @Test func everyVectorsSignerLoadsAndItsCodeVerifiesAtItsValidationClock() throws {
        var loaded = 0
        var verified = 0
        var viaFallback: [String] = []
        for name in Self.names {
            let vector = try Self.load(name)
            let directory = try TrustDirectory()
            defer { directory.remove() }
            try directory.write("dsc.pem", "-----BEGIN CERTIFICATE-----\n\(vector.CERTIFICATE)\n-----END CERTIFICATE-----\n")
            let store = TrustStore(directory: directory.path)
            #expect(store.problems == [], "\(name)")
            #expect(store.keyCount == 1, "\(name): \(store.problems)")
            if store.keyCount == 1 { loaded += 1 }
            if !store.notices.isEmpty { viaFallback.append(name) }
            // A few clocks (NL, VA) name no zone: read as UTC.
            let now = try #require(ISO8601.parse(vector.VALIDATIONCLOCK) ?? ISO8601.parse(vector.VALIDATIONCLOCK + "Z"),
                                   "\(name): \(vector.VALIDATIONCLOCK)")
            let verdict = CodeVerifier(trustStore: store).verify(payload: Array(vector.PREFIX.utf8), clock: syncedClock(now))
            let expected = Self.expectedReasons[name] ?? []
            #expect(verdict.reasons == expected, "\(name) (\(vector.DESCRIPTION ?? "no description")): \(verdict.reasons) \(verdict.detail)")
            if verdict.reasons == expected { verified += 1 }
        }
        print("DSC load: \(loaded) of \(Self.names.count) vectors' signer certificates loaded (\(viaFallback.count) by the TBSCertificate fallback: \(viaFallback.joined(separator: ", "))); \(verified) verified as expected")
        #expect(Self.names.count >= 45, "one vector per country folder of the test data that has a usable case")
        #expect(loaded == Self.names.count)
        #expect(verified == Self.names.count)
    }

    /// These failed as "certificate 1 does not parse" before the fallback; the fallback must say what it skipped.
    @Test(arguments: ["DE-1", "LT-1", "LU-V"])
    func pssSignedSignersLoadWithANotice(name: String) throws {
        let vector = try Self.load(name)
        let directory = try TrustDirectory()
        defer { directory.remove() }
        try directory.write("dsc.pem", "-----BEGIN CERTIFICATE-----\n\(vector.CERTIFICATE)\n-----END CERTIFICATE-----\n")
        let store = TrustStore(directory: directory.path)
        #expect(store.keyCount == 1)
        #expect(store.notices.count == 1)
        #expect(store.notices.first?.message.contains("1.2.840.113549.1.1.10") == true, "RSASSA-PSS named: \(store.notices)")
    }

    @Test func theFallbackReadsValidityAndKeyUsage() throws {
        // AE's DSC: EKU t, v, r; notAfter 2023-10-06T12:38:14Z.
        let vector = try Self.load("AE-V")
        let directory = try TrustDirectory()
        defer { directory.remove() }
        try directory.write("dsc.pem", "-----BEGIN CERTIFICATE-----\n\(vector.CERTIFICATE)\n-----END CERTIFICATE-----\n")
        let store = TrustStore(directory: directory.path)
        #expect(store.nearestExpiry == 1_696_595_894)
        let is1 = try Self.load("IS-1")
        try directory.write("dsc.pem", "-----BEGIN CERTIFICATE-----\n\(is1.CERTIFICATE)\n-----END CERTIFICATE-----\n")
        store.reload()
        #expect(store.keyCount == 1)
        #expect(store.nearestExpiry == 1_683_322_360)  // 2023-05-05T21:32:40Z
    }

    @Test func aCertificateWhoseKeyCannotBeReadIsStillRefusedWhole() throws {
        let directory = try TrustDirectory()
        defer { directory.remove() }
        // A SEQUENCE of garbage: neither swift-certificates nor the fallback reads it; the file holds no key.
        try directory.write("dsc.pem", "-----BEGIN CERTIFICATE-----\nMAYCAQECAQI=\n-----END CERTIFICATE-----\n")
        let store = TrustStore(directory: directory.path)
        #expect(store.keyCount == 0)
        #expect(store.problems.first?.message.contains("does not parse") == true)
    }

    /// `"t": null` next to a `"v"` entry (Bulgarian certificates) means no test entry, not a malformed DCC.
    @Test func nullEntryListsMeanAbsent() throws {
        let directory = try TrustDirectory()
        defer { directory.remove() }
        let signer = try HC1Signer(.es256)
        try directory.add(signer)
        let now = 1_764_400_000.0
        var claims = HC1Signer.claims(iat: Int(now) - 3600, exp: Int(now) + 86_400, type: "v",
                                      entry: HC1Signer.vaccination(doses: 2, series: 2, date: "2021-06-01"))
        if case .map(var top) = claims, case .map(let hcert) = top[3].1, case .map(var dgc) = hcert[0].1 {
            dgc.append((.text("t"), .null))
            dgc.append((.text("r"), .null))
            top[3] = (.int(-260), .map([(.int(1), .map(dgc))]))
            claims = .map(top)
        }
        let verdict = CodeVerifier(trustStore: TrustStore(directory: directory.path))
            .verify(payload: Array(try signer.payload(claims: claims).utf8), clock: syncedClock(now))
        #expect(verdict.reasons == [], "\(verdict.detail)")
        #expect(verdict.credential?.vaccination?.doses == 2)
    }
}
