import Crypto
import Foundation
import GateCore
import GateTooling
import HealthCode
import Testing

/// Issue 16, item 3: signed county bundles (docs/codes.md, "Bundles").
@Suite struct BundleTests {
    static let now = 1_764_400_000.0
    let county = P256.Signing.PrivateKey()

    func bundle(version: Int = 3, keys: [HG1IssuerKey] = [], lists: [[UInt8]] = []) -> CountyBundle {
        CountyBundle(version: version, createdAt: Int(Self.now) - 600, issuer: "county test",
                     hg1Keys: keys.map { .init(region: $0.region, publicKeyInfo: Array($0.privateKey.publicKey.derRepresentation)) },
                     revocationLists: lists,
                     rules: RuleOverrides(nucleicAcidScope: .outsideProvince, nucleicAcidMaxAgeHours: 48), riskRegions: ["440305", "4403"])
    }

    @Test func aSignedBundleRoundTripsWithEveryPart() throws {
        let issuer = try HG1IssuerKey(region: "110105")
        let signer = try HC1Signer(.es256)
        var original = bundle(keys: [issuer], lists: [RevocationList.encode([(.hg1Subject, [], [RevocationKind.hash([1])])])])
        original.signerCertificates = [signer.certificateDER]
        let verified = try VerifiedBundle(bytes: try original.signed(with: county), countyKey: county.publicKey)
        #expect(verified.bundle == original)
        #expect(verified.keys.count == 2)
        #expect(verified.lists.first?.entryCount == 1)
        #expect(verified.digest.count == 64)
        #expect(verified.bundle.rules == RuleOverrides(nucleicAcidScope: .outsideProvince, nucleicAcidMaxAgeHours: 48))
    }

    @Test func aBundleKeyVerifiesCodesAndItsListRevokesThem() throws {
        let issuer = try HG1IssuerKey(region: "110105")
        let claims = HG1Claims(issuer: "110105", issuedAt: Int64(Self.now) - 30, expiresAt: Int64(Self.now) + 270, colour: .green,
                               subjectID: [UInt8](repeating: 7, count: 16), maskedName: "张*", maskedIDNumber: nil,
                               nucleicAcidTest: nil, vaccination: nil, arrivedFromOutsideProvince: false)
        let payload = try issuer.sign(claims).bytes
        let verifier = CodeVerifier(trustStore: TrustStore(directory: "/nonexistent/healthgate-trust"))
        #expect(verifier.verify(payload: payload, clock: syncedClock(Self.now)).reasons == [.unknownIssuer])

        let rotated = try VerifiedBundle(bytes: try bundle(keys: [issuer]).signed(with: county), countyKey: county.publicKey)
        verifier.trustStore.setBundleKeys(rotated.keys)
        verifier.revocation.setBundleLists(rotated.lists)
        #expect(verifier.verify(payload: payload, clock: syncedClock(Self.now)).reasons == [], "the key arrived by bundle")

        let revoking = try VerifiedBundle(bytes: try bundle(version: 4, keys: [issuer], lists: [
            RevocationList.encode([(.hg1Subject, [], [RevocationKind.hash([UInt8](repeating: 7, count: 16))])]),
        ]).signed(with: county), countyKey: county.publicKey)
        verifier.revocation.setBundleLists(revoking.lists)
        #expect(verifier.verify(payload: payload, clock: syncedClock(Self.now)).reasons == [.revoked])
    }

    @Test func aBundleSignedByAnotherKeyIsRefused() throws {
        let other = P256.Signing.PrivateKey()
        #expect {
            try VerifiedBundle(bytes: try bundle().signed(with: other), countyKey: county.publicKey)
        } throws: { ($0 as? BundleError)?.message.contains("not the pinned county key") == true }
    }

    @Test func aTamperedBundleIsRefusedAsABadSignature() throws {
        var bytes = try bundle().signed(with: county)
        // The issuer text "county test" sits in the payload: change one of its letters.
        let index = try #require(bytes.firstIndex(of: UInt8(ascii: "y")))
        bytes[index] = UInt8(ascii: "Y")
        #expect {
            try VerifiedBundle(bytes: bytes, countyKey: county.publicKey)
        } throws: { ($0 as? BundleError)?.message.contains("bad signature") == true }
    }

    @Test(arguments: [
        ("rules", CBORValue.map([(.text("nucleic_acid_max_age_h"), .int(36))]), "24, 48 or 72"),
        ("rules", CBORValue.map([(.text("colour"), .text("green"))]), "unknown or mistyped key"),
        ("format", CBORValue.int(2), "format 2"),
        ("revocation", CBORValue.array([.bytes([1, 2, 3])]), "revocation[0]"),
        ("dsc", CBORValue.array([.bytes([0x30, 0x03, 0x02, 0x01, 0x01])]), "does not parse"),
    ])
    func aMalformedPartRefusesTheWholeBundle(field: String, value: CBORValue, message: String) throws {
        guard case .map(var pairs) = try CBORReader.decode(bundle().payload) else { Issue.record("not a map"); return }
        pairs.removeAll { $0.0 == .text(field) }
        pairs.append((.text(field), value))
        let payload = CBORWriter.encode(.map(pairs))
        let protected = CBORWriter.encode(.map([(.int(1), .int(-7)), (.int(4), .bytes(CountyBundle.keyID(of: county.publicKey)))]))
        let signature = try county.signature(for: COSESign1.signedBytes(protectedBytes: protected, payload: payload)).rawRepresentation
        let file = CBORWriter.encode(.tagged(18, .array([.bytes(protected), .map([]), .bytes(payload), .bytes(Array(signature))])))
        #expect {
            try VerifiedBundle(bytes: file, countyKey: county.publicKey)
        } throws: { error in
            let text = (error as? BundleError)?.message ?? "\(error)"
            return text.contains(message)
        }
    }
}
