import ArgumentParser
import CLinux
import Foundation
import GateCore
import GateHardware
import GateTooling
import HealthCode

/// `gatectl code …`: check a code by hand, and issue HG1 codes for demos and tests.
/// Exit status: 0 valid / done, 1 code refused, 2 usage or file error (also no QR in an image).
struct CodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "code",
        abstract: "Verify, issue and key health codes (HG1, HC1).",
        subcommands: [CodeVerifyCommand.self, CodeKeygenCommand.self, CodeIssueCommand.self, CodeRenderCommand.self,
                      CodeForgeCommand.self])
}

enum CodeCommandError: Error, CustomStringConvertible {
    case usage(String)
    var description: String {
        switch self { case .usage(let message): message }
    }
}

/// Prints to stderr and exits 2: bad arguments and unreadable files are not verdicts.
func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("gatectl: \(message)\n".utf8))
    return ExitCode(2)
}

func parseTime(_ text: String, option: String) throws(ExitCode) -> Double {
    guard let time = ISO8601.parse(text) else { throw fail("\(option): '\(text)' is not an ISO 8601 time (e.g. 2026-11-29T08:00:00Z or 2026-11-29)") }
    return time
}

struct CodeVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify one code and print the verdict; exit 0 only when valid.")

    @Option(help: "Validate at this ISO 8601 time, treated as a synchronised clock.")
    var at: String?
    @Option(help: "Trust-store directory.")
    var trust = "/etc/healthgate/trust"
    @Flag(help: "Print the verdict as JSON.")
    var json = false
    @Option(help: "Decode the QR from a PGM (P5) or PNG image instead of a payload argument.")
    var image: String?
    @Argument(help: "The payload text (HG1:… or HC1:…); '-' reads it from stdin.")
    var payload: String?

    func run() throws {
        let bytes = try readPayload()
        let clock: ClockReading
        if let at {
            clock = ClockReading(now: try parseTime(at, option: "--at"), synchronised: true)
        } else {
            clock = ClockReading(now: Date().timeIntervalSince1970, synchronised: hg_clock_synchronised() == 1)
        }
        let store = TrustStore(directory: trust)
        for problem in store.problems { FileHandle.standardError.write(Data("gatectl: trust store: \(problem)\n".utf8)) }
        let verdict = CodeVerifier(trustStore: store).verify(payload: bytes, clock: clock)
        print(json ? VerdictReport(verdict, clock: clock).json : VerdictReport(verdict, clock: clock).text)
        if !verdict.isValid { throw ExitCode(1) }
    }

    func readPayload() throws -> [UInt8] {
        switch (payload, image) {
        case (nil, let path?):
            guard let data = FileManager.default.contents(atPath: path) else { throw fail("cannot read \(path)") }
            let bytes = Array(data)
            let picture: LumaImage
            do {
                picture = bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) ? try PNGReader.decode(bytes) : try PGM.decode(bytes)
            } catch {
                throw fail("\(path): \(error)")
            }
            let codes = try picture.pixels.withUnsafeBytes { pixels in
                try ZbarScanner().scan(LumaFrame(width: picture.width, height: picture.height, bytesPerRow: picture.width, pixels: pixels, sequence: 0))
            }
            guard let first = codes.first else { throw fail("\(path): no QR code found") }
            return first.payload
        case ("-"?, nil):
            return Array(FileHandle.standardInput.readDataToEndOfFile()).reversed().drop { $0 == 0x0A || $0 == 0x0D }.reversed()
        case (let text?, nil):
            return Array(text.utf8)
        default:
            throw fail("give exactly one of PAYLOAD or --image FILE")
        }
    }
}

/// The verdict as gatectl prints it. Only masked or pseudonymous data: the credential holds nothing else.
struct VerdictReport: Encodable {
    var format: String
    var valid: Bool
    var reasons: [String]
    var keyID: String?
    var detail: String
    var fingerprint: String
    var clock: String
    var clockSynchronised: Bool
    var issuer: String?
    var colour: String?
    var issuedAt: String?
    var expiresAt: String?
    var subjectID: String?
    var maskedName: String?
    var maskedIDNumber: String?
    var nucleicAcidTest: String?
    var nucleicAcidSampledAt: String?
    var vaccinationDoses: Int?
    var vaccinationSeriesDoses: Int?
    var vaccinationLastDose: String?
    var arrivedFromOutsideProvince: Bool?

    init(_ verdict: CodeVerdict, clock: ClockReading) {
        format = verdict.format.rawValue
        valid = verdict.isValid
        reasons = verdict.reasons.map(\.rawValue)
        keyID = verdict.keyID
        detail = verdict.detail
        fingerprint = verdict.fingerprint
        self.clock = ISO8601.format(clock.now)
        clockSynchronised = clock.synchronised
        guard let credential = verdict.credential else { return }
        issuer = credential.issuer
        colour = credential.colour.rawValue
        issuedAt = credential.issuedAt.map(ISO8601.format)
        expiresAt = credential.expiresAt.map(ISO8601.format)
        subjectID = credential.subjectID
        maskedName = credential.maskedName
        maskedIDNumber = credential.maskedIDNumber
        nucleicAcidTest = credential.nucleicAcidTest?.result.rawValue
        nucleicAcidSampledAt = credential.nucleicAcidTest.map { ISO8601.format($0.sampledAt) }
        vaccinationDoses = credential.vaccination?.doses
        vaccinationSeriesDoses = credential.vaccination?.seriesDoses
        vaccinationLastDose = credential.vaccination?.lastDoseAt.map(ISO8601.format)
        arrivedFromOutsideProvince = credential.arrivedFromOutsideProvince
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    var text: String {
        var lines = [
            "format: \(format)",
            "valid: \(valid ? "yes" : "no")",
            "reasons: \(reasons.isEmpty ? "-" : reasons.joined(separator: ","))",
            "kid: \(keyID ?? "-")",
            "clock: \(clock)\(clockSynchronised ? "" : " (not synchronised)")",
            "detail: \(detail)",
            "fingerprint: \(fingerprint)",
        ]
        let optional: [(String, String?)] = [
            ("issuer", issuer), ("colour", colour), ("issued-at", issuedAt), ("expires-at", expiresAt), ("subject", subjectID),
            ("name", maskedName), ("id-number", maskedIDNumber),
            ("nucleic-acid", nucleicAcidTest.map { "\($0), sampled \(nucleicAcidSampledAt ?? "?")" }),
            ("vaccination", vaccinationDoses.map { "\($0) dose(s)" + (vaccinationSeriesDoses.map { " of \($0)" } ?? "") + (vaccinationLastDose.map { ", last \($0)" } ?? "") }),
            ("outside-province-14d", arrivedFromOutsideProvince.map { $0 ? "yes" : "no" }),
        ]
        lines += optional.compactMap { name, value in value.map { "\(name): \($0)" } }
        return lines.joined(separator: "\n")
    }
}

struct CodeKeygenCommand: ParsableCommand {
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
                throw CodeCommandError.usage("cannot write \(keyPath)")
            }
            try key.trustEntry.write(toFile: entryPath, atomically: true, encoding: .utf8)
        } catch {
            throw fail("\(error)")
        }
        print("private-key \(keyPath)")
        print("trust-entry \(entryPath)")
    }
}

struct CodeIssueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Sign an HG1 colour code (demos and tests); prints the payload unless --out-payload is given.")

    @Option(help: "Private key file written by 'gatectl code keygen'.")
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
