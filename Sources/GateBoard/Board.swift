import GateHardware

/// The devices of one board, real or simulated.
public struct Board {
    public var camera: Camera
    public var scanner: CodeScanner
    public var thermometer: Thermometer
    public var io: GateIO
    /// The simulated board, when it is one (the daemon stops when its scenario ends).
    public var simulation: SimulatedBoard?

    public init(camera: Camera, scanner: CodeScanner, thermometer: Thermometer, io: GateIO, simulation: SimulatedBoard? = nil) {
        self.camera = camera
        self.scanner = scanner
        self.thermometer = thermometer
        self.io = io
        self.simulation = simulation
    }
}
