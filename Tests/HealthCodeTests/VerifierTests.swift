import Foundation
import GateCore
import HealthCode
import Testing

/// End-to-end verification through a real trust-store directory (temporary files, no fakes).
@Suite struct HG1VerifierTests {
    static let now = 1_764_400_000.0
    let key: HG1IssuerKey
    let directory: TrustDirectory
    let verifier: CodeVerifier

    init() throws {
        key = try HG1IssuerKey(region: "110105")
        directory = try TrustDirectory()
        try directory.add(key)
        verifier = CodeVerifier(trustStore: TrustStore(directory: directory.path))
    }

    func claims(iat: Double = now - 30, ttl: Int64 = 300, colour: CodeColour = .green, region: String = "110105") -> HG1Claims {
        HG1Claims(issuer: region, issuedAt: Int64(iat), expiresAt: Int64(iat) + ttl, colour: colour, subjectID: Array(repeating: 0xA5, count: 16),
                  maskedName: "张*", maskedIDNumber: "110105********123X",
                  nucleicAcidTest: NucleicAcidTest(sampledAt: Self.now - 20 * 3600, result: .negative),
                  vaccination: Vaccination(doses: 3, seriesDoses: 2, lastDoseAt: 1_650_000_000), arrivedFromOutsideProvince: true)
    }

    @Test(arguments: CodeColour.allCases)
    func validCodeCarriesEveryClaim(colour: CodeColour) throws {
        defer { directory.remove() }
        let payload = try key.sign(claims(colour: colour))
        let verdict = verifier.verify(payload: payload.bytes, clock: syncedClock(Self.now))
        #expect(verdict.reasons == [])
        #expect(verdict.isValid)
        #expect(verdict.format == .hg1)
        #expect(verdict.keyID == key.keyIDHex)
        #expect(verdict.fingerprint.count == 64)
        let expected = HealthCredential(format: .hg1, issuer: "110105", keyID: key.keyIDHex, issuedAt: Self.now - 30, expiresAt: Self.now + 270,
                                        colour: colour, subjectID: String(repeating: "a5", count: 16), maskedName: "张*",
                                        maskedIDNumber: "110105********123X",
                                        nucleicAcidTest: NucleicAcidTest(sampledAt: Self.now - 20 * 3600, result: .negative),
                                        vaccination: Vaccination(doses: 3, seriesDoses: 2, lastDoseAt: 1_650_000_000),
                                        arrivedFromOutsideProvince: true)
        #expect(verdict.credential == expected)
    }

    @Test func minimalCodeHasOnlyMandatoryClaims() throws {
        defer { directory.remove() }
        let minimal = HG1Claims(issuer: "110105", issuedAt: Int64(Self.now), expiresAt: Int64(Self.now) + 120, colour: .yellow, subjectID: Array(0..<8))
        let verdict = verifier.verify(payload: try key.sign(minimal).bytes, clock: syncedClock(Self.now))
        #expect(verdict.isValid)
        #expect(verdict.credential?.maskedName == nil)
        #expect(verdict.credential?.nucleicAcidTest == nil)
        #expect(verdict.credential?.arrivedFromOutsideProvince == false)
    }

    @Test(arguments: [
        ("", Reason.unsupportedFormat), ("HX1:ABC", .unsupportedFormat), ("https://example.org/code", .unsupportedFormat),
        ("HG1:", .unreadable), ("HG1:~~~", .unreadable), ("HG1:ABC", .unreadable), ("HC1:NCF", .unreadable),
    ])
    func refusesMalformedPayloads(text: String, reason: Reason) {
        defer { directory.remove() }
        let verdict = verifier.verify(payload: text.bytes, clock: syncedClock(Self.now))
        #expect(verdict.reasons == [reason])
        #expect(verdict.credential == nil)
    }

    @Test func refusesOversizedPayload() {
        defer { directory.remove() }
        let verdict = verifier.verify(payload: "HG1:".bytes + [UInt8](repeating: 0x41, count: 100_000), clock: syncedClock(Self.now))
        #expect(verdict.reasons == [.unreadable])
    }

