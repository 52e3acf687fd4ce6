import Glibc
import ArgumentParser
import GateConfig
import GateCore
import GateService
import LinuxSystem
import Logging
import PlatformClient

/// The HTTP adapter as the pipeline's port: conformance here, so GateService never links the HTTP client.
extension PlatformClient: PlatformVerifying {}

/// healthgated: the gate daemon. Wiring only; everything it runs lives in GateService.
@main
struct HealthGated: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthgated",
        abstract: "The healthgate entrance-gate daemon: camera → health code → thermometer → gate relay → entry log.",
        discussion: """
            Runs in the foreground (systemd Type=notify). SIGTERM/SIGINT stop it with the relay released;
            SIGHUP reloads the configuration and the trust store (a bad new file is refused and the
            running one kept). Configuration keys: docs/configuration.md.
            """,
        version: healthgateVersion)

    @Option(name: .long, help: "Configuration file.")
    var config: String = ConfigLoader.defaultPath

    @Option(name: .customLong("check-config"), help: "Validate this configuration file and exit (0 = valid).")
    var checkConfig: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func run() throws {
        if let path = checkConfig {
            do {
                let loaded = try ConfigLoader.load(path: path, checkingPaths: .all)
                print("\(path): valid (gate \(loaded.gate.id), venue \(loaded.gate.venue.rawValue), board \(loaded.board.profile))")
                return
            } catch {
                printError(error.description)
                throw ExitCode(2)
            }
        }
        guard let level = Logger.Level(rawValue: logLevel) else {
            printError("--log-level: unknown level \"\(logLevel)\"")
            throw ExitCode(2)
        }
        let loaded: GateConfiguration
        do {
            loaded = try ConfigLoader.load(path: config, checkingPaths: .atStart)
        } catch {
            // Nothing is started on a bad file: a gate must not run on half a configuration.
            printError(error.description)
            throw ExitCode(2)
        }
        LoggingSystem.bootstrap { label in StderrLogHandler(label: label, level: level) }
        let logger = Logger(label: "healthgated")
        do {
            let reporter = ServiceReporter(configuration: loaded, logger: logger)
            let platform = try loaded.platform.map { try makePlatformClient($0, gateID: loaded.gate.id, subjectKey: loaded.codes.subjectKey) }
            try GateDaemonRunner.run(configuration: loaded, configPath: config, logger: logger, platform: platform,
                                     hooks: reporter.attach(to:))
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }
}

struct PlatformStartError: Error, CustomStringConvertible {
    var description: String
}

/// The platform secret is issued by the platform with the gate's registration: never created here.
func makePlatformClient(_ platform: GateConfiguration.Platform, gateID: String, subjectKey: String) throws -> PlatformClient {
    guard access(platform.secretFile, F_OK) == 0 else {
        throw PlatformStartError(description: "platform.secret_file \(platform.secretFile): missing (the platform issues it with the gate's registration)")
    }
    let secret: [UInt8]
    do {
        secret = try SecretFile.readOrCreate(path: platform.secretFile, byteCount: 32, create: { [] }).bytes
    } catch {
        throw PlatformStartError(description: "platform.secret_file \(platform.secretFile): \(error.message)")
    }
    // The deployment's subject key (created on first start, as for HC1 pseudonyms): ID cards are pseudonymised under it.
    let pseudonymKey: [UInt8]
    do {
        pseudonymKey = try SecretFile.readOrCreate(path: subjectKey, byteCount: 32, create: {
            (0..<32).map { _ in UInt8.random(in: 0...255) }
        }).bytes
    } catch {
        throw PlatformStartError(description: "codes.subject_key \(subjectKey): \(error.message)")
    }
    return try PlatformClient(settings: .init(baseURL: platform.url, gateID: gateID, venueCode: platform.venueCode,
                                              tokenPrefixes: platform.tokenPrefixes, budgetMilliseconds: platform.budgetMilliseconds,
                                              probeIntervalSeconds: platform.probeIntervalSeconds, caFile: platform.caFile),
                              secret: secret, pseudonymKey: pseudonymKey)
}

func printError(_ text: String) {
    var standardError = StandardError()
    print(text, to: &standardError)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
