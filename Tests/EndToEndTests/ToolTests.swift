import Foundation
import GateCore
import Testing

// The two command-line tools as a user runs them: gatectl (the staff's, on every gate) checks codes with
// the gate's own limits; healthgate-dev (the developers', never installed) is the only one that makes them.
@Suite(.serialized) struct ToolTests {
    var gatectl: URL { Paths.binaries.appendingPathComponent("gatectl") }
    var dev: URL { Paths.binaries.appendingPathComponent("healthgate-dev") }

    @Test func codeVerifyAppliesTheGatesOwnLimitsFromItsConfig() throws {
        let folder = try makeVisitors()
        defer { try? FileManager.default.removeItem(at: folder) }
        let keys = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("keys").path)
            .filter { $0.hasSuffix(".key") }
        let key = try #require(keys.first.map { folder.appendingPathComponent("keys/\($0)").path })
        // A 30-minute code: longer than the default limit of 900 s.
        let issued = try run(dev, ["issue", "--key", key, "--colour", "green", "--subject", "long-lived", "--ttl", "1800"])
        #expect(issued.status == 0, "healthgate-dev issue failed: \(issued.stderr)")
        let payload = issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(payload.hasPrefix("HG1:"))

        // The demo gate keeps the default limit: refused, and the trust store and clock came from its config.
        let config = folder.appendingPathComponent("healthgate.toml")
        let strict = try run(gatectl, ["code", "verify", "--config", config.path, "--json", payload])
        #expect(strict.status == 1, "a code living longer than max_hg1_lifetime_s is refused: \(strict.stdout) \(strict.stderr)")
        let refused = try JSONSerialization.jsonObject(with: Data(strict.stdout.utf8)) as? [String: Any]
        #expect(refused?["reasons"] as? [String] == ["unreadable"])
        #expect((refused?["detail"] as? String)?.contains("lifetime exceeds 900 s") == true)
        #expect(refused?["clock_synchronised"] as? Bool == true, "assume_clock_synchronised came from the config")

        // A gate configured for longer codes admits the same code.
        let text = try String(contentsOf: config, encoding: .utf8)
        try text.replacingOccurrences(of: "[codes]\n", with: "[codes]\nmax_hg1_lifetime_s = 3600\n")
            .write(to: config, atomically: true, encoding: .utf8)
        let lenient = try run(gatectl, ["code", "verify", "--config", config.path, payload])
        #expect(lenient.status == 0, "valid under the gate's 3600 s limit: \(lenient.stdout) \(lenient.stderr)")
        #expect(lenient.stdout.contains("valid: yes"))
        #expect(lenient.stdout.contains("colour: green"))

        // An explicit --trust still wins over the configuration's directory.
        let empty = folder.appendingPathComponent("no-keys")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let untrusted = try run(gatectl, ["code", "verify", "--config", config.path, "--trust", empty.path, "--json", payload])
        #expect(untrusted.status == 1)
        let unknown = try JSONSerialization.jsonObject(with: Data(untrusted.stdout.utf8)) as? [String: Any]
        #expect(unknown?["reasons"] as? [String] == ["unknown_issuer"])
    }

    /// Staff checking a code by hand get the gate's verdict: a code the trust directory's lists revoke is revoked.
    @Test func codeVerifyRefusesWhatTheTrustDirectorysListsRevoke() throws {
        let folder = try makeVisitors()
        defer { try? FileManager.default.removeItem(at: folder) }
        let keys = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("keys").path)
            .filter { $0.hasSuffix(".key") }
        let key = try #require(keys.first.map { folder.appendingPathComponent("keys/\($0)").path })
        let issued = try run(dev, ["issue", "--key", key, "--colour", "green", "--subject", "revoked-later", "--ttl", "600"])
        let payload = issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let config = folder.appendingPathComponent("healthgate.toml").path
        let before = try run(gatectl, ["code", "verify", "--config", config, "--json", payload])
        #expect(before.status == 0, "\(before.stdout) \(before.stderr)")
        let verdict = try JSONSerialization.jsonObject(with: Data(before.stdout.utf8)) as? [String: Any]
        let fingerprint = try #require(verdict?["fingerprint"] as? String)

        let list = folder.appendingPathComponent("trust/revoked.hgrv").path
        let made = try run(Paths.binaries.appendingPathComponent("countyctl"),
                           ["revocation", "make", "--kind", "HG1_FINGERPRINT", "--hash", fingerprint, "--out", list])
        #expect(made.status == 0, "countyctl revocation make: \(made.stderr)")
        let after = try run(gatectl, ["code", "verify", "--config", config, "--json", payload])
        #expect(after.status == 1)
        let refused = try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [String: Any]
        #expect(refused?["reasons"] as? [String] == ["revoked"])
    }

    @Test func gatectlCannotMakeCodes() throws {
        let help = try run(gatectl, ["code", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("verify"))
        for command in ["keygen", "issue", "forge", "render"] {
            let attempt = try run(gatectl, ["code", command])
            #expect(attempt.status == 64, "gatectl code \(command) must not exist on a gate")
            #expect(attempt.stderr.contains("Unexpected argument '\(command)'"))
            #expect(!help.stdout.contains(command))
            let made = try run(dev, [command, "--help"])
            #expect(made.status == 0, "healthgate-dev \(command): \(made.stderr)")
        }
    }

    @Test(arguments: ["healthgated", "gatectl", "healthgate-dev"])
    func everyExecutablePrintsTheReleaseVersion(_ name: String) throws {
        let version = try run(Paths.binaries.appendingPathComponent(name), ["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == healthgateVersion)
    }
}