    @Test func refusesTruncatedZlibInsideTheEnvelope() throws {
        defer { directory.remove() }
        let cose = try key.signCOSE(claims())
        let truncated = "HG1:" + Base45.encodeString(Zlib.deflate(cose).dropLast(5))
        let verdict = verifier.verify(payload: truncated.bytes, clock: syncedClock(Self.now))
        #expect(verdict.reasons == [.unreadable])
        #expect(verdict.detail.contains("zlib"))
    }

    @Test func refusesATamperedSignature() throws {
        defer { directory.remove() }
        var cose = try key.signCOSE(claims())
        cose[cose.count - 1] ^= 0x01
        let verdict = verifier.verify(payload: Envelope.seal(prefix: "HG1:", cose: cose).bytes, clock: syncedClock(Self.now))
        #expect(verdict.reasons == [.badSignature])
        #expect(verdict.credential == nil)
    }

    @Test func theSameSignedCodeReEncodedHasTheSameFingerprint() throws {
        // Anti-passback keys on the fingerprint: re-encoding a screenshot (an added unprotected header,
        // another zlib level) must not make it a new code.
        defer { directory.remove() }
        let cose = try key.signCOSE(claims())
        guard case .tagged(18, .array(let parts)) = try CBORReader.decode(cose) else { Issue.record("not COSE"); return }
        let padded = CBORWriter.encode(.tagged(18, .array([parts[0], .map([(.int(99), .text("padding"))]), parts[2], parts[3]])))
        let original = verifier.verify(payload: Envelope.seal(prefix: "HG1:", cose: cose).bytes, clock: syncedClock(Self.now))
        let reEncoded = verifier.verify(payload: Envelope.seal(prefix: "HG1:", cose: padded).bytes, clock: syncedClock(Self.now))
        #expect(original.isValid && reEncoded.isValid)
        #expect(Envelope.seal(prefix: "HG1:", cose: cose) != Envelope.seal(prefix: "HG1:", cose: padded))
        #expect(original.fingerprint == reEncoded.fingerprint)
        #expect(CodeVerifier.fingerprint(of: Envelope.seal(prefix: "HG1:", cose: padded).bytes) == original.fingerprint)
        // Different claims are a different code.
        let other = verifier.verify(payload: try key.sign(claims(colour: .red)).bytes, clock: syncedClock(Self.now))
        #expect(other.fingerprint != original.fingerprint)
    }

    @Test func refusesTamperedClaims() throws {
        defer { directory.remove() }
        // Re-sign red claims with another key but keep the trusted key's kid: signed by the wrong key.
        let forger = try HG1IssuerKey(region: "110105")
        let forged = try forger.signCOSE(claims(colour: .green))
        guard case .tagged(18, .array(let parts)) = try CBORReader.decode(forged) else { Issue.record("not COSE"); return }
        let cose = CBORWriter.encode(.tagged(18, .array([.bytes(key.protectedHeader), parts[1], parts[2], parts[3]])))
        let verdict = verifier.verify(payload: Envelope.seal(prefix: "HG1:", cose: cose).bytes, clock: syncedClock(Self.now))
        #expect(verdict.reasons == [.badSignature])
    }

    @Test func refusesAnUnknownIssuerWithItsKid() throws {
        defer { directory.remove() }
        let stranger = try HG1IssuerKey(region: "440305")
        let verdict = verifier.verify(payload: try stranger.sign(claims(region: "440305")).bytes, clock: syncedClock(Self.now))
        #expect(verdict.reasons == [.unknownIssuer])
        #expect(verdict.keyID == stranger.keyIDHex)
        #expect(verdict.detail.contains(stranger.keyIDHex))
    }

    @Test func refusesAKeyUsedOutsideItsRegion() throws {
        defer { directory.remove() }
        let verdict = verifier.verify(payload: try key.sign(claims(region: "310101")).bytes, clock: syncedClock(Self.now))
        #expect(verdict.reasons == [.keyUsage])
    }

