/// Base45 (RFC 9285): the alphanumeric QR alphabet, 2 bytes → 3 characters.
public enum Base45 {
    public enum DecodeError: Error, Equatable, Sendable {
        case invalidCharacter(offset: Int)
        case invalidLength
        case valueOutOfRange(offset: Int)
    }

    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".utf8)

    /// Alphabet position of each byte, or 0xFF when the byte is not in the alphabet.
    static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, char) in alphabet.enumerated() { table[Int(char)] = UInt8(index) }
        return table
    }()

    public static func encode(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 2 * 3 + 2)
        var index = 0
        while index + 1 < input.count {
            var n = Int(input[index]) << 8 | Int(input[index + 1])
            for _ in 0..<3 {
                out.append(alphabet[n % 45])
                n /= 45
            }
            index += 2
        }
        if index < input.count {
            let n = Int(input[index])
            out.append(alphabet[n % 45])
            out.append(alphabet[n / 45])
        }
        return out
    }

    public static func encodeString(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: encode(bytes), as: UTF8.self)
    }

    /// Decodes Base45 text. Rejects characters outside the alphabet, a dangling single character
    /// and triplets or pairs whose value does not fit in 16 or 8 bits.
    public static func decode(_ text: some Collection<UInt8>) throws(DecodeError) -> [UInt8] {
        let input = Array(text)
        guard input.count % 3 != 1 else { throw .invalidLength }
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 3 * 2 + 1)
        var index = 0
        while index < input.count {
            let chunk = min(3, input.count - index)
            var n = 0
            var factor = 1
            for offset in 0..<chunk {
                let value = values[Int(input[index + offset])]
                guard value != 0xFF else { throw .invalidCharacter(offset: index + offset) }
                n += Int(value) * factor
                factor *= 45
            }
            if chunk == 3 {
                guard n <= 0xFFFF else { throw .valueOutOfRange(offset: index) }
                out.append(UInt8(n >> 8))
                out.append(UInt8(n & 0xFF))
            } else {
                guard n <= 0xFF else { throw .valueOutOfRange(offset: index) }
                out.append(UInt8(n))
            }
            index += chunk
        }
        return out
    }
}
