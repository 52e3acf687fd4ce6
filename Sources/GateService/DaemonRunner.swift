import CLinux
import EntryLog
import GateConfig
import GateCore
import GateHardware
import HealthCode
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
        let board = try BoardFactory.make(configuration.board, logger: logger)
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

/// The board named in the configuration. A real board never falls back to the simulation.
public enum BoardFactory {
    public static func make(_ config: BoardConfiguration, logger: Logger) throws -> Board {
        let density = Int32(config.camera.scanDensity)
        let scanner = try PlannedScanner(decoders: config.scanner.decoders, zbarOptions: .init(xDensity: density, yDensity: density))
        switch config.kind {
        case .simulated:
            guard let simulated = config.simulated else { throw GateDaemonRunner.StartError(description: "board.simulated missing") }
            let scenario = try Scenario.load(path: simulated.scenario)
            let board = try SimulatedBoard(scenario: scenario, width: config.camera.width, height: config.camera.height)
            board.loops = simulated.atEnd == .loop
            board.narrator = { text in printLine("") ; printLine("── \(text)") }
            return Board(
                camera: SimulatedCamera(board: board, fps: simulated.fps, path: "simulated:\(simulated.scenario)"),
                scanner: scanner,
                thermometer: SimulatedThermometer(board: board, path: "simulated-thermometer"),
                io: SimulatedGateIO(board: board, path: "simulated-gpio", printer: { printLine($0) }),
                simulation: board)
        case .linux:
            let settings = try LinuxBoardSettings(config)
            return Board(
                camera: V4L2Camera(settings: settings.camera),
                scanner: scanner,
                thermometer: MLX90614Thermometer(settings: settings.thermometer),
                io: GpiodIO(settings: settings.gpio))
        }
    }
}

/// One line to stdout, written at once (the demo interleaves it with the log on stderr).
func printLine(_ text: String) {
    var bytes = Array((text + "\n").utf8)
    _ = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress, $0.count) }
}