    @Test func validityWindow() throws {
        defer { directory.remove() }
        let expired = verifier.verify(payload: try key.sign(claims(iat: Self.now - 600)).bytes, clock: syncedClock(Self.now))
        #expect(expired.reasons == [.expired])
        #expect(expired.credential != nil, "an authentic expired code still says whose it was")
        let future = verifier.verify(payload: try key.sign(claims(iat: Self.now + 600)).bytes, clock: syncedClock(Self.now))
        #expect(future.reasons == [.notYetValid])
        let slightlyAhead = verifier.verify(payload: try key.sign(claims(iat: Self.now + 30)).bytes, clock: syncedClock(Self.now))
        #expect(slightlyAhead.isValid, "30 s of phone clock lead is tolerated")
    }

    @Test func unsyncedClockUnderBothPolicies() throws {
        defer { directory.remove() }
        let expired = try key.sign(claims(iat: Self.now - 600)).bytes
        let unsynced = ClockReading(now: Self.now, synchronised: false)
        let refusing = verifier.verify(payload: expired, clock: unsynced)
        #expect(refusing.reasons == [.clockUnsynced])
        let lenient = CodeVerifier(trustStore: verifier.trustStore, configuration: VerifierConfiguration(unsyncedClockPolicy: .ignoreValidity))
        let admitted = lenient.verify(payload: expired, clock: unsynced)
        #expect(admitted.isValid)
        #expect(admitted.detail.contains("clock_unsynced"))
    }

    @Test func refusesALongLivedCode() throws {
        defer { directory.remove() }
        let verdict = verifier.verify(payload: try key.sign(claims(ttl: 7 * 86_400)).bytes, clock: syncedClock(Self.now))
        #expect(verdict.reasons == [.unreadable])
    }

    @Test func refusesUnmaskedPersonalData() throws {
        defer { directory.remove() }
        var raw = claims()
        raw.maskedIDNumber = "110105199001011234"
        let verdict = verifier.verify(payload: try key.sign(raw).bytes, clock: syncedClock(Self.now))
        #expect(verdict.reasons == [.unreadable])
        #expect(!verdict.detail.contains("110105199001011234"))
    }

    @Test func refusesWrongClaimTypes() throws {
        defer { directory.remove() }
        // Colour as text instead of an unsigned integer, signed correctly.
        let cwt: CBORValue = .map([(.int(1), .text("110105")), (.int(4), .int(Int(Self.now) + 60)), (.int(6), .int(Int(Self.now))),
                                   (.int(-261), .map([(.int(1), .int(1)), (.int(2), .text("green")), (.int(3), .bytes(Array(0..<8)))]))])
        let body = CBORWriter.encode(cwt)
        let signature = try key.privateKey.signature(for: COSESign1.signedBytes(protectedBytes: key.protectedHeader, payload: body)).rawRepresentation
        let cose = CBORWriter.encode(.tagged(18, .array([.bytes(key.protectedHeader), .map([]), .bytes(body), .bytes(Array(signature))])))
        let verdict = verifier.verify(payload: Envelope.seal(prefix: "HG1:", cose: cose).bytes, clock: syncedClock(Self.now))
        #expect(verdict.reasons == [.unreadable])
        #expect(verdict.detail.contains("colour"))
    }

    @Test func neverCrashesOnMutations() throws {
        defer { directory.remove() }
        var generator = SystemRandomNumberGenerator()
        let valid = try key.sign(claims()).bytes
        for _ in 0..<500 {
            var mutated = valid
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 4..<mutated.count, using: &generator)
                mutated[index] = Base45Alphabet.random(using: &generator)
            }
            let verdict = verifier.verify(payload: mutated, clock: syncedClock(Self.now))
            // A mutated payload is either refused or (if the mutation hit nothing signed) still the same valid code.
            #expect(!verdict.reasons.isEmpty || mutated == valid || verdict.credential?.subjectID == String(repeating: "a5", count: 16))
        }
    }
}

