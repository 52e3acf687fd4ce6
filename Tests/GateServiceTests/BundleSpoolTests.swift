import Crypto
import Foundation
import GateConfig
import GateCore
import HealthCode
import Testing
@testable import GateService

/// Issue 16, item 3, the gate's side: a bundle dropped in the spool is applied without restart; a rollback,
/// a forgery or a malformed file is refused and the held state kept; freshness follows `stale_bundle`.
@Suite(.serialized) struct BundleSpoolTests {
    let county = P256.Signing.PrivateKey()

    func harness(policy: GateConfiguration.StaleBundlePolicy = .refuse) throws -> Harness {
        let harness = try Harness(script: "temperature 36.5\nblank 2000\n", frames: [:]) { _ in }
        let folder = harness.folder.path
        try county.publicKey.pemRepresentation.write(toFile: folder + "/county.pem", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: folder + "/spool", withIntermediateDirectories: true)
        harness.configuration.codes.countyKey = folder + "/county.pem"
        harness.configuration.codes.bundleSpool = folder + "/spool"
        harness.configuration.codes.bundleDirectory = folder + "/bundle"
        harness.configuration.codes.staleBundle = policy
        return harness
    }

    func drop(_ bundle: CountyBundle, as name: String, into harness: Harness, signer: P256.Signing.PrivateKey? = nil) throws {
        // Written beside the spool and renamed in, as the county uplink or an operator would.
        let bytes = try bundle.signed(with: signer ?? county)
        let temporary = harness.folder.path + "/" + name + ".part"
        try Data(bytes).write(to: URL(fileURLWithPath: temporary))
        try FileManager.default.moveItem(atPath: temporary, toPath: harness.folder.path + "/spool/" + name)
    }

    func bundle(_ version: Int, createdAt: EpochSeconds, scope: VenueRules.NucleicAcidScope? = .everyone) -> CountyBundle {
        CountyBundle(version: version, createdAt: Int(createdAt), issuer: "test county",
                     rules: RuleOverrides(nucleicAcidScope: scope, nucleicAcidMaxAgeHours: 48))
    }

    func rows(_ harness: Harness, _ event: String) -> [EntryRecord] { harness.log.rows.filter { $0.event == event } }

    @Test func appliedWithoutRestartThenRollbackForgeryAndGarbageAreRefused() throws {
        let harness = try harness()
        try harness.start()
        let now = harness.clock.read().now
        #expect(harness.pipeline.status(pid: 1).bundle?.stale == true, "no bundle yet: stale")
        harness.run(seconds: 1.5)
        #expect(harness.pipeline.controller.faults[.trust] == "no county bundle applied yet")

        try drop(bundle(5, createdAt: now - 60), as: "b5.hgb", into: harness)
        harness.run(seconds: 1.5)
        let applied = rows(harness, "bundle_applied")
        #expect(applied.count == 1)
        #expect(applied.first?.detail?.hasPrefix("version 5 sha256 ") == true)
        #expect(harness.pipeline.controller.settings.rules.nucleicAcidScope == .everyone, "the bundle's rule override is in force")
        #expect(harness.pipeline.controller.faults[.trust] == nil, "fresh: the trust fault cleared")
        #expect(FileManager.default.fileExists(atPath: harness.folder.path + "/bundle/current.hgb"))
        #expect(!FileManager.default.fileExists(atPath: harness.folder.path + "/spool/b5.hgb"))
        let status = harness.pipeline.status(pid: 1).bundle
        #expect(status?.version == 5 && status?.stale == false && status?.policy == "refuse")

        try drop(bundle(4, createdAt: now, scope: .off), as: "b4.hgb", into: harness)
        try drop(bundle(6, createdAt: now, scope: .off), as: "forged.hgb", into: harness, signer: P256.Signing.PrivateKey())
        try Data("not a bundle".utf8).write(to: URL(fileURLWithPath: harness.folder.path + "/spool/garbage.hgb"))
        harness.run(seconds: 1.5)
        let refused = rows(harness, "bundle_refused").compactMap(\.detail)
        #expect(refused.count == 3)
        #expect(refused.contains { $0.hasPrefix("b4.hgb") && $0.contains("not newer than the applied version 5") }, "\(refused)")
        #expect(refused.contains { $0.hasPrefix("forged.hgb") && $0.contains("not the pinned county key") }, "\(refused)")
        #expect(refused.contains { $0.hasPrefix("garbage.hgb") && $0.contains("not a signed bundle") }, "\(refused)")
        #expect(harness.pipeline.controller.settings.rules.nucleicAcidScope == .everyone, "the held bundle stays in force")
        #expect(harness.pipeline.status(pid: 1).bundle?.version == 5)
        let rejected = try FileManager.default.contentsOfDirectory(atPath: harness.folder.path + "/spool/rejected").sorted()
        #expect(rejected == ["b4.hgb", "forged.hgb", "garbage.hgb"], "refused files are kept, out of the way")
    }

