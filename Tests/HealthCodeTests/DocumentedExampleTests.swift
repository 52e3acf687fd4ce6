import Crypto
import Foundation
import GateCore
import HealthCode
import Testing

/// docs/codes.md §3 must stay true: its payload verifies with its key, its claims bytes are what the encoder writes.
@Suite struct DocumentedExampleTests {
    static let document: String = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/codes.md").path
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }()

    /// The fenced block that follows `<!-- marker -->`.
    static func block(after marker: String) throws -> String {
        let afterMarker = try #require(document.range(of: "<!-- \(marker) -->")).upperBound
        let rest = document[afterMarker...]
        let open = try #require(rest.range(of: "```\n")).upperBound
        let close = try #require(rest[open...].range(of: "\n```")).lowerBound
        return String(rest[open..<close])
    }

    static let claims = HG1Claims(issuer: "110105", issuedAt: 1_764_403_200, expiresAt: 1_764_403_500, colour: .green,
                                  subjectID: Array(SHA256.hash(data: Array("example subject".utf8)).prefix(16)),
                                  maskedName: "张*", maskedIDNumber: "110105********123X",
                                  nucleicAcidTest: NucleicAcidTest(sampledAt: 1_764_316_800, result: .negative),
                                  vaccination: Vaccination(doses: 3, seriesDoses: 2, lastDoseAt: 1_641_772_800),
                                  arrivedFromOutsideProvince: true)

    @Test func claimsBytesMatchTheDocument() throws {
        let documented = try Self.block(after: "example-claims-hex")
        let encoded = CBORWriter.encode(Self.claims.cwt).map { String(format: "%02x", $0) }.joined()
        #expect(encoded == documented)
    }

    @Test func examplePayloadVerifiesWithTheDocumentedKey() throws {
        let directory = try TrustDirectory()
        defer { directory.remove() }
        let key = try HG1IssuerKey(region: "110105", privateKey: P256.Signing.PrivateKey(
            rawRepresentation: Array(SHA256.hash(data: Array("healthgate HG1 example key".utf8)))))
        let entry = try Self.block(after: "example-trust-entry")
        #expect(entry + "\n" == key.trustEntry)
        try directory.write(key.trustEntryFileName, entry + "\n")
        let payload = try Self.block(after: "example-payload")
        let verdict = CodeVerifier(trustStore: TrustStore(directory: directory.path))
            .verify(payload: Array(payload.utf8), clock: syncedClock(1_764_403_260))
        #expect(verdict.reasons == [])
        #expect(verdict.credential == Self.claims.credential(keyID: key.keyIDHex))
    }
}
