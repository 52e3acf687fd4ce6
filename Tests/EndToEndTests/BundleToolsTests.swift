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
}
