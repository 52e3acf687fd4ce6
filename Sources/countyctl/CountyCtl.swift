import ArgumentParser
import Crypto
import Foundation
import GateCore
import HealthCode

/// countyctl: the county's tool for the signed trust and policy bundles gates apply (docs/codes.md, "Bundles"), and
/// for the county database the gates' uplinks ship to (docs/fleet.md, "The county").
/// Runs on the county's machine, where the county's private key is; it is not installed on gates.
@main
struct CountyCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "countyctl",
        abstract: "The county's tool: bundles and revocation lists; the county database (migrate, trace, inspect, gates).",
        subcommands: [KeyGen.self, BundleCommand.self, RevocationCommand.self, Migrate.self, Trace.self, Inspect.self,
                      Gates.self, Retention.self])
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func readFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else { throw Failure("\(path): cannot be read") }
    return Array(data)
}

func writeFile(_ bytes: [UInt8], _ path: String, mode: Int = 0o644) throws {
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: mode]) else {
        throw Failure("\(path): cannot be written")
    }
}

func hexBytes(_ text: String) throws -> [UInt8] {
    guard let bytes = Hex.decode(text) else { throw Failure("\(text): not an even number of hex digits") }
    return bytes
}

/// A key pair for the demo and tests: county.key (private, 0600) and county.pem (what gates pin).
struct KeyGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen", abstract: "Make a county key pair (P-256): DIR/county.key and DIR/county.pem.")
    @Option(help: "Directory for the two files.") var out: String = "."

    func run() throws {
        let key = P256.Signing.PrivateKey()
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try writeFile(Array((key.pemRepresentation + "\n").utf8), out + "/county.key", mode: 0o600)
        try writeFile(Array((key.publicKey.pemRepresentation + "\n").utf8), out + "/county.pem")
        let kid = Hex.encode(CountyBundle.keyID(of: key.publicKey))
        print("county key pair: \(out)/county.key (keep it on the county's side), \(out)/county.pem (install on gates as /etc/healthgate/county.pem); kid \(kid)")
    }
}

struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle", abstract: "Make a bundle's payload, then sign it.", subcommands: [Make.self, Sign.self])

    struct Make: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an unsigned bundle payload (CBOR) from keys, certificates, lists and rules.")
        @Option(help: "Bundle version: must be greater than the one the gates hold.") var version: Int
        @Option(help: "Creation time, Unix seconds (default: now). Freshness counts from it.") var created: Int?
        @Option(help: "Issuing county's name.") var issuer: String
        @Option(name: .customLong("hg1-key"), help: "REGION=FILE.pem: an HG1 issuer's public key. Repeat.") var hg1Keys: [String] = []
        @Option(help: "A DSC certificate file (PEM, one or more CERTIFICATE blocks, or DER). Repeat.") var dsc: [String] = []
        @Option(help: "A revocation list (*.hgrv, countyctl revocation make). Repeat.") var revocation: [String] = []
        @Option(name: .customLong("nucleic-acid-scope"), help: "Rule override: off, everyone or outside_province.") var scope: String?
        @Option(name: .customLong("nucleic-acid-max-age-h"), help: "Rule override: 24, 48 or 72.") var maxAge: Int?
        @Option(help: "Rule override: off, prompt or require.") var vaccination: String?
        @Option(name: .customLong("risk-region"), help: "A medium/high-risk region (GB/T 2260 code or prefix). Repeat.") var riskRegions: [String] = []
        @Option(help: "Output file for the payload.") var out: String

        func run() throws {
            var rules = RuleOverrides()
            if let scope {
                guard let value = VenueRules.NucleicAcidScope(rawValue: scope) else { throw Failure("--nucleic-acid-scope: off, everyone or outside_province") }
                rules.nucleicAcidScope = value
            }
            rules.nucleicAcidMaxAgeHours = maxAge
            if let vaccination {
                guard let value = VenueRules.VaccinationRule(rawValue: vaccination) else { throw Failure("--vaccination: off, prompt or require") }
                rules.vaccination = value
            }
            var keys: [CountyBundle.HG1Key] = []
            for entry in hg1Keys {
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw Failure("--hg1-key takes REGION=FILE.pem") }
                let text = String(decoding: try readFile(parts[1]), as: UTF8.self)
                guard let key = try? P256.Signing.PublicKey(pemRepresentation: text) else { throw Failure("\(parts[1]): not a P-256 PUBLIC KEY") }
                keys.append(.init(region: parts[0], publicKeyInfo: Array(key.derRepresentation)))
            }
            var certificates: [[UInt8]] = []
            for file in dsc { certificates += try Self.certificates(in: readFile(file), file: file) }
            let bundle = CountyBundle(version: version, createdAt: created ?? Int(Date().timeIntervalSince1970), issuer: issuer,
                                      hg1Keys: keys, signerCertificates: certificates, revocationLists: try revocation.map(readFile),
                                      rules: rules, riskRegions: riskRegions)
            // The payload is read back as the gate will read it, so a mistake shows here and not on 200 gates.
            _ = try CountyBundle(payload: bundle.payload)
            try writeFile(bundle.payload, out)
            print("payload \(out): version \(version), \(keys.count) HG1 keys, \(certificates.count) DSCs, \(revocation.count) revocation lists")
        }

        static func certificates(in bytes: [UInt8], file: String) throws -> [[UInt8]] {
            guard let text = String(validating: bytes, as: UTF8.self), text.contains("-----BEGIN CERTIFICATE-----") else { return [bytes] }
            var out: [[UInt8]] = []
            for block in text.components(separatedBy: "-----BEGIN CERTIFICATE-----").dropFirst() {
                let body = block.components(separatedBy: "-----END CERTIFICATE-----")[0].filter { !$0.isWhitespace }
                guard let der = Data(base64Encoded: body) else { throw Failure("\(file): bad base64 in a CERTIFICATE block") }
                out.append(Array(der))
            }
            return out
        }
    }

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign a payload with the county key: the bundle file (*.hgb).")
        @Option(help: "County private key (PEM, countyctl keygen).") var key: String
        @Argument(help: "Payload from `countyctl bundle make`.") var payload: String
        @Option(help: "Output bundle file (*.hgb).") var out: String

        func run() throws {
            let text = String(decoding: try readFile(key), as: UTF8.self)
            guard let county = try? P256.Signing.PrivateKey(pemRepresentation: text) else { throw Failure("\(key): not a P-256 private key") }
            let bundle = try CountyBundle(payload: readFile(payload))
            let signed = try bundle.signed(with: county)
            let verified = try VerifiedBundle(bytes: signed, countyKey: county.publicKey)
            try writeFile(signed, out)
            print("bundle \(out): version \(bundle.version), sha256 \(verified.digest)")
        }
    }
}

