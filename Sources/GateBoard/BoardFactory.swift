import GateConfig
import GateCore
import GateHardware

/// The one place devices are made from a configuration, for the daemon and `gatectl selftest` alike.
/// A real board never falls back to the simulation.
public enum BoardFactory {
    public struct MissingSimulation: Error, CustomStringConvertible {
        public var description: String { "board.simulated missing" }
    }

    /// The board named in the configuration. `echo` receives the simulated board's narration and output
    /// changes (the demo prints them); nil keeps them quiet. The simulated board runs on `clock` (the daemon's).
    public static func make(
        _ config: BoardConfiguration, consumer: String = "healthgated", clock: GateClock = SystemClock(assumeSynchronised: true),
        echo: (@Sendable (String) -> Void)? = nil
    ) throws -> Board {
        switch config.kind {
        case .simulated:
            guard let simulated = config.simulated else { throw MissingSimulation() }
            let scenario = try Scenario.load(path: simulated.scenario)
            let board = try SimulatedBoard(scenario: scenario, width: config.camera.width, height: config.camera.height)
            board.loops = simulated.atEnd == .loop
            if let echo { board.narrator = { text in echo(""); echo("── \(text)") } }
            var made = Board(
                camera: SimulatedCamera(board: board, fps: simulated.fps, path: "simulated:\(simulated.scenario)", clock: clock),
                scanner: try scanner(config),
                thermometer: SimulatedThermometer(board: board, path: "simulated-thermometer"),
                io: SimulatedGateIO(board: board, path: "simulated-gpio", printer: echo, clock: clock),
                scriptEnded: { simulated.atEnd == .stop && board.finished })
            // "simulated": the board's own module, on the far side of a real pty.
            made.idReaderPath = config.idReaderDevice == "simulated" ? board.idCardModule?.devicePath : config.idReaderDevice
            return made
        case .linux:
            var made = try make(LinuxBoardSettings(config, consumer: consumer), scanDensity: config.camera.scanDensity,
                                decoders: config.scanner.decoders)
            made.idReaderPath = config.idReaderDevice
            return made
        }
    }

    /// The Linux drivers for these settings (selftest puts its command-line options on top of the configuration's).
    public static func make(_ settings: LinuxBoardSettings, scanDensity: Int = 1,
                            decoders: [QRDecoder] = BoardConfiguration.Scanner.defaultDecoders) throws -> Board {
        Board(
            camera: V4L2Camera(settings: settings.camera),
            scanner: try scanner(density: scanDensity, decoders: decoders),
            thermometer: MLX90614Thermometer(settings: settings.thermometer),
            io: GpiodIO(settings: settings.gpio))
    }

    private static func scanner(_ config: BoardConfiguration) throws -> CodeScanner {
        try scanner(density: config.camera.scanDensity, decoders: config.scanner.decoders)
    }

    /// The decoders `[scanner] decoders` names, in its order: one that cannot be created fails the start,
    /// it never falls back to another.
    private static func scanner(density: Int, decoders: [QRDecoder]) throws -> CodeScanner {
        let density = Int32(density)
        return try PlannedScanner(decoders: decoders, zbarOptions: .init(xDensity: density, yDensity: density))
    }
}
