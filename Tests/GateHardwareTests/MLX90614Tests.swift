import Glibc
import Testing

@testable import GateHardware

@Suite struct MLX90614Tests {
    // Examples printed in the MLX90614 datasheet (SMBus read-word and write-word with PEC).
    @Test(arguments: [
        ([0xB4, 0x07, 0xB5, 0xD2, 0x3A] as [UInt8], UInt8(0x30)),  // read RAM 0x07 → 0x3AD2
        ([0xB4, 0x22, 0x07, 0xC8] as [UInt8], UInt8(0x48)),  // write EEPROM 0x02 ← 0xC807
        ([] as [UInt8], UInt8(0x00)),
    ])
    func crc8MatchesDatasheet(bytes: [UInt8], pec: UInt8) {
        #expect(MLX90614.crc8(bytes) == pec)
    }

    @Test func readWordPECCoversBothAddressBytes() {
        #expect(MLX90614.readWordPEC(address: 0x5A, command: 0x07, lsb: 0xD2, msb: 0x3A) == 0x30)
        // A different address or one flipped data bit changes the code.
        #expect(MLX90614.readWordPEC(address: 0x5B, command: 0x07, lsb: 0xD2, msb: 0x3A) != 0x30)
        #expect(MLX90614.readWordPEC(address: 0x5A, command: 0x07, lsb: 0xD3, msb: 0x3A) != 0x30)
    }

    @Test(arguments: [
        (UInt16(0x3AD2), 28.01),  // the datasheet's example word
        (UInt16(0x3B3E), 30.17),
        (UInt16(0x3C81), 36.63),
        (UInt16(0x0000), -273.15),
        (UInt16(0x7FFF), 382.19),
    ])
    func rawWordToCelsius(raw: UInt16, celsius: Double) throws {
        let value = try #require(MLX90614.celsius(raw: raw))
        #expect(abs(value - celsius) < 0.001)
    }

    @Test(arguments: [UInt16(0x8000), 0xBAD2, 0xFFFF])
    func errorFlagGivesNoTemperature(raw: UInt16) {
        #expect(MLX90614.celsius(raw: raw) == nil)
    }

    @Test(arguments: [
        ([36.5], 36.5 as Double?),
        ([36.5, 90.0, 36.7], 36.7),
        ([36.9, 36.5, -20.0, 36.6, 36.7], 36.6),
        ([36.0, 37.0], 36.5),
        ([], nil),
    ])
    func median(values: [Double], expected: Double?) {
        #expect(MLX90614.median(values) == expected)
    }
}

/// Real kernel interfaces of the host: device nodes that do not exist, or are not what the driver expects.
@Suite struct ThermometerDeviceTests {
    @Test func missingBusIsAFaultNamingBusAndAddress() {
        let thermometer = MLX90614Thermometer(settings: ThermometerSettings(bus: "/dev/i2c-99"))
        #expect(throws: DeviceError(
            device: .thermometer, path: "/dev/i2c-99@0x5a", operation: "open", errno: ENOENT,
            message: "No such file or directory")) { try thermometer.open() }
    }

    @Test func nodeThatIsNotAnI2CBusIsRejected() {
        let thermometer = MLX90614Thermometer(settings: ThermometerSettings(bus: "/dev/null", address: 0x5A))
        let error = #expect(throws: DeviceError.self) { try thermometer.open() }
        #expect(error?.operation == "ioctl(I2C_SLAVE)")
        #expect(error?.errno == ENOTTY)
    }

    @Test func readWithTheBusGoneAsksForReopen() {
        let thermometer = MLX90614Thermometer(settings: ThermometerSettings(bus: "/dev/i2c-98", address: 0x5B))
        let error = #expect(throws: DeviceError.self) { _ = try thermometer.read() }
        #expect(error?.path == "/dev/i2c-98@0x5b")
        #expect(error?.operation == "open")
    }

    @Test(arguments: [
        ThermometerSettings(address: 0x00), ThermometerSettings(address: 0x78), ThermometerSettings(samples: 0),
    ])
    func settingsOutOfRangeAreRejectedBeforeAnyIO(settings: ThermometerSettings) {
        let error = #expect(throws: DeviceError.self) { try MLX90614Thermometer(settings: settings).open() }
        #expect(error?.operation == "configure")
    }
}
