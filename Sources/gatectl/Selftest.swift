import ArgumentParser
import Foundation
import GateBoard
import GateConfig
import GateCore
import GateHardware

/// `gatectl selftest`: for installers. Drives every output once and reads every input and sensor, one
/// pass/fail line per step, with the devices from the configuration (or the options below). Run it with
/// the daemon stopped: a GPIO line has one owner at a time.
struct SelftestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selftest",
        abstract: "Check the gate's wiring: blink lamps, click the relay, read the thermometer, capture a frame.")

    @Option(name: .long, help: "Configuration file whose [board] to test (default: \(ConfigLoader.defaultPath) if it exists).")
    var config: String?

    @Option(name: .long, help: "Camera device path or /dev/v4l/by-id name.")
    var camera: String?

    @Option(name: .customLong("i2c-bus"), help: "Thermometer's i2c-dev node, e.g. /dev/i2c-1.")
    var i2cBus: String?

    @Option(name: .customLong("i2c-address"), help: "Thermometer's 7-bit address, e.g. 0x5a.")
    var i2cAddress: String?

    @Flag(name: .customLong("no-pec"), help: "Do not check the SMBus packet error code (i2c-stub cannot make one).")
    var noPEC = false

    @Option(name: .customLong("line"), help: "function=line, e.g. relay=!GPIO17 (repeat for each line).")
    var lines: [String] = []

    @Option(name: .customLong("blink-ms"), help: "How long each lamp and the buzzer stay on.")
    var blinkMilliseconds = 300

    @Option(name: .customLong("relay-ms"), help: "How long the relay is energised for its click.")
    var relayMilliseconds = 500

    @Option(name: .customLong("frame-timeout-ms"), help: "How long to wait for the first frame.")
    var frameTimeoutMilliseconds = 5000

    @Option(name: .long, help: "Steps to leave out: gpio, thermometer, camera (repeatable).")
    var skip: [Step] = []

    enum Step: String, ExpressibleByArgument, CaseIterable { case gpio, thermometer, camera }

    func run() throws {
        let devices: SelftestDevices
        do {
            devices = try makeDevices()
        } catch {
            print("FAIL  configuration: \(error)")
            throw ExitCode(2)
        }
        var report = SelftestReport()
        if !skip.contains(.gpio) { testGPIO(devices.io, &report) }
        if !skip.contains(.thermometer) { testThermometer(devices.thermometer, &report) }
        if !skip.contains(.camera) { testCamera(devices.camera, &report) }
        print("selftest: \(report.passed) passed, \(report.failed) failed")
        if report.failed > 0 { throw ExitCode(1) }
    }

    private func testGPIO(_ io: GateIO?, _ report: inout SelftestReport) {
        guard let io else {
            report.skip("gpio", "no lines given (--line relay=!GPIO17 … or --config)")
            return
        }
        do {
            try io.open()
        } catch {
            report.fail("gpio", "\(error)")
            return
        }
        defer {
            io.safeState()
            io.close()
        }
        report.pass("gpio", "lines requested on \(io.path)")
        for line in [OutputLine.green, .yellow, .red, .buzzer, .relay] {
            let milliseconds = line == .relay ? relayMilliseconds : blinkMilliseconds
            do {
                try io.set(line, true)
                usleep(useconds_t(max(0, milliseconds)) * 1000)
                try io.set(line, false)
                report.pass(line.rawValue, line == .relay ? "clicked for \(milliseconds) ms" : "on for \(milliseconds) ms")
            } catch {
                io.safeState()
                report.fail(line.rawValue, "\(error)")
            }
        }
        for line in InputLine.allCases {
            do {
                report.pass(line.rawValue, try io.level(line) ? "active" : "inactive")
            } catch {
                report.fail(line.rawValue, "\(error)")
            }
        }
    }

    private func testThermometer(_ thermometer: Thermometer, _ report: inout SelftestReport) {
        defer { thermometer.close() }
        do {
            try thermometer.open()
            let reading = try thermometer.read()
            report.pass(
                "thermometer", "\(thermometer.path): object \(celsius(reading.objectCelsius)), ambient \(celsius(reading.ambientCelsius))")
        } catch {
            report.fail("thermometer", "\(error)")
        }
    }

    private func testCamera(_ camera: Camera, _ report: inout SelftestReport) {
        defer { camera.close() }
        do {
            try camera.open()
            let deadline = Date().addingTimeInterval(Double(frameTimeoutMilliseconds) / 1000)
            let scanner = try ZbarScanner()
            var seen: String?
            while seen == nil, Date() < deadline {
                seen = try camera.withNextFrame(timeoutMilliseconds: 200) { frame in
                    "\(FrameSummary(frame)), \(describe(scanner.scan(frame)))"
                }
            }
            if let seen {
                let format = (camera as? V4L2Camera).map { "\($0.negotiated), " } ?? ""
                report.pass("camera", "\(camera.path): \(format)\(seen)")
            } else {
                report.fail("camera", "\(camera.path): no frame within \(frameTimeoutMilliseconds) ms")
            }
        } catch {
            report.fail("camera", "\(error)")
        }
    }

    /// What was decoded, without the payload itself (it can carry personal data): count, size, prefix.
    private func describe(_ codes: [ScannedCode]) -> String {
        guard let first = codes.first else { return "no QR code" }
        let prefix = first.payload.prefix { $0 != UInt8(ascii: ":") && $0 >= 0x20 && $0 < 0x7F }.prefix(4)
        let format = first.payload.count > prefix.count && first.payload[prefix.count] == UInt8(ascii: ":")
            ? ", prefix \(String(decoding: prefix, as: UTF8.self)):" : ""
        return "\(codes.count) QR code(s), first \(first.payload.count) bytes\(format)"
    }

    private func celsius(_ value: Double) -> String {
        String(format: "%.2f °C", value)
    }

    /// The devices from --config (or the default file when present), with the options on top, made by the
    /// daemon's own factory.
    private func makeDevices() throws -> SelftestDevices {
        let configPath = config ?? (FileManager.default.fileExists(atPath: ConfigLoader.defaultPath) ? ConfigLoader.defaultPath : nil)
        let board = try configPath.map { try ConfigLoader.load(path: $0).board }
        if let board, board.kind == .simulated {
            let devices = try BoardFactory.make(board, consumer: Self.consumer)
            return SelftestDevices(camera: devices.camera, thermometer: devices.thermometer, io: devices.io)
        }
        var settings =
            board.map { LinuxBoardSettings($0, consumer: Self.consumer) }
            ?? LinuxBoardSettings(
                camera: CameraSettings(), thermometer: ThermometerSettings(), gpio: GPIOSettings(consumer: Self.consumer))
        if let camera { settings.camera.device = camera }
        if let i2cBus { settings.thermometer.bus = i2cBus }
        if let i2cAddress {
            let digits = i2cAddress.lowercased().hasPrefix("0x") ? String(i2cAddress.dropFirst(2)) : i2cAddress
            guard let address = UInt8(digits, radix: 16) else {
                throw ValidationError("--i2c-address \(i2cAddress) is not a hexadecimal address such as 0x5a")
            }
            settings.thermometer.address = address
        }
        if noPEC { settings.thermometer.pec = false }
        for assignment in lines {
            let parts = assignment.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--line \(assignment): expected function=line") }
            let spec = try LineSpec.parse(parts[1])
            if let output = OutputLine(rawValue: parts[0]) {
                settings.gpio.outputs[output] = spec
            } else if let input = InputLine(rawValue: parts[0]) {
                settings.gpio.inputs[input] = spec
            } else {
                let functions = (OutputLine.allCases.map(\.rawValue) + InputLine.allCases.map(\.rawValue)).joined(separator: ", ")
                throw ValidationError("--line \(assignment): unknown function \"\(parts[0])\" (one of \(functions))")
            }
        }
        let devices = try BoardFactory.make(settings, scanDensity: board?.camera.scanDensity ?? 1,
                                            decoders: board?.scanner.decoders ?? BoardConfiguration.Scanner.defaultDecoders)
        let noLines = settings.gpio.outputs.isEmpty && settings.gpio.inputs.isEmpty
        return SelftestDevices(camera: devices.camera, thermometer: devices.thermometer, io: noLines ? nil : devices.io)
    }

    /// The GPIO consumer name the kernel shows for the lines while the selftest holds them.
    private static let consumer = "gatectl-selftest"
}