    @Test func theKeptBundleIsReappliedAtStart() throws {
        let first = try harness()
        try first.start()
        try drop(bundle(7, createdAt: first.clock.read().now - 60), as: "b7.hgb", into: first)
        first.run(seconds: 1.5)
        #expect(rows(first, "bundle_applied").count == 1)

        let second = try harness()
        second.configuration.codes.bundleDirectory = first.folder.path + "/bundle"
        try second.start()
        #expect(second.pipeline.status(pid: 1).bundle?.version == 7)
        #expect(second.pipeline.controller.settings.rules.nucleicAcidScope == .everyone)
    }

    @Test func aStaleBundleRefusesUnderRefuseAndOnlyWarnsUnderWarn() throws {
        for policy in GateConfiguration.StaleBundlePolicy.allCases {
            let harness = try harness(policy: policy)
            try harness.start()
            // 25 h old against a 24 h maximum.
            try drop(bundle(1, createdAt: harness.clock.read().now - 25 * 3600, scope: nil), as: "old.hgb", into: harness)
            harness.run(seconds: 1.5)
            #expect(rows(harness, "bundle_applied").count == 1)
            #expect(harness.pipeline.status(pid: 1).bundle?.stale == true)
            #expect((harness.pipeline.controller.faults[.trust] != nil) == (policy == .refuse), "\(policy)")
            var controller = harness.pipeline.controller
            let commands = controller.handle(.codePresented(greenVerdict("G")), clock: harness.clock.read())
            let refusedForStaleness = commands.contains { command in
                if case .log(let row) = command { return row.reasons.contains(.staleBundle) }
                return false
            }
            #expect(refusedForStaleness == (policy == .refuse), "\(policy)")
        }
    }

    /// The daemon's verifier: a bundle's keys and lists take effect, and survive a trust-directory change.
    @Test func theDaemonsVerifierUsesTheInstalledBundle() throws {
        let harness = try harness()
        let directory = harness.folder.path + "/trust"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var codes = harness.configuration.codes
        codes.trustDirectory = directory
        let verifier = TrustStoreVerifier(codes: codes, subjectKey: nil)
        let issuer = try HG1IssuerKey(region: "110105")
        let now = harness.clock.read().now
        let claims = HG1Claims(issuer: "110105", issuedAt: Int64(now) - 30, expiresAt: Int64(now) + 270, colour: .green,
                               subjectID: [UInt8](repeating: 9, count: 16), maskedName: "张*", maskedIDNumber: nil,
                               nucleicAcidTest: nil, vaccination: nil, arrivedFromOutsideProvince: false)
        let payload = Array(try issuer.sign(claims).utf8)
        #expect(verifier.verify(payload: payload, clock: harness.clock.read()).reasons == [.unknownIssuer])
        var bundle = bundle(2, createdAt: now)
        bundle.hg1Keys = [.init(region: "110105", publicKeyInfo: Array(issuer.privateKey.publicKey.derRepresentation))]
        verifier.install(bundle: try VerifiedBundle(bytes: try bundle.signed(with: county), countyKey: county.publicKey))
        #expect(verifier.verify(payload: payload, clock: harness.clock.read()).reasons == [])
        codes.trustDirectory = harness.folder.path + "/other-trust"
        verifier.reconfigure(codes)
        #expect(verifier.verify(payload: payload, clock: harness.clock.read()).reasons == [], "the bundle is not the directory's")
    }

    /// Revocation lists in the trust directory reach the daemon's verifier on its reload pass.
    @Test func theDaemonsVerifierReadsRevocationListsFromTheTrustDirectory() throws {
        let harness = try harness()
        let directory = harness.folder.path + "/trust"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let issuer = try HG1IssuerKey(region: "110105")
        try issuer.trustEntry.write(toFile: directory + "/" + issuer.trustEntryFileName, atomically: true, encoding: .utf8)
        var codes = harness.configuration.codes
        codes.trustDirectory = directory
        let verifier = TrustStoreVerifier(codes: codes, subjectKey: nil)
        let now = harness.clock.read().now
        let claims = HG1Claims(issuer: "110105", issuedAt: Int64(now) - 30, expiresAt: Int64(now) + 270, colour: .green,
                               subjectID: [UInt8](repeating: 3, count: 16), maskedName: "张*", maskedIDNumber: nil,
                               nucleicAcidTest: nil, vaccination: nil, arrivedFromOutsideProvince: false)
        let payload = Array(try issuer.sign(claims).utf8)
        #expect(verifier.verify(payload: payload, clock: harness.clock.read()).reasons == [])
        let list = RevocationList.encode([(.hg1Subject, [], [RevocationKind.hash([UInt8](repeating: 3, count: 16))])])
        try Data(list).write(to: URL(fileURLWithPath: directory + "/red.hgrv"))
        _ = verifier.reloadTrustIfChanged(force: false)
        #expect(verifier.verify(payload: payload, clock: harness.clock.read()).reasons == [.revoked])
        try Data("broken".utf8).write(to: URL(fileURLWithPath: directory + "/red.hgrv"))
        let problems = verifier.reloadTrustIfChanged(force: false)
        #expect(problems.contains { $0.contains("red.hgrv") && $0.contains("previous content stays in force") }, "\(problems)")
        #expect(verifier.verify(payload: payload, clock: harness.clock.read()).reasons == [.revoked])
    }
}
