import GateHardware

/// The devices of one board, real or simulated.
public struct Board {
    public var camera: Camera
    public var scanner: CodeScanner
    public var thermometer: Thermometer
    public var io: GateIO
    /// True once a board playing a finite script has played it (the daemon then stops when idle);
    /// a real board never ends.
    public var scriptEnded: () -> Bool
    /// The serial line of the resident-ID-card reader (`[id_reader] device`); nil: no ID-card path.
    public var idReaderPath: String?
    /// The screen and the speaker (`BoardFactory.visitorOutputs`); none when neither is enabled.
    public var visitorOutputs: [VisitorOutput] = []

    public init(camera: Camera, scanner: CodeScanner, thermometer: Thermometer, io: GateIO,
                scriptEnded: @escaping () -> Bool = { false }) {
        self.camera = camera
        self.scanner = scanner
        self.thermometer = thermometer
        self.io = io
        self.scriptEnded = scriptEnded
    }
}
