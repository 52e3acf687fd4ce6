/// The MLX90614's SMBus protocol as pure functions (Melexis datasheet, "SMBus communication" and
/// "Temperature reading"): decoding, the packet error code and the median. No I/O here.
public enum MLX90614 {
    /// RAM address of the ambient (die) temperature, Ta.
    public static let ambientRAM: UInt8 = 0x06
    /// RAM address of the object temperature of zone 1, Tobj1.
    public static let objectRAM: UInt8 = 0x07

    /// SMBus packet error code: CRC-8 with polynomial x⁸+x²+x+1 (0x07), initial value 0, no reflection,
    /// over every byte on the wire (addresses with their R/W bit included).
    public static func crc8(_ bytes: some Sequence<UInt8>) -> UInt8 {
        var crc: UInt8 = 0
        for byte in bytes {
            crc ^= byte
            for _ in 0..<8 {
                crc = crc & 0x80 != 0 ? (crc << 1) ^ 0x07 : crc << 1
            }
        }
        return crc
    }

    /// The PEC a device appends to a read-word answer: CRC over address+W, command, address+R, LSB, MSB.
    public static func readWordPEC(address: UInt8, command: UInt8, lsb: UInt8, msb: UInt8) -> UInt8 {
        crc8([address &<< 1, command, (address &<< 1) | 1, lsb, msb])
    }

    /// A temperature word in degrees Celsius: 0.02 K per LSB. Nil when bit 15, the device's error flag, is set.
    public static func celsius(raw: UInt16) -> Double? {
        guard raw & 0x8000 == 0 else { return nil }
        return Double(raw) * 0.02 - 273.15
    }

    /// The median (mean of the two middle values for an even count); nil for no values.
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
