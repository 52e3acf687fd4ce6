import EntryLog
import GateBoard
import GateConfig
import GateCore
import GateHardware
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
                           platform: PlatformVerifying? = nil, hooks: (Daemon) -> Void = { _ in }) throws {
        // First, so a SIGTERM or SIGHUP that arrives while the devices and the log open (seconds on a loaded
        // board) is kept for the loop instead of killing the daemon with the default action.
        Daemon.installSignalHandlers()
        LocalTime.useZone(configuration.gate.timeZone)
        let clock = SystemClock(assumeSynchronised: configuration.codes.assumeClockSynchronised)
        var board = try BoardFactory.make(configuration.board, clock: clock, echo: { printLine($0) })
        let visitor = BoardFactory.visitorOutputs(screen: configuration.screen, voice: configuration.voice,
                                                  simulated: configuration.board.kind == .simulated, echo: { printLine($0) })
        board.visitorOutputs = visitor.outputs
        for problem in visitor.problems { logger.error("visitor output left out", metadata: ["error": "\(problem)"]) }
        for output in visitor.outputs { logger.info("visitor output", metadata: ["device": "\(output.path)"]) }
        let log: EntryLogWriter
        do {
            log = try EntryLogWriter(path: configuration.log.database, gateID: configuration.gate.id,
                                     anchor: AnchorSettings(file: configuration.log.anchorFile, keyFile: configuration.log.anchorKey))
            logger.info("entry log anchors", metadata: ["file": "\(configuration.log.anchorFile)", "public_key": "\(log.anchorPublicKey ?? "")"])
        } catch {
            // Without a log no attempt can be recorded: refuse to start rather than admit unrecorded.
            throw StartError(description: "entry log \(configuration.log.database): \(error)")
        }
        let subjectKey: SubjectKey
        do {
            subjectKey = try SubjectKey.loadOrCreate(path: configuration.codes.subjectKey)
        } catch {
            // Without it HC1 pseudonyms would be reversible, or differ from the other gates' and break traces.
            throw StartError(description: "\(error)")
        }
        let verifier = TrustStoreVerifier(codes: configuration.codes, subjectKey: subjectKey)
        if case .unknown(let errno) = KernelClock.state {
            // Not "unsynchronised" but "cannot tell": a sandbox that blocks adjtimex (ProtectClock=).
            logger.error("cannot read the kernel's clock state; codes are checked as on an unsynchronised clock",
                         metadata: ["errno": "\(errno)", "call": "adjtimex"])
        }
        // No reader configured (or no platform to ask): no ID-card path at all.
        let idCards = platform == nil ? nil : board.idReaderPath.map { IDCardPoller(path: $0) }
        idCards?.start()
        let pipeline = GatePipeline(configuration: configuration, board: board, verifier: verifier, log: log,
                                    clock: clock, logger: logger, platform: platform, idCards: idCards)
        let daemon = Daemon(configuration: configuration, configPath: configPath, pipeline: pipeline, logger: logger,
                            reloadConfiguration: { try ConfigLoader.load(path: configPath) })
        hooks(daemon)
        daemon.run()
    }
}

/// One line to stdout, written at once (the demo interleaves it with the log on stderr).
func printLine(_ text: String) {
    var bytes = Array((text + "\n").utf8)
    _ = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress, $0.count) }
}
