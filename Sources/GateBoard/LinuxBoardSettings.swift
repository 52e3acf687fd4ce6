import GateConfig
import GateCore
import GateHardware

/// The real drivers' settings from the `[board]` section (profile plus overrides), for the daemon and
/// `gatectl selftest`. The configuration has parsed the lines already, so a bad one was reported with
/// its file and line before any device opens.
public struct LinuxBoardSettings: Sendable, Equatable {
    public var camera: CameraSettings
    public var thermometer: ThermometerSettings
    public var gpio: GPIOSettings

    public init(_ board: BoardConfiguration, consumer: String = "healthgated") {
        camera = CameraSettings(
            device: board.camera.device, width: board.camera.width, height: board.camera.height, fps: board.camera.fps,
            pixelFormat: board.camera.pixelFormat)
        thermometer = ThermometerSettings(
            bus: board.thermometer.bus, address: UInt8(clamping: board.thermometer.address),
            pec: board.thermometer.pec, samples: board.thermometer.samples)
        var outputs: [OutputLine: LineSpec] = [:]
        var inputs: [InputLine: LineSpec] = [:]
        for (function, line) in board.gpio.lines {
            if let output = OutputLine(rawValue: function) {
                outputs[output] = line
            } else if let input = InputLine(rawValue: function) {
                inputs[input] = line
            }
        }
        gpio = GPIOSettings(
            outputs: outputs, inputs: inputs, debounceMilliseconds: board.gpio.debounceMilliseconds,
            fireAlarmNormallyClosed: board.gpio.fireAlarmNormallyClosed, consumer: consumer)
    }
}

extension LinuxBoardSettings {
    public init(camera: CameraSettings, thermometer: ThermometerSettings, gpio: GPIOSettings) {
        self.camera = camera
        self.thermometer = thermometer
        self.gpio = gpio
    }
}