struct RevocationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revocation", abstract: "Revocation lists (HGRV).", subcommands: [Make.self])

    struct Make: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a one-section revocation list.",
            discussion: """
                --value is hashed as the kind says (UCI: the UCI; COUNTRYCODEUCI: country code then UCI, e.g. DEURN:UVCI:…; \
                HG1_SUBJECT: the subject pseudonym in hex). --hash takes a ready 16-byte (or longer) hash in hex, e.g. an HG1 \
                code's fingerprint as gatectl shows it (HG1_FINGERPRINT) or an EU list's hash.
                """)
        @Option(help: "SIGNATURE, UCI, COUNTRYCODEUCI, HG1_FINGERPRINT or HG1_SUBJECT.") var kind: String
        @Option(help: "Signer kid in hex (omit: the section applies to every kid).") var kid: String?
        @Option(help: "A value to hash. Repeat.") var value: [String] = []
        @Option(help: "A hash in hex (first 16 bytes used). Repeat.") var hash: [String] = []
        @Option(help: "A file with one hex hash per line (for long lists).") var hashes: String?
        @Option(help: "Output file (*.hgrv).") var out: String

        func run() throws {
            guard let kind = RevocationKind(name: kind) else { throw Failure("--kind: SIGNATURE, UCI, COUNTRYCODEUCI, HG1_FINGERPRINT or HG1_SUBJECT") }
            var entries: [[UInt8]] = []
            for text in value { entries.append(kind == .hg1Subject ? RevocationKind.hash(try hexBytes(text)) : RevocationKind.hash(Array(text.utf8))) }
            var hexes = hash
            if let hashes { hexes += String(decoding: try readFile(hashes), as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init) }
            for text in hexes {
                let bytes = try hexBytes(text.trimmingCharacters(in: .whitespaces))
                guard bytes.count >= RevocationKind.hashBytes else { throw Failure("\(text): shorter than 16 bytes") }
                entries.append(Array(bytes.prefix(RevocationKind.hashBytes)))
            }
            let file = RevocationList.encode([(kind, try kid.map(hexBytes) ?? [], entries)])
            _ = try RevocationList(bytes: file)
            try writeFile(file, out)
            print("revocation list \(out): \(kind), \(Set(entries.map { $0 }).count) entries")
        }
    }
}
