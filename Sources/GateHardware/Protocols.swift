import GateCore

/// One luma (Y, 8 bits per pixel) plane, borrowed from the camera's buffer for the duration of a
/// callback. Never stored: the memory belongs to the driver (a V4L2 mmap buffer, or a file the
/// simulated camera read) and is reused for the next frame.
public struct LumaFrame {
    public var width: Int
    public var height: Int
    /// Bytes from one row to the next (YUYV's Y is read through a packed copy, see V4L2Camera).
    public var bytesPerRow: Int
    public var pixels: UnsafeRawBufferPointer
    /// Driver sequence number; gaps mean dropped frames.
    public var sequence: UInt64
    public init(width: Int, height: Int, bytesPerRow: Int, pixels: UnsafeRawBufferPointer, sequence: UInt64) {
        self.width = width
        self.height = height
        self.bytesPerRow = bytesPerRow
        self.pixels = pixels
        self.sequence = sequence
    }
}

/// Errors every driver reports in the same shape: which device, which call, what errno said.
public struct DeviceError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Device: String, Sendable { case camera, thermometer, gpio, scanner, idReader = "id_reader" }
    public var device: Device
    /// e.g. `/dev/video0`, `/dev/i2c-1@0x5a`, `gpiochip0:GPIO17`.
    public var path: String
    public var operation: String
    public var errno: Int32?
    public var message: String

    public init(device: Device, path: String, operation: String, errno: Int32? = nil, message: String) {
        self.device = device
        self.path = path
        self.operation = operation
        self.errno = errno
        self.message = message
    }
    public var description: String {
        "\(device.rawValue) \(path): \(operation) failed: \(message)" + (errno.map { " (errno \($0))" } ?? "")
    }
}

/// A frame source. Same protocol for V4L2 and the simulated camera so the daemon cannot tell them apart.
public protocol Camera: AnyObject {
    /// Where it reads from, for logs.
    var path: String { get }
    func open() throws(DeviceError)
    /// Waits up to `timeoutMilliseconds` for the next frame and lends it to `body`.
    /// Returns nil on a timeout (no frame yet), throws when the device failed.
    func withNextFrame<R>(timeoutMilliseconds: Int, _ body: (LumaFrame) throws -> R) throws -> R?
    func close()
}

/// One decoded symbol: the payload's raw bytes (zbar's binary mode keeps them untouched).
public struct ScannedCode: Sendable, Equatable {
    public var payload: [UInt8]
    public init(payload: [UInt8]) { self.payload = payload }
}

public protocol CodeScanner: AnyObject {
    /// Decodes every QR code in the frame. An empty result means no code was found.
    func scan(_ frame: LumaFrame) -> [ScannedCode]
}

/// A temperature as the thermometer reports it, before any body-temperature compensation.
public struct ThermometerReading: Sendable, Equatable {
    public var objectCelsius: Double
    public var ambientCelsius: Double
    public init(objectCelsius: Double, ambientCelsius: Double) {
        self.objectCelsius = objectCelsius
        self.ambientCelsius = ambientCelsius
    }
}

public protocol Thermometer: AnyObject {
    var path: String { get }
    func open() throws(DeviceError)
    /// One measurement (drivers take the median of their configured samples).
    func read() throws(DeviceError) -> ThermometerReading
    func close()
}

/// Outputs the gate drives. Names, not numbers: the board profile maps them to lines.
public enum OutputLine: String, Sendable, CaseIterable, Codable {
    case relay, green, yellow, red, buzzer
}

/// Inputs the gate watches.
public enum InputLine: String, Sendable, CaseIterable, Codable {
    case exitSensor = "exit_sensor"
    case fireAlarm = "fire_alarm"
    case staffButton = "staff_button"
}

/// A debounced edge on an input, already converted to its logical meaning
/// (`active` true = exit beam broken / alarm raised / button pressed; the driver applies active-low
/// and normally-closed wiring).
public struct InputEvent: Sendable, Equatable {
    public var line: InputLine
    public var active: Bool
    public init(line: InputLine, active: Bool) {
        self.line = line
        self.active = active
    }
}

public protocol GateIO: AnyObject {
    var path: String { get }
    func open() throws(DeviceError)
    /// Logical level: true = relay energised / LED lit / buzzer sounding (active-low handled inside).
    func set(_ line: OutputLine, _ active: Bool) throws(DeviceError)
    /// Logical level of an input now (used at start, e.g. a fire alarm already raised).
    func level(_ line: InputLine) throws(DeviceError) -> Bool
    /// Debounced edges since the last call; never blocks.
    func pendingEvents() throws(DeviceError) -> [InputEvent]
    /// Relay released, indicators and buzzer off. Must not throw: called on every exit path.
    func safeState()
    func close()
}
