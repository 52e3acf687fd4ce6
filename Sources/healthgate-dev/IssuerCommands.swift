import ArgumentParser
import Foundation
import GateCore
import HealthCode

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create an HG1 issuer key pair: a private key file and its trust-store entry.",
        discussion: "Prints 'private-key PATH' and 'trust-entry PATH'. Copy the trust entry into the gate's trust directory.")

    @Option(help: "GB/T 2260 region code of the issuer (6 digits).")
    var issuer: String
    @Option(help: "Directory for the private key (hg1-REGION-KID.key, mode 0600).")
    var out: String
    @Option(help: "Directory for the trust entry (default: --out).")
    var trustOut: String?

    func run() throws {
        let key: HG1IssuerKey
        do { key = try HG1IssuerKey(region: issuer) } catch { throw fail("\(error)") }
        let trustDirectory = trustOut ?? out
        let keyPath = out + "/hg1-\(key.region)-\(key.keyIDHex).key"
        let entryPath = trustDirectory + "/" + key.trustEntryFileName
        do {
            for directory in Set([out, trustDirectory]) { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            guard FileManager.default.createFile(atPath: keyPath, contents: Data(key.privateKeyFile.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw CannotWrite(path: keyPath)
            }
            try key.trustEntry.write(toFile: entryPath, atomically: true, encoding: .utf8)
        } catch {
            throw fail("\(error)")
        }
        print("private-key \(keyPath)")
        print("trust-entry \(entryPath)")
    }
}

/// The key file could not be created (FileManager says no more than that).
struct CannotWrite: Error, CustomStringConvertible {
    var path: String
    var description: String { "cannot write \(path)" }
}

struct IssueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Sign an HG1 colour code (demos and tests); prints the payload unless --out-payload is given.")

    @Option(help: "Private key file written by 'healthgate-dev keygen'.")
    var key: String
    @Option(help: "green, yellow or red.")
    var colour: String
    @Option(help: "Subject id: 16 to 64 hex digits, or any text (then its SHA-256, first 16 bytes). Default: random.")
    var subject: String?
    @Option(help: "Masked name as displayed, e.g. '张*' (must contain '*').")
    var nameMasked: String?
    @Option(help: "Masked ID number as displayed (must contain '*').")
    var idMasked: String?
    @Option(help: "Issued-at, ISO 8601 (default: now).")
    var iat: String?
    @Option(help: "Lifetime in seconds (screen codes: minutes).")
    var ttl = 300
    @Option(help: "Nucleic-acid test sample time, ISO 8601.")
    var natSampled: String?
    @Option(help: "Nucleic-acid test result: negative or positive.")
    var natResult: String?
    @Option(help: "Vaccine doses received.")
    var doses: Int?
    @Option(help: "Doses in a complete series.")
    var seriesDoses: Int?
    @Option(help: "Date of the last dose, ISO 8601.")
    var lastDose: String?
    @Flag(help: "Arrived from outside the province within 14 days.")
    var outsideProvince = false
    @OptionGroup var output: PayloadOutputOptions

    func run() throws {
        guard let keyText = try? String(contentsOfFile: key, encoding: .utf8) else { throw fail("cannot read \(key)") }
        let issuerKey: HG1IssuerKey
        do { issuerKey = try HG1IssuerKey(privateKeyFile: keyText) } catch { throw fail("\(key): \(error)") }
        guard let codeColour = CodeColour(rawValue: colour) else { throw fail("--colour must be green, yellow or red") }
        let issuedAt = try iat.map { try parseTime($0, option: "--iat") } ?? Date().timeIntervalSince1970
        guard ttl > 0, ttl <= 86_400 else { throw fail("--ttl must be 1...86400 seconds") }
        var claims = HG1Claims(issuer: issuerKey.region, issuedAt: Int64(issuedAt), expiresAt: Int64(issuedAt) + Int64(ttl), colour: codeColour,
                               subjectID: subjectBytes(), maskedName: nameMasked, maskedIDNumber: idMasked,
                               arrivedFromOutsideProvince: outsideProvince)
        for (name, value) in [("--name-masked", nameMasked), ("--id-masked", idMasked)] {
            if let value, !value.contains("*") || value.utf8.count > 64 { throw fail("\(name) must be masked (contain '*')") }
        }
        switch (natSampled, natResult) {
        case (nil, nil): break
        case let (sampled?, result?):
            guard let parsed = NucleicAcidResult(rawValue: result) else { throw fail("--nat-result must be negative or positive") }
            claims.nucleicAcidTest = NucleicAcidTest(sampledAt: try parseTime(sampled, option: "--nat-sampled"), result: parsed)
        default: throw fail("--nat-sampled and --nat-result go together")
        }
        if let doses {
            guard (0...20).contains(doses), (seriesDoses ?? 1) >= 1, (seriesDoses ?? 1) <= 20 else { throw fail("--doses / --series-doses out of range") }
            claims.vaccination = Vaccination(doses: doses, seriesDoses: seriesDoses, lastDoseAt: try lastDose.map { try parseTime($0, option: "--last-dose") })
        } else if lastDose != nil || seriesDoses != nil {
            throw fail("--last-dose and --series-doses need --doses")
        }
        let payload: String
        do { payload = try issuerKey.sign(claims) } catch { throw fail("signing failed: \(error)") }
        try output.write(payload)
    }

    func subjectBytes() -> [UInt8] {
        guard let subject else { return (0..<16).map { _ in UInt8.random(in: 0...255) } }
        return HG1Claims.subjectID(from: subject)
    }

}
