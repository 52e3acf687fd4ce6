import Glibc
import ArgumentParser
import GateConfig
import GateCore
import GateService
import Logging

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
            try GateDaemonRunner.run(configuration: loaded, configPath: config, logger: logger, hooks: reporter.attach(to:))
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }
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