private struct SelftestDevices {
    var camera: Camera
    var thermometer: Thermometer
    var io: GateIO?
}

/// Counts and prints one line per step.
private struct SelftestReport {
    var passed = 0
    var failed = 0
    mutating func pass(_ step: String, _ detail: String) {
        passed += 1
        print("PASS  \(step): \(detail)")
    }
    mutating func fail(_ step: String, _ detail: String) {
        failed += 1
        print("FAIL  \(step): \(detail)")
    }
    func skip(_ step: String, _ detail: String) {
        print("SKIP  \(step): \(detail)")
    }
}

/// What a frame showed, without keeping it: size, sequence and luma statistics (a lens cap reads dark,
/// a test pattern or a scene shows a spread).
private struct FrameSummary: CustomStringConvertible {
    var width: Int
    var height: Int
    var sequence: UInt64
    var mean: Int
    var minimum: UInt8
    var maximum: UInt8

    init(_ frame: LumaFrame) {
        width = frame.width
        height = frame.height
        sequence = frame.sequence
        var total = 0
        var low = UInt8.max
        var high = UInt8.min
        for row in 0..<frame.height {
            for x in 0..<frame.width {
                let value = frame.pixels[row * frame.bytesPerRow + x]
                total += Int(value)
                low = min(low, value)
                high = max(high, value)
            }
        }
        mean = frame.width * frame.height > 0 ? total / (frame.width * frame.height) : 0
        minimum = low
        maximum = high
    }

    var description: String {
        "frame \(sequence) \(width)x\(height), luma mean \(mean), min \(minimum), max \(maximum)"
    }
}
