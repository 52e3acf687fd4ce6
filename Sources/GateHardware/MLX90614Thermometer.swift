import CLinux
import Glibc
import LinuxSystem

/// Where and how to read the MLX90614. Defaults match a Raspberry Pi with the sensor on header I2C-1.
public struct ThermometerSettings: Sendable, Equatable {
    /// The i2c-dev node of the bus (`/dev/i2c-1` on a Raspberry Pi header once I2C is enabled).
    public var bus: String
    /// 7-bit device address (0x5A is the MLX90614's factory default).
    public var address: UInt8
    /// Check the SMBus packet error code of every read. On for real parts; i2c-stub cannot produce one.
    public var pec: Bool
    /// Readings per `read()`; the median is returned, so one glitched read does not count.
    public var samples: Int

    public init(bus: String = "/dev/i2c-1", address: UInt8 = 0x5A, pec: Bool = true, samples: Int = 5) {
        self.bus = bus
        self.address = address
        self.pec = pec
        self.samples = samples
    }
}

/// An MLX90614 infrared thermometer on an i2c-dev bus, read with SMBus transfers through the `I2C_SMBUS`
/// ioctl (adapters such as i2c-stub offer no plain `I2C_RDWR`).
///
/// Without PEC each register is an SMBus read-word. With PEC the driver reads the word and the device's
/// PEC byte as one 3-byte I2C block read (the same bus traffic: command, repeated start, three bytes) and
/// checks the CRC itself, so a mismatch is caught on every adapter, also those whose SMBus engine would
/// ignore the kernel's `I2C_PEC` flag.
public final class MLX90614Thermometer: Thermometer {
    public let settings: ThermometerSettings
    public let path: String
    /// The bus is held only during `read()`: a sensor read costs a few system calls either way, and an
    /// adapter that went away and came back (a USB bridge, a reloaded driver) is simply found again;
    /// nothing pins the adapter's driver in the kernel between visitors.
    private var fd: Int32 = -1

    public init(settings: ThermometerSettings) {
        self.settings = settings
        self.path = "\(settings.bus)@0x\(String(settings.address, radix: 16))"
    }

    deinit { closeBus() }

    /// Checks the settings and that the bus exists and can do the transfers needed; holds nothing open.
    public func open() throws(DeviceError) {
        guard (0x03...0x77).contains(settings.address) else {
            throw failure("configure", "address 0x\(String(settings.address, radix: 16)) is outside 0x03…0x77")
        }
        guard (1...99).contains(settings.samples) else {
            throw failure("configure", "samples must be 1…99, not \(settings.samples)")
        }
        defer { closeBus() }
        try openBus()
        var funcs: UInt = 0
        do throws(SystemCallError) {
            try SystemCall.check(hg_i2c_functionality(fd, &funcs), "ioctl(I2C_FUNCS)")
        } catch {
            throw DeviceError(.thermometer, path: path, error)
        }
        let needed = settings.pec ? hg_i2c_func_smbus_read_i2c_block : hg_i2c_func_smbus_read_word_data
        guard funcs & needed != 0 else {
            throw failure(
                "ioctl(I2C_FUNCS)",
                settings.pec
                    ? "adapter cannot do I2C block reads, needed to check PEC (set pec = false)"
                    : "adapter cannot do SMBus word reads")
        }
    }

    public func read() throws(DeviceError) -> ThermometerReading {
        guard settings.samples >= 1 else { throw failure("configure", "samples must be 1…99, not \(settings.samples)") }
        defer { closeBus() }
        try openBus()
        var objects: [Double] = []
        var ambients: [Double] = []
        objects.reserveCapacity(settings.samples)
        ambients.reserveCapacity(settings.samples)
        for _ in 0..<settings.samples {
            objects.append(try temperature(MLX90614.objectRAM))
            ambients.append(try temperature(MLX90614.ambientRAM))
        }
        // Both arrays hold `samples` ≥ 1 values, so the medians exist.
        return ThermometerReading(
            objectCelsius: MLX90614.median(objects) ?? .nan, ambientCelsius: MLX90614.median(ambients) ?? .nan)
    }

    public func close() {
        closeBus()
    }

    private func openBus() throws(DeviceError) {
        closeBus()
        do throws(SystemCallError) {
            fd = try SystemCall.open(settings.bus, flags: O_RDWR)
            try SystemCall.check(hg_i2c_set_slave(fd, UInt16(settings.address)), "ioctl(I2C_SLAVE)")
        } catch {
            closeBus()
            throw DeviceError(.thermometer, path: path, error)
        }
    }

    private func closeBus() {
        if fd >= 0 { SystemCall.close(fd) }
        fd = -1
    }

    /// One register in °C; the device's error flag is a fault (not a temperature).
    private func temperature(_ register: UInt8) throws(DeviceError) -> Double {
        let raw = try word(register)
        guard let celsius = MLX90614.celsius(raw: raw) else {
            throw failure(operation(register), "sensor set its error flag (raw 0x\(String(raw, radix: 16)))")
        }
        return celsius
    }

    private func word(_ register: UInt8) throws(DeviceError) -> UInt16 {
        if !settings.pec {
            do throws(SystemCallError) {
                let word = try SystemCall.check(hg_i2c_smbus_read_word(fd, register), operation(register))
                return UInt16(truncatingIfNeeded: word)
            } catch {
                throw DeviceError(.thermometer, path: path, error)
            }
        }
        var bytes: (UInt8, UInt8, UInt8) = (0, 0, 0)
        let count = withUnsafeMutableBytes(of: &bytes) { buffer in
            hg_i2c_smbus_read_i2c_block(fd, register, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), 3)
        }
        do throws(SystemCallError) {
            try SystemCall.check(count, operation(register))
        } catch {
            throw DeviceError(.thermometer, path: path, error)
        }
        guard count == 3 else {
            throw failure(operation(register), "short read: \(count) of 3 bytes", errno: EIO)
        }
        let expected = MLX90614.readWordPEC(address: settings.address, command: register, lsb: bytes.0, msb: bytes.1)
        guard bytes.2 == expected else {
            throw failure(
                operation(register),
                "PEC mismatch: got 0x\(String(bytes.2, radix: 16)), expected 0x\(String(expected, radix: 16))",
                errno: EBADMSG)
        }
        return UInt16(bytes.1) << 8 | UInt16(bytes.0)
    }

    private func operation(_ register: UInt8) -> String {
        "read register 0x0\(String(register, radix: 16))"
    }

    private func failure(
        _ operation: String, _ message: String, errno: Int32? = nil
    ) -> DeviceError {
        DeviceError(
            device: .thermometer, path: path, operation: operation, errno: errno, message: message)
    }
}
