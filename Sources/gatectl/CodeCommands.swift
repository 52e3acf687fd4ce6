import ArgumentParser
import Foundation
import GateConfig
import GateCore
import GateHardware
import HealthCode
import LinuxSystem
import PNGImage

/// `gatectl code …`: check a code by hand. Making codes (keys, issuing, forging, QR frames) is
/// `healthgate-dev`'s job, which is not installed on gates.
/// Exit status: 0 valid, 1 code refused, 2 usage or file error (also no QR in an image).
struct CodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "code",
        abstract: "Verify health codes (HG1, HC1).",
        subcommands: [CodeVerifyCommand.self])
}

/// Prints to stderr and exits 2: bad arguments and unreadable files are not verdicts.
func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("gatectl: \(message)\n".utf8))
    return ExitCode(2)
}

struct CodeVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify one code and print the verdict; exit 0 only when valid.")

    @Option(help: "Validate at this ISO 8601 time, treated as a synchronised clock.")
    var at: String?
    @Option(help: """
        The gate's configuration file: verify with its trust store and its [codes] limits \
        (max_hg1_lifetime_s, unsynced_clock, assume_clock_synchronised).
        """)
    var config: String?
    @Option(help: "Trust-store directory (default: the configuration's, else \(Self.defaultTrustDirectory)).")
    var trust: String?
    @Flag(help: "Print the verdict as JSON.")
    var json = false
    @Option(help: "Decode the QR from a PGM (P5) or PNG image instead of a payload argument.")
    var image: String?
    @Argument(help: "The payload text (HG1:… or HC1:…); '-' reads it from stdin.")
    var payload: String?

    static let defaultTrustDirectory = "/etc/healthgate/trust"

    func run() throws {
        let bytes = try readPayload()
        var codes: GateConfiguration.Codes?
        if let config {
            do { codes = try ConfigLoader.load(path: config).codes } catch { throw fail("\(error)") }
        }
        let clock: ClockReading
        if let at {
            guard let time = ISO8601.parse(at) else { throw fail("--at: \(ISO8601.notATime(at))") }
            clock = ClockReading(now: time, synchronised: true)
        } else {
            clock = KernelClock.read(assumeSynchronised: codes?.assumeClockSynchronised ?? false)
        }
        let trustDirectory = trust ?? codes?.trustDirectory ?? Self.defaultTrustDirectory
        let store = TrustStore(directory: trustDirectory)
        for problem in store.problems { FileHandle.standardError.write(Data("gatectl: trust store: \(problem)\n".utf8)) }
        // The same limits the daemon applies (TrustStoreVerifier), so a verdict here is the gate's verdict.
        let limits = codes.map {
            VerifierConfiguration(unsyncedClockPolicy: $0.unsyncedClock, maxHG1Lifetime: Double($0.maxHG1LifetimeSeconds))
        } ?? VerifierConfiguration()
        // The trust directory's revocation lists (*.hgrv), as the daemon checks them.
        let revocation = RevocationStore(directory: trustDirectory)
        // And the applied county bundle's keys and lists, as the daemon re-applies it at start.
        if let codes, let kept = Self.keptBundle(codes) {
            revocation.setBundleLists(kept.lists)
            store.setBundleKeys(kept.keys)
        }
        let verdict = CodeVerifier(trustStore: store, revocation: revocation, configuration: limits).verify(payload: bytes, clock: clock)
        print(json ? VerdictReport(verdict, clock: clock).json : VerdictReport(verdict, clock: clock).text)
        if !verdict.isValid { throw ExitCode(1) }
    }

    /// The bundle the daemon holds (`codes.bundle_dir/current.hgb`), checked against the pinned county key;
    /// nil when bundles are off or none was applied. One that no longer verifies is said, and not used,
    /// as the daemon does.
    static func keptBundle(_ codes: GateConfiguration.Codes) -> VerifiedBundle? {
        guard let pem = try? String(contentsOfFile: codes.countyKey, encoding: .utf8),
              let bytes = FileManager.default.contents(atPath: codes.keptBundleFile) else { return nil }
        do {
            return try VerifiedBundle(bytes: Array(bytes), countyKey: try CountyBundle.countyKey(pem: pem))
        } catch {
            FileHandle.standardError.write(Data("gatectl: kept bundle \(codes.keptBundleFile) not used: \(error)\n".utf8))
            return nil
        }
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
