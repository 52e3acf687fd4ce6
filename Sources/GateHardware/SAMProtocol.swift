import GateCore

/// The serial protocol of the SAM (security access module) in resident-ID-card readers (GA 467 readers such as
/// the IDM20 family), as public reader SDKs implement it (docs/id-card.md cites them):
///
///     request:  AA AA AA 96 69 | len_hi len_lo | cmd para | xor        len = 3 (cmd, para, xor)
///     response: AA AA AA 96 69 | len_hi len_lo | sw1 sw2 sw3 | data… | xor   len = 3 + data + 1
///
/// The checksum is the XOR of every byte from the length to the last data byte. Pure values: no I/O here.
public enum SAMProtocol {
    public static let header: [UInt8] = [0xAA, 0xAA, 0xAA, 0x96, 0x69]

    public struct Command: Sendable, Equatable {
        public var code: UInt8
        public var parameter: UInt8
        public static let findCard = Command(code: 0x20, parameter: 0x01)
        public static let selectCard = Command(code: 0x20, parameter: 0x02)
        public static let readText = Command(code: 0x30, parameter: 0x01)
    }

    /// SW3 values the reader answers with (SW1 SW2 are 00 00).
    public enum Status: UInt8, Sendable {
        case success = 0x90
        /// Find card: a card is in the field.
        case cardFound = 0x9F
        /// Find card: none.
        case noCard = 0x80
        case selectFailed = 0x81
        case readFailed = 0x41
    }

    public struct Response: Sendable, Equatable {
        public var sw1: UInt8, sw2: UInt8, sw3: UInt8
        public var data: [UInt8]
        public var status: Status? { sw1 == 0 && sw2 == 0 ? Status(rawValue: sw3) : nil }
    }

    public enum FrameError: Error, Equatable, Sendable {
        case badHeader, badLength(Int), badChecksum, truncated
    }

    public static func xor(_ bytes: some Sequence<UInt8>) -> UInt8 { bytes.reduce(0, ^) }

    public static func encode(_ command: Command) -> [UInt8] {
        let body: [UInt8] = [0x00, 0x03, command.code, command.parameter]
        return header + body + [xor(body)]
    }

    /// A response frame for the simulated module (and the tests): status and data, length and checksum added.
    public static func encodeResponse(sw3: UInt8, data: [UInt8] = []) -> [UInt8] {
        let length = 3 + data.count + 1
        let body: [UInt8] = [UInt8(length >> 8), UInt8(length & 0xFF), 0x00, 0x00, sw3] + data
        return header + body + [xor(body)]
    }

    /// The largest frame a reader sends: the text (256) and photo (1024) with their lengths, status, checksum.
    public static let maximumLength = 3 + 4 + 256 + 1024 + 1

    /// How many bytes the frame starting `bytes` needs in all, once its header and length have arrived.
    public static func frameLength(_ bytes: [UInt8]) throws(FrameError) -> Int? {
        guard bytes.count >= 7 else { return nil }
        guard Array(bytes[0..<5]) == header else { throw .badHeader }
        let length = Int(bytes[5]) << 8 | Int(bytes[6])
        guard length >= 1, length <= maximumLength else { throw .badLength(length) }
        return 7 + length
    }

    /// Parses one complete request frame (the simulated module's side).
    public static func decodeCommand(_ frame: [UInt8]) throws(FrameError) -> Command {
        guard frame.count == 10, try frameLength(frame) == 10 else { throw .truncated }
        guard xor(frame[5..<9]) == frame[9] else { throw .badChecksum }
        return Command(code: frame[7], parameter: frame[8])
    }

    /// Parses one complete response frame. Never trusts the length beyond the bytes present.
    public static func decodeResponse(_ frame: [UInt8]) throws(FrameError) -> Response {
        guard let total = try frameLength(frame), frame.count == total, total >= 11 else { throw .truncated }
        guard xor(frame[5..<(total - 1)]) == frame[total - 1] else { throw .badChecksum }
        return Response(sw1: frame[7], sw2: frame[8], sw3: frame[9], data: Array(frame[10..<(total - 1)]))
    }
}

extension IDCard {
    /// The card's 256-byte text block (UCS-2 little-endian): name 30 bytes, gender 2, nation 4, birth date 16,
    /// address 70, ID number 36, … Only the name and the number are decoded; padding spaces are trimmed.
    public static func parse(text: [UInt8]) -> IDCard? {
        guard text.count >= 256 else { return nil }
        func ucs2(_ range: Range<Int>) -> String {
            var units: [UInt16] = []
            var index = range.lowerBound
            while index + 1 < range.upperBound {
                units.append(UInt16(text[index]) | UInt16(text[index + 1]) << 8)
                index += 2
            }
            return String(decoding: units, as: UTF16.self).trimmingCharacters(in: " \0")
        }
        let card = IDCard(name: ucs2(0..<30), number: ucs2(122..<158))
        return card.name.isEmpty || !card.numberIsValid ? nil : card
    }

    /// The text block for a card (the simulated module writes it; the reader parses it back).
    public func textBlock() -> [UInt8] {
        func ucs2(_ text: String, bytes: Int) -> [UInt8] {
            var out = text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
            while out.count < bytes { out += [0x20, 0x00] }
            return Array(out.prefix(bytes))
        }
        return ucs2(name, bytes: 30) + ucs2("", bytes: 92) + ucs2(number, bytes: 36) + ucs2("", bytes: 98)
    }
}

private extension String {
    func trimmingCharacters(in set: String) -> String {
        let drop = Set(set)
        var characters = Substring(self)
        while let first = characters.first, drop.contains(first) { characters = characters.dropFirst() }
        while let last = characters.last, drop.contains(last) { characters = characters.dropLast() }
        return String(characters)
    }
}