enum Base45Alphabet {
    static let characters = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".utf8)
    static func random(using generator: inout some RandomNumberGenerator) -> UInt8 { characters.randomElement(using: &generator) ?? 0x30 }
}

@Suite struct HC1VerifierTests {
    static let now = 1_764_400_000.0
    static let iat = Int(now) - 3600
    static let exp = Int(now) + 86_400

    @Test func naatTestMapsOntoNucleicAcidFields() throws {
        let directory = try TrustDirectory()
        defer { directory.remove() }
        let signer = try HC1Signer(.es256, keyUsages: [HC1Signer.testUsage])
        try directory.add(signer)
        let payload = try signer.payload(claims: HC1Signer.claims(iat: Self.iat, exp: Self.exp, type: "t",
                                                                 entry: HC1Signer.naatTest(sampled: "2025-11-28T08:00:00+01:00", result: "260415000")))
        let verdict = CodeVerifier(trustStore: TrustStore(directory: directory.path)).verify(payload: payload.bytes, clock: syncedClock(Self.now))
        #expect(verdict.reasons == [])
        let credential = try #require(verdict.credential)
        #expect(credential.format == .hc1)
        #expect(credential.colour == .green)
        #expect(credential.issuer == "XX")
        #expect(credential.nucleicAcidTest == NucleicAcidTest(sampledAt: 1_764_313_200, result: .negative))
        #expect(credential.maskedName == "M*")
        #expect(credential.subjectID.count == 32)
        #expect(!verdict.detail.contains("MUSTERFRAU") && !credential.subjectID.contains("MUSTER"))
    }

    @Test func ps256VaccinationMapsOntoVaccination() throws {
        let directory = try TrustDirectory()
        defer { directory.remove() }
        let signer = try HC1Signer(.ps256)
        try directory.add(signer)
        let payload = try signer.payload(claims: HC1Signer.claims(iat: Self.iat, exp: Self.exp, type: "v", entry: HC1Signer.vaccination(doses: 2, series: 2, date: "2021-06-01")))
        let verdict = CodeVerifier(trustStore: TrustStore(directory: directory.path)).verify(payload: payload.bytes, clock: syncedClock(Self.now))
        #expect(verdict.reasons == [])
        #expect(verdict.credential?.vaccination == Vaccination(doses: 2, seriesDoses: 2, lastDoseAt: 1_622_505_600))
        #expect(verdict.credential?.nucleicAcidTest == nil)
    }

    @Test func positiveTestIsReadAsPositive() throws {
        let directory = try TrustDirectory()
        defer { directory.remove() }
        let signer = try HC1Signer(.es256)
        try directory.add(signer)
        let payload = try signer.payload(claims: HC1Signer.claims(iat: Self.iat, exp: Self.exp, type: "t", entry: HC1Signer.naatTest(sampled: "2025-11-28T08:00:00Z", result: "260373001")))
        let verdict = CodeVerifier(trustStore: TrustStore(directory: directory.path)).verify(payload: payload.bytes, clock: syncedClock(Self.now))
        #expect(verdict.credential?.nucleicAcidTest?.result == .positive)
        #expect(verdict.reasons == [], "the result is the policy's business, not a verification failure")
    }

    /// A P-384 signer (Spain's test data) verifies under ES384 and under the ES256 label; a tampered code does not,
    /// and the DCC signature revocation hash covers r, the first half of its 96-byte signature.
    @Test(arguments: [HC1Signer.Algorithm.es384, .es256P384])
    func p384SignersVerify(algorithm: HC1Signer.Algorithm) throws {
        let directory = try TrustDirectory()
        defer { directory.remove() }
        let signer = try HC1Signer(algorithm)
        try directory.add(signer)
        let store = TrustStore(directory: directory.path)
        #expect(store.keyCount == 1 && store.problems.isEmpty, "\(store.problems)")
        let payload = try signer.payload(claims: HC1Signer.claims(iat: Self.iat, exp: Self.exp, type: "v", entry: HC1Signer.vaccination(doses: 2, series: 2, date: "2021-06-01")))
        let verdict = CodeVerifier(trustStore: store).verify(payload: payload.bytes, clock: syncedClock(Self.now))
        #expect(verdict.reasons == [], "\(verdict.detail)")
        let other = try HC1Signer(algorithm)
        let forged = try other.payload(claims: HC1Signer.claims(iat: Self.iat, exp: Self.exp, type: "v", entry: HC1Signer.vaccination(doses: 2, series: 2, date: "2021-06-01")),
                                       kid: signer.keyID)
        #expect(CodeVerifier(trustStore: store).verify(payload: forged.bytes, clock: syncedClock(Self.now)).reasons == [.badSignature])
    }

