import Crypto
import Foundation
import GateCore
import GateTooling
import HealthCode
import X509
import _CryptoExtras

// Signed payloads for the corpus and the verification throughput. HC1 has no issuer in the product
// (only verification): the tooling's HC1TestSigner, shared with the tests, signs them.

extension HC1TestSigner {
    /// `HC1:` + Base45(zlib(COSE_Sign1)) over a vaccination certificate issued `now`.
    func payload(now: Int, certificateID: String) throws -> [UInt8] {
        var entry = Self.vaccination(doses: 2, series: 2, date: "2021-06-01")
        entry = entry.map { $0.0 == "ci" ? ("ci", .text("URN:UVCI:01:XX:\(certificateID)")) : $0 }
        return Array(try payload(claims: Self.claims(iat: now - 60, exp: now + 86_400, type: "v", entry: entry)).utf8)
    }
}

/// The issuers of one bench run and a trust-store directory that trusts all three keys.
struct BenchIssuers {
    let hg1: HG1IssuerKey
    let es256: HC1TestSigner
    let ps256: HC1TestSigner
    let trustDirectory: String

    init(trustDirectory: String) throws {
        hg1 = try HG1IssuerKey(region: "330100")
        es256 = try HC1TestSigner(.es256)
        ps256 = try HC1TestSigner(.ps256)
        self.trustDirectory = trustDirectory
        try FileManager.default.createDirectory(atPath: trustDirectory, withIntermediateDirectories: true)
        try hg1.trustEntry.write(toFile: trustDirectory + "/" + hg1.trustEntryFileName, atomically: true, encoding: .utf8)
        try es256.certificatePEM.write(toFile: trustDirectory + "/dsc-es256.pem", atomically: true, encoding: .utf8)
        try ps256.certificatePEM.write(toFile: trustDirectory + "/dsc-ps256.pem", atomically: true, encoding: .utf8)
    }

    /// A green HG1 code for visitor `index`, valid for ten minutes from `now` (within the gate's default
    /// 15-minute HG1 lifetime cap; the whole bench takes about four).
    func hg1Payload(now: Int, index: Int) throws -> [UInt8] {
        var subject = Array("bench-visitor-".utf8)
        subject += Array(String(index).utf8)
        let claims = HG1Claims(issuer: "330100", issuedAt: Int64(now - 60), expiresAt: Int64(now + 600), colour: .green,
                               subjectID: subject, maskedName: "张*", maskedIDNumber: "3301**********1234",
                               vaccination: Vaccination(doses: 3, seriesDoses: 2, lastDoseAt: Double(now - 200 * 86_400)))
        return Array(try hg1.sign(claims).utf8)
    }
}
