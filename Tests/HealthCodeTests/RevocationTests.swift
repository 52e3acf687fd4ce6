import Crypto
import Foundation
import GateCore
import GateTooling
import HealthCode
import Testing

/// Issue 16, item 2: offline revocation lists (docs/codes.md, "Revocation").
@Suite struct RevocationTests {
    static let now = 1_764_400_000.0

    static func hg1Claims(subject: UInt8 = 0xA5) -> HG1Claims {
        HG1Claims(issuer: "110105", issuedAt: Int64(now) - 30, expiresAt: Int64(now) + 270, colour: .green,
                  subjectID: Array(repeating: subject, count: 16), maskedName: "张*", maskedIDNumber: nil,
                  nucleicAcidTest: nil, vaccination: nil, arrivedFromOutsideProvince: false)
    }

    static func write(_ sections: [(kind: RevocationKind, kid: [UInt8], hashes: [[UInt8]])], to directory: TrustDirectory, as name: String = "county.hgrv") throws {
        try Data(RevocationList.encode(sections)).write(to: URL(fileURLWithPath: directory.path + "/" + name))
    }

    @Test func formatRoundTripsAndLooksUpByKindKidAndHash() throws {
        let hashes = (0..<1000).map { RevocationKind.hash([UInt8(truncatingIfNeeded: $0), UInt8($0 >> 8)]) }
        let kid: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        let list = try RevocationList(bytes: RevocationList.encode([(.dccUCI, kid, hashes.shuffled()), (.hg1Subject, [], [hashes[0]])]))
        #expect(list.entryCount == 1001)
        for hash in hashes { #expect(list.contains(.dccUCI, kid: kid, hash: hash)) }
        #expect(!list.contains(.dccUCI, kid: [9, 9, 9, 9, 9, 9, 9, 9], hash: hashes[0]), "another signer's list does not apply")
        #expect(!list.contains(.dccSignature, kid: kid, hash: hashes[0]), "another hash type does not apply")
        #expect(!list.contains(.dccUCI, kid: kid, hash: RevocationKind.hash([0xFF, 0xFF, 0xFF])))
        #expect(list.contains(.hg1Subject, kid: [7, 7], hash: hashes[0]), "a kid-less section applies to every kid")
    }

    static let header: [UInt8] = Array("HGRV".utf8) + [1, 0, 0, 0]
    static let malformed: [([UInt8], String)] = [
        ([], "no HGRV header"),
        (Array("HGRV".utf8) + [2, 0, 0, 0, 0, 0, 0, 0], "format version 2"),
        (header + [0, 0, 0, 1, 99, 0, 0, 0, 0, 0], "unknown kind 99"),
        (header + [0, 0, 0, 1, 2, 0, 0, 0, 0, 9], "the file ends before them"),
        (header + [0, 0, 0, 0, 7], "1 bytes after the last section"),
        (header + [0, 0, 0, 1, 2, 0, 0, 0, 0, 2] + [UInt8](repeating: 1, count: 32), "strictly ascending"),
    ]

    @Test(arguments: malformed)
    func malformedListsAreRefusedWithAClearReason(bytes: [UInt8], message: String) {
        #expect(throws: RevocationFormatError.self) { try RevocationList(bytes: bytes) }
        do {
            _ = try RevocationList(bytes: bytes)
        } catch {
            let text: String = error.message
            #expect(text.contains(message), "\(text)")
        }
    }

    @Test func hg1CodeRevokedByFingerprintOrSubject() throws {
        let directory = try TrustDirectory()
        defer { directory.remove() }
        let key = try HG1IssuerKey(region: "110105")
        try directory.add(key)
        let payload = try key.sign(Self.hg1Claims()).bytes
        let other = try key.sign(Self.hg1Claims(subject: 0x11)).bytes
        let verifier = CodeVerifier(trustStore: TrustStore(directory: directory.path), revocation: RevocationStore(directory: directory.path))
        #expect(verifier.verify(payload: payload, clock: syncedClock(Self.now)).reasons == [])

        // By fingerprint: the first 16 bytes of the fingerprint the log shows.
        let fingerprint = CodeVerifier.fingerprint(of: payload)
        let prefix = (0..<16).map { UInt8(fingerprint.dropFirst($0 * 2).prefix(2), radix: 16)! }
        try Self.write([(.hg1Fingerprint, [], [prefix])], to: directory)
        verifier.revocation.reloadIfChanged()
        let verdict = verifier.verify(payload: payload, clock: syncedClock(Self.now))
        #expect(verdict.reasons == [.revoked])
        #expect(verdict.detail.contains("HG1_FINGERPRINT"))
        #expect(verifier.verify(payload: other, clock: syncedClock(Self.now)).reasons == [])

        // By subject: every code of that person, whatever its fingerprint.
        try Self.write([(.hg1Subject, key.keyID, [RevocationKind.hash([UInt8](repeating: 0x11, count: 16))])], to: directory, as: "red.hgrv")
        verifier.revocation.reloadIfChanged()
        #expect(verifier.verify(payload: try key.sign(Self.hg1Claims(subject: 0x11)).bytes, clock: syncedClock(Self.now)).reasons == [.revoked])
    }

    @Test(arguments: [RevocationKind.dccSignature, .dccUCI, .dccCountryUCI])
    func dccRevokedByEachHashType(kind: RevocationKind) throws {
        let directory = try TrustDirectory()
        defer { directory.remove() }
        let signer = try HC1Signer(.es256)
        try directory.add(signer)
        let payload = try signer.payload(claims: HC1Signer.claims(iat: Int(Self.now) - 3600, exp: Int(Self.now) + 86_400, type: "v",
                                                                  entry: HC1Signer.vaccination(doses: 2, series: 2, date: "2021-06-01"))).bytes
        let message = try Envelope.open(payload.dropFirst(4))
        let hash: [UInt8]
        switch kind {
        case .dccSignature: hash = RevocationKind.hash(message.signature.prefix(32))  // ECDSA: r only
        case .dccUCI: hash = RevocationKind.hash("URN:UVCI:01:XX:VAC".utf8)
        default: hash = RevocationKind.hash("XXURN:UVCI:01:XX:VAC".utf8)
        }
        try Self.write([(kind, signer.keyID, [hash])], to: directory)
        let verifier = CodeVerifier(trustStore: TrustStore(directory: directory.path), revocation: RevocationStore(directory: directory.path))
        #expect(verifier.verify(payload: payload, clock: syncedClock(Self.now)).reasons == [.revoked])
    }

    @Test func aListThatStopsParsingKeepsItsLastGoodContent() throws {
        let directory = try TrustDirectory()
        defer { directory.remove() }
        let hash = RevocationKind.hash([1])
        try Self.write([(.hg1Subject, [], [hash])], to: directory)
        let store = RevocationStore(directory: directory.path)
        #expect(store.isRevoked(RevocationQuery(kid: [], hashes: [(.hg1Subject, hash)])) == .hg1Subject)
        try directory.write("county.hgrv", "garbage")
        let problems = store.reloadIfChanged()
        #expect(problems.first?.contains("previous content stays in force") == true, "\(problems)")
        #expect(store.isRevoked(RevocationQuery(kid: [], hashes: [(.hg1Subject, hash)])) == .hg1Subject, "un-revoking by breaking a file is not possible")
        try FileManager.default.removeItem(atPath: directory.path + "/county.hgrv")
        store.reloadIfChanged()
        #expect(store.isRevoked(RevocationQuery(kid: [], hashes: [(.hg1Subject, hash)])) == nil, "a removed list is withdrawn")
    }
}
