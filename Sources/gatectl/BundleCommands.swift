import ArgumentParser
import EntryLogCLI
import Foundation
import GateConfig
import GateCore
import HealthCode

/// `gatectl bundle inspect|verify FILE`: what a county bundle holds and whether this gate would apply it
/// (docs/codes.md, "Bundles"; docs/staff-guide.md). Making and signing bundles is the county's (countyctl).
struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle", abstract: "Inspect or verify a county trust and policy bundle.",
        subcommands: [Inspect.self, Verify.self])

    struct Source: ParsableArguments {
        @Option(name: .long, help: "The daemon's configuration file, for codes.county_key and codes.bundle_dir.")
        var config: String = ConfigLoader.defaultPath

        @Option(name: .customLong("county-key"), help: "County public key (PEM) to check against (default: codes.county_key).")
        var countyKeyOption: String?

        @Argument(help: "The bundle file (*.hgb).")
        var file: String

        var codes: GateConfiguration.Codes? {
            guard FileManager.default.fileExists(atPath: config) else { return nil }
            do { return try ConfigLoader.load(path: config).codes } catch {
                FileHandle.standardError.write(Data("gatectl: ignoring \(config): \(error)\n".utf8))
                return nil
            }
        }

        func read() throws -> [UInt8] {
            guard let data = FileManager.default.contents(atPath: file) else { throw CommandFailure("\(file): cannot be read") }
            return Array(data)
        }

        func verified() throws -> VerifiedBundle {
            let path = countyKeyOption ?? codes?.countyKey ?? "/etc/healthgate/county.pem"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw CommandFailure("\(path): no county key (give --county-key or set codes.county_key)")
            }
            do {
                return try VerifiedBundle(bytes: try read(), countyKey: try CountyBundle.countyKey(pem: text))
            } catch let error as BundleError {
                throw CommandFailure("\(file): REFUSED: \(error.message)")
            }
        }

        /// The version the gate holds now, from the kept bundle (nil: none, or unreadable).
        func heldVersion() -> Int? {
            let path = codes?.keptBundleFile ?? "/var/lib/healthgate/bundle/current.hgb"
            guard let data = FileManager.default.contents(atPath: path), let message = try? COSESign1(Array(data), limits: CBORLimits(maxDepth: 8, maxItems: 100_000, maxStringBytes: 64 << 20)),
                  let bundle = try? CountyBundle(payload: message.payload) else { return nil }
            return bundle.version
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what a bundle holds (the signature is checked too when a county key is available).")
        @OptionGroup var source: Source

        func run() throws {
            let bytes = try source.read()
            let bundle: CountyBundle
            do {
                let message = try COSESign1(bytes, limits: CBORLimits(maxDepth: 8, maxItems: 100_000, maxStringBytes: 64 << 20))
                bundle = try CountyBundle(payload: message.payload)
            } catch {
                throw CommandFailure("\(source.file): not a county bundle (\(error))")
            }
            let signature: String
            do { _ = try source.verified(); signature = "valid (county key)" } catch { signature = "\(error)" }
            print(BundleCommand.describe(bundle, file: source.file, signature: signature))
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a bundle as the daemon would: signature, every part, and newer than the one held.",
            discussion: "Exit status 0: the gate would apply it; 1: it would be refused (the reason is printed).")
        @OptionGroup var source: Source

        func run() throws {
            let verified = try source.verified()
            if let held = source.heldVersion(), verified.bundle.version <= held {
                throw CommandFailure("\(source.file): REFUSED: version \(verified.bundle.version) is not newer than the applied version \(held) (no rollback)")
            }
            print("\(source.file): OK: version \(verified.bundle.version), sha256 \(verified.digest), \(verified.keys.count) keys, " +
                  "\(verified.lists.reduce(0) { $0 + $1.entryCount }) revocation entries")
            for notice in verified.notices { print("  note: \(notice)") }
        }
    }

    static func describe(_ bundle: CountyBundle, file: String, signature: String) -> String {
        let created = Date(timeIntervalSince1970: Double(bundle.createdAt))
        var lines = ["\(file)", "  version    \(bundle.version)", "  created    \(created) (\(Int(Date().timeIntervalSince(created) / 3600)) h ago)",
                     "  issuer     \(bundle.issuer)", "  signature  \(signature)",
                     "  HG1 keys   \(bundle.hg1Keys.map { "\($0.region) kid \(Hex.encode(TrustStore.keyID(of: $0.publicKeyInfo)))" }.joined(separator: ", "))",
                     "  DSCs       \(bundle.signerCertificates.count)"]
        for (index, list) in bundle.revocationLists.enumerated() {
            if let parsed = try? RevocationList(bytes: list) {
                let sections = parsed.sections.map { "\($0.kind) \($0.kid.isEmpty ? "any kid" : Hex.encode($0.kid)): \($0.count)" }
                lines.append("  revocation[\(index)] \(parsed.entryCount) entries (\(sections.joined(separator: "; ")))")
            } else {
                lines.append("  revocation[\(index)] MALFORMED")
            }
        }
        let rules = [bundle.rules.nucleicAcidScope.map { "nucleic_acid_scope=\($0.rawValue)" },
                     bundle.rules.nucleicAcidMaxAgeHours.map { "nucleic_acid_max_age_h=\($0)" },
                     bundle.rules.vaccination.map { "vaccination=\($0.rawValue)" }].compactMap { $0 }
        lines.append("  rules      \(rules.isEmpty ? "-" : rules.joined(separator: ", "))")
        lines.append("  risk regions \(bundle.riskRegions.isEmpty ? "-" : bundle.riskRegions.joined(separator: ", "))")
        return lines.joined(separator: "\n")
    }

    /// The `gatectl status` row: version, age and freshness.
    static func statusRow(_ bundle: GateStatus.BundleStatus, language: Language, local: (Double) -> String) -> [String] {
        let label = language == .chinese ? "县级数据包" : "county bundle"
        guard let version = bundle.version else { return [label, "NONE applied (stale; policy \(bundle.policy))"] }
        let created = bundle.createdAt.map { ", created \(local($0))" } ?? ""
        return [label, "version \(version)\(created)" + (bundle.stale ? " STALE (policy \(bundle.policy))" : "")]
    }
}