    @Test func aCodeIsValidThroughItsExpSecond() throws {
        let directory = try TrustDirectory()
        defer { directory.remove() }
        let signer = try HC1Signer(.es256)
        try directory.add(signer)
        let payload = try signer.payload(claims: HC1Signer.claims(iat: Self.iat, exp: Self.exp, type: "v", entry: HC1Signer.vaccination(doses: 2, series: 2, date: "2021-06-01")))
        let verifier = CodeVerifier(trustStore: TrustStore(directory: directory.path))
        #expect(verifier.verify(payload: payload.bytes, clock: syncedClock(Double(Self.exp))).reasons == [])
        #expect(verifier.verify(payload: payload.bytes, clock: syncedClock(Double(Self.exp) + 0.999)).reasons == [])
        #expect(verifier.verify(payload: payload.bytes, clock: syncedClock(Double(Self.exp) + 1)).reasons == [.expired])
    }

    @Test func keyUsageRestrictsTheSigner() throws {
        let directory = try TrustDirectory()
        defer { directory.remove() }
        let testOnly = try HC1Signer(.es256, keyUsages: [HC1Signer.testUsage])
        try directory.add(testOnly)
        let payload = try testOnly.payload(claims: HC1Signer.claims(iat: Self.iat, exp: Self.exp, type: "v", entry: HC1Signer.vaccination(doses: 1, series: 2, date: "2021-06-01")))
        let verdict = CodeVerifier(trustStore: TrustStore(directory: directory.path)).verify(payload: payload.bytes, clock: syncedClock(Self.now))
        #expect(verdict.reasons == [.keyUsage])
    }

    @Test(arguments: [HC1Signer.Algorithm.es256, .ps256])
    func kidOnlyInTheUnprotectedHeader(algorithm: HC1Signer.Algorithm) throws {
        let directory = try TrustDirectory()
        defer { directory.remove() }
        let signer = try HC1Signer(algorithm, keyUsages: [HC1Signer.vaccinationUsage])
        try directory.add(signer)
        let payload = try signer.payload(claims: HC1Signer.claims(iat: Self.iat, exp: Self.exp, type: "v", entry: HC1Signer.vaccination(doses: 2, series: 2, date: "2021-06-01")),
                                         kidInProtected: false)
        let verdict = CodeVerifier(trustStore: TrustStore(directory: directory.path)).verify(payload: payload.bytes, clock: syncedClock(Self.now))
        #expect(verdict.reasons == [])
        #expect(verdict.keyID == signer.keyID.map { String(format: "%02x", $0) }.joined())
    }

    @Test func wrongKeyUnderAKnownKid() throws {
        let directory = try TrustDirectory()
        defer { directory.remove() }
        let trusted = try HC1Signer(.es256)
        let attacker = try HC1Signer(.es256)
        try directory.add(trusted)
        let payload = try attacker.payload(claims: HC1Signer.claims(iat: Self.iat, exp: Self.exp, type: "v", entry: HC1Signer.vaccination(doses: 2, series: 2, date: "2021-06-01")),
                                           kid: trusted.keyID)
        let verdict = CodeVerifier(trustStore: TrustStore(directory: directory.path)).verify(payload: payload.bytes, clock: syncedClock(Self.now))
        #expect(verdict.reasons == [.badSignature])
    }

