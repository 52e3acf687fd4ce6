import Foundation
import Testing

/// The county's tool and the staff's check, as binaries: countyctl makes and signs, gatectl bundle verifies.
@Suite struct BundleToolsTests {
    @Test func countyctlMakesAndSignsAndGatectlVerifiesOrRefuses() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hg-bundle-tools-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/held", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let countyctl = Paths.binaries.appendingPathComponent("countyctl")
        let gatectl = Paths.binaries.appendingPathComponent("gatectl")

        #expect(try run(countyctl, ["keygen", "--out", folder]).status == 0)
        #expect(try run(countyctl, ["keygen", "--out", folder + "/other"]).status == 0)
        let list = try run(countyctl, ["revocation", "make", "--kind", "UCI", "--value", "URN:UVCI:01:XX:VAC", "--out", folder + "/r.hgrv"])
        #expect(list.status == 0, "\(list.stderr)")
        for version in ["3", "5"] {
            let made = try run(countyctl, ["bundle", "make", "--version", version, "--issuer", "Test county", "--revocation", folder + "/r.hgrv",
                                           "--nucleic-acid-scope", "outside_province", "--risk-region", "440305", "--out", folder + "/p\(version).cbor"])
            #expect(made.status == 0, "\(made.stderr)")
            let signed = try run(countyctl, ["bundle", "sign", "--key", folder + "/county.key", folder + "/p\(version).cbor", "--out", folder + "/b\(version).hgb"])
            #expect(signed.status == 0, "\(signed.stderr)")
        }
        let config = folder + "/healthgate.toml"
        try "temperature 36.5\n".write(toFile: folder + "/scenario.txt", atomically: true, encoding: .utf8)
        try """
            [codes]
            county_key = "\(folder)/county.pem"
            bundle_dir = "\(folder)/held"
            [board]
            profile = "simulated"
            [board.simulated]
            scenario = "\(folder)/scenario.txt"
            """.write(toFile: config, atomically: true, encoding: .utf8)

        let ok = try run(gatectl, ["bundle", "verify", "--config", config, folder + "/b3.hgb"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("OK: version 3"))
        let inspected = try run(gatectl, ["bundle", "inspect", "--config", config, folder + "/b3.hgb"])
        #expect(inspected.stdout.contains("signature  valid") && inspected.stdout.contains("nucleic_acid_scope=outside_province"), "\(inspected.stdout)")

        let foreign = try run(gatectl, ["bundle", "verify", "--county-key", folder + "/other/county.pem", folder + "/b3.hgb"])
        #expect(foreign.status != 0)
        #expect(foreign.stderr.contains("not the pinned county key"), "\(foreign.stderr)")

        // The gate holds version 5: version 3 would be a rollback.
        try FileManager.default.copyItem(atPath: folder + "/b5.hgb", toPath: folder + "/held/current.hgb")
        let rollback = try run(gatectl, ["bundle", "verify", "--config", config, folder + "/b3.hgb"])
        #expect(rollback.status != 0)
        #expect(rollback.stderr.contains("not newer than the applied version 5"), "\(rollback.stderr)")
    }

    /// `gatectl code verify --config` judges a code as the daemon does, with the kept bundle's keys and lists too:
    /// an HG1 key that arrived only in the bundle verifies, and a code the bundle revokes is `revoked`.
    @Test func gatectlCodeVerifyAppliesTheKeptBundlesKeysAndLists() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hg-bundle-code-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/held", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder + "/trust", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let countyctl = Paths.binaries.appendingPathComponent("countyctl")
        let gatectl = Paths.binaries.appendingPathComponent("gatectl")
        let dev = Paths.binaries.appendingPathComponent("healthgate-dev")
        #expect(try run(countyctl, ["keygen", "--out", folder]).status == 0)
        // The issuer's key goes only into the bundle, never into the trust directory.
        let keygen = try run(dev, ["keygen", "--issuer", "330100", "--out", folder + "/issuer", "--trust-out", folder + "/issuer"])
        #expect(keygen.status == 0, "\(keygen.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/issuer")
        let key = try #require(files.first { $0.hasSuffix(".key") }), entry = try #require(files.first { $0.hasSuffix(".pem") })
        let code = try run(dev, ["issue", "--key", folder + "/issuer/" + key, "--colour", "green", "--ttl", "600"])
        #expect(code.status == 0, "\(code.stderr)")
        let payload = code.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try """
            [codes]
            trust_dir = "\(folder)/trust"
            assume_clock_synchronised = true
            county_key = "\(folder)/county.pem"
            bundle_dir = "\(folder)/held"
            [board.simulated]
            scenario = "\(folder)/scenario.txt"
            """.write(toFile: folder + "/healthgate.toml", atomically: true, encoding: .utf8)
        func hold(version: Int, revocation: [String]) throws {
            let made = try run(countyctl, ["bundle", "make", "--version", "\(version)", "--issuer", "Test county",
                                           "--hg1-key", "330100=\(folder)/issuer/\(entry)", "--out", folder + "/p.cbor"]
                               + revocation.flatMap { ["--revocation", $0] })
            #expect(made.status == 0, "\(made.stderr)")
            let signed = try run(countyctl, ["bundle", "sign", "--key", folder + "/county.key", folder + "/p.cbor", "--out", folder + "/held/current.hgb"])
            #expect(signed.status == 0, "\(signed.stderr)")
        }
        let verify = ["code", "verify", "--json", "--config", folder + "/healthgate.toml", payload]

        let withoutBundle = try run(gatectl, verify)
        #expect(withoutBundle.status == 1 && withoutBundle.stdout.contains("unknown_issuer"), "\(withoutBundle.stdout) \(withoutBundle.stderr)")
        try hold(version: 1, revocation: [])
        let admitted = try run(gatectl, verify)
        #expect(admitted.status == 0, "the bundle's key verifies it: \(admitted.stdout) \(admitted.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(admitted.stdout.utf8)) as? [String: Any]
        let fingerprint = try #require(report?["fingerprint"] as? String)

        let list = try run(countyctl, ["revocation", "make", "--kind", "HG1_FINGERPRINT", "--hash", fingerprint, "--out", folder + "/r.hgrv"])
        #expect(list.status == 0, "\(list.stderr)")
        try hold(version: 2, revocation: [folder + "/r.hgrv"])
        let revoked = try run(gatectl, verify)
        #expect(revoked.status == 1 && revoked.stdout.contains("revoked"), "\(revoked.stdout) \(revoked.stderr)")

        // A kept bundle that no longer verifies (another county's key pinned) is said and not used.
        #expect(try run(countyctl, ["keygen", "--out", folder + "/other"]).status == 0)
        try FileManager.default.removeItem(atPath: folder + "/county.pem")
        try FileManager.default.copyItem(atPath: folder + "/other/county.pem", toPath: folder + "/county.pem")
        let foreign = try run(gatectl, verify)
        #expect(foreign.status == 1 && foreign.stdout.contains("unknown_issuer") && foreign.stderr.contains("not used"), "\(foreign.stderr)")
    }
}
