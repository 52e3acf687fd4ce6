import CLinux
import EntryLog
import GateBoard
import GateConfig
import GateCore
import HealthCode
import LinuxSystem
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Builds the gate from a configuration: board, verifier, entry log, pipeline; then runs it.
public enum GateDaemonRunner {
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func run(configuration: GateConfiguration, configPath: String, logger: Logger,
                           hooks: (Daemon) -> Void = { _ in }) throws {
        LocalTime.useZone(configuration.gate.timeZone)
        let board = try BoardFactory.make(configuration.board, echo: { printLine($0) })
        let log: EntryLogWriter
        do {
            log = try EntryLogWriter(path: configuration.log.database, gateID: configuration.gate.id)
        } catch {
            // Without a log no attempt can be recorded: refuse to start rather than admit unrecorded.
            throw StartError(description: "entry log \(configuration.log.database): \(error)")
        }
        let verifier = TrustStoreVerifier(codes: configuration.codes)
        let clock = SystemClock(assumeSynchronised: configuration.codes.assumeClockSynchronised)
        let clockState = hg_clock_synchronised()
        if clockState < 0 {
            // Not "unsynchronised" but "cannot tell": a sandbox that blocks adjtimex (ProtectClock=).
            logger.error("cannot read the kernel's clock state; codes are checked as on an unsynchronised clock",
                         metadata: ["errno": "\(-clockState)", "call": "adjtimex"])
        }
        let pipeline = GatePipeline(configuration: configuration, board: board, verifier: verifier, log: log,
                                    clock: clock, logger: logger)
        let daemon = Daemon(configuration: configuration, configPath: configPath, pipeline: pipeline, logger: logger,
                            reloadConfiguration: { try ConfigLoader.load(path: configPath) })
        hooks(daemon)
        Daemon.installSignalHandlers()
        daemon.run()
    }
}

/// One line to stdout, written at once (the demo interleaves it with the log on stderr).
func printLine(_ text: String) {
    var bytes = Array((text + "\n").utf8)
    _ = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress, $0.count) }
}
