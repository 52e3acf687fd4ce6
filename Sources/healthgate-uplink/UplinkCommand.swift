import ArgumentParser
import CountyStore
import Foundation
import GateConfig
import GateCore
import LinuxSystem
import Logging

/// healthgate-uplink: the gate's entry log and anchors to the county's PostgreSQL (docs/fleet.md, "The county").
@main
struct UplinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthgate-uplink", abstract: "Ship the gate's entry log and anchors to the county database.",
        version: healthgateVersion)

    @Option(help: "The uplink's config file.") var config = "/etc/healthgate/uplink.toml"
    @Flag(help: "Ship every row committed now, then exit (for a manual catch-up, the demo and tests).") var once = false
    @Flag(help: "Check the config files and exit.") var checkConfig = false
    @Flag(help: "Log each acknowledged batch.") var verbose = false

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        var logger = Logger(label: "healthgate-uplink")
        logger.logLevel = verbose ? .debug : .info
        do {
            let uplink = try UplinkConfig.load(path: config)
            let gate = try ConfigLoader.load(path: uplink.gateConfig)
            if checkConfig { print("\(config): ok (gate \(gate.gate.id))"); return }
            // Read at start, not for --check-config: under systemd the file is the unit's credential, absent outside it.
            let password = try uplink.passwordFile.map(readPassword)
            if uplink.host != nil && uplink.sslmode == .disable {
                logger.warning("sslmode = disable over TCP: the county link is not encrypted by the uplink")
            }
            let runner = Uplink(config: uplink, gate: gate, endpoint: uplink.endpoint(password: password), logger: logger)
            try await runner.run(untilCaughtUp: once)
        } catch let error as UplinkFailure {
            FileHandle.standardError.write(Data("healthgate-uplink: \(error)\n".utf8))
            throw ExitCode(2)
        } catch let error as ConfigErrors {
            FileHandle.standardError.write(Data("healthgate-uplink: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// The password file's first line; a file others can read is refused (the message names the fix, never the content).
func readPassword(_ path: String) throws -> String {
    do { return try SecretFile.readPassword(path: path) } catch { throw UplinkFailure("\(path): \(error.message)") }
}