    @Test func twoEntriesAreUnreadable() throws {
        let directory = try TrustDirectory()
        defer { directory.remove() }
        let signer = try HC1Signer(.es256)
        try directory.add(signer)
        let entry = CBORValue.map(HC1Signer.vaccination(doses: 2, series: 2, date: "2021-06-01").map { (.text($0.0), $0.1) })
        var claims = HC1Signer.claims(iat: Self.iat, exp: Self.exp, type: "v", entry: HC1Signer.vaccination(doses: 2, series: 2, date: "2021-06-01"))
        if case .map(var top) = claims, case .map(let hcert) = top[3].1, case .map(var dgc) = hcert[0].1 {
            dgc[3] = (.text("v"), .array([entry, entry]))
            top[3] = (.int(-260), .map([(.int(1), .map(dgc))]))
            claims = .map(top)
        }
        let verdict = CodeVerifier(trustStore: TrustStore(directory: directory.path)).verify(payload: try signer.payload(claims: claims).bytes, clock: syncedClock(Self.now))
        #expect(verdict.reasons == [.unreadable])
    }
}

/// Public test vectors from eu-digital-green-certificates/dgc-testdata (see each file's SOURCE).
@Suite struct DGCTestDataTests {
    struct Vector: Decodable {
        let PREFIX: String
        let CERTIFICATE: String
        let VALIDATIONCLOCK: String
        let DESCRIPTION: String
        let EXPECTEDVERIFY: Bool
        let EXPECTEDKEYUSAGE: Bool
    }

    static func load(_ name: String) throws -> Vector {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Vectors"))
        return try JSONDecoder().decode(Vector.self, from: Data(contentsOf: url))
    }

    static func verify(_ vector: Vector, at clock: Double? = nil) throws -> CodeVerdict {
        let directory = try TrustDirectory()
        defer { directory.remove() }
        try directory.write("dsc.pem", "-----BEGIN CERTIFICATE-----\n\(vector.CERTIFICATE)\n-----END CERTIFICATE-----\n")
        let store = TrustStore(directory: directory.path)
        #expect(store.problems == [])
        let now = try clock ?? #require(ISO8601.parse(vector.VALIDATIONCLOCK))
        return CodeVerifier(trustStore: store).verify(payload: vector.PREFIX.bytes, clock: syncedClock(now))
    }

    @Test(arguments: ["AT-1", "CO20", "CO6"])
    func expectedResults(name: String) throws {
        let vector = try Self.load(name)
        let verdict = try Self.verify(vector)
        #expect(verdict.format == .hc1)
        #expect(!verdict.reasons.contains(.badSignature) == vector.EXPECTEDVERIFY, "\(vector.DESCRIPTION)")
        #expect(!verdict.reasons.contains(.keyUsage) == vector.EXPECTEDKEYUSAGE, "\(vector.DESCRIPTION)")
        #expect(verdict.isValid == (vector.EXPECTEDVERIFY && vector.EXPECTEDKEYUSAGE), "\(vector.DESCRIPTION): \(verdict.detail)")
    }

    @Test func atVaccinationContent() throws {
        let verdict = try Self.verify(Self.load("AT-1"))
        #expect(verdict.credential?.vaccination == Vaccination(doses: 1, seriesDoses: 2, lastDoseAt: 1_613_606_400))
        #expect(verdict.credential?.issuer == "AT")
        #expect(verdict.credential?.maskedName == "M*")
    }

    @Test func naatTestWithAnIntegerSampleTimeIsNotANucleicAcidTest() throws {
        // CO20 predates schema 1.0's date-time `sc` (it carries epoch milliseconds): authentic, but
        // its sample time cannot be trusted, so the credential carries no nucleic-acid test.
        let verdict = try Self.verify(Self.load("CO20"))
        #expect(verdict.isValid)
        #expect(verdict.credential != nil && verdict.credential?.nucleicAcidTest == nil)
    }

    @Test func sameVectorLaterIsExpired() throws {
        let verdict = try Self.verify(Self.load("AT-1"), at: 1_640_995_200)  // 2022-01-01T00:00:00Z
        #expect(verdict.reasons == [.expired])
    }
}
