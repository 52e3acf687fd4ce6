/// A decoded CBOR data item (RFC 8949), restricted to what COSE and CWT use.
/// Negative integers keep CBOR's own encoding: `.negative(n)` means the value -1 - n.
public indirect enum CBORValue: Sendable, Equatable {
    case unsigned(UInt64)
    case negative(UInt64)
    case bytes([UInt8])
    case text(String)
    case array([CBORValue])
    /// Pairs in wire order; the reader rejects duplicate keys.
    case map([(CBORValue, CBORValue)])
    case tagged(UInt64, CBORValue)
    case bool(Bool)
    case null
    case undefined
    case float(Double)

    public static func == (lhs: CBORValue, rhs: CBORValue) -> Bool {
        switch (lhs, rhs) {
        case let (.unsigned(a), .unsigned(b)): a == b
        case let (.negative(a), .negative(b)): a == b
        case let (.bytes(a), .bytes(b)): a == b
        case let (.text(a), .text(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.map(a), .map(b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.tagged(ta, a), .tagged(tb, b)): ta == tb && a == b
        case let (.bool(a), .bool(b)): a == b
        case (.null, .null), (.undefined, .undefined): true
        case let (.float(a), .float(b)): a == b || (a.isNaN && b.isNaN)
        default: false
        }
    }

    /// An integer key or value as Int, when it fits.
    public var int: Int? {
        switch self {
        case .unsigned(let n): n <= UInt64(Int.max) ? Int(n) : nil
        case .negative(let n): n <= UInt64(Int.max) ? -1 - Int(n) : nil
        default: nil
        }
    }

    public static func int(_ value: Int) -> CBORValue {
        value >= 0 ? .unsigned(UInt64(value)) : .negative(UInt64(-1 - value))
    }

    /// Looks a key up in a map; nil for other item types.
    public subscript(key: CBORValue) -> CBORValue? {
        guard case .map(let pairs) = self else { return nil }
        return pairs.first { $0.0 == key }?.1
    }

    public subscript(intKey key: Int) -> CBORValue? { self[.int(key)] }
}

public struct CBORLimits: Sendable {
    public var maxDepth: Int
    public var maxItems: Int
    /// Largest byte or text string accepted.
    public var maxStringBytes: Int
    public init(maxDepth: Int = 16, maxItems: Int = 4096, maxStringBytes: Int = 65_536) {
        self.maxDepth = maxDepth
        self.maxItems = maxItems
        self.maxStringBytes = maxStringBytes
    }
}

public enum CBORError: Error, Equatable, Sendable {
    case truncated
    case trailingBytes(count: Int)
    case indefiniteLength
    case reservedAdditionalInfo
    case tooDeep
    case tooManyItems
    case stringTooLong
    case invalidUTF8
    case duplicateMapKey
    case unsupportedSimpleValue
}

/// A bounded CBOR decoder: definite lengths only, every length checked against the bytes that
/// remain before anything is allocated, nesting and item count capped, trailing bytes rejected.
public struct CBORReader {
    private let bytes: [UInt8]
    private var position = 0
    private var items = 0
    private let limits: CBORLimits

    public static func decode(_ bytes: [UInt8], limits: CBORLimits = CBORLimits()) throws(CBORError) -> CBORValue {
        var reader = CBORReader(bytes: bytes, limits: limits)
        let value = try reader.readItem(depth: 0)
        guard reader.position == bytes.count else { throw .trailingBytes(count: bytes.count - reader.position) }
        return value
    }

    private init(bytes: [UInt8], limits: CBORLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    private var remaining: Int { bytes.count - position }

    private mutating func readByte() throws(CBORError) -> UInt8 {
        guard position < bytes.count else { throw .truncated }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func readBigEndian(_ count: Int) throws(CBORError) -> UInt64 {
        guard remaining >= count else { throw .truncated }
        var value: UInt64 = 0
        for _ in 0..<count { value = value << 8 | UInt64(bytes[position]); position += 1 }
        return value
    }

    private mutating func readArgument(_ info: UInt8) throws(CBORError) -> UInt64 {
        switch info {
        case 0..<24: return UInt64(info)
        case 24: return try readBigEndian(1)
        case 25: return try readBigEndian(2)
        case 26: return try readBigEndian(4)
        case 27: return try readBigEndian(8)
        case 31: throw .indefiniteLength
        default: throw .reservedAdditionalInfo
        }
    }

    /// A length from the input, checked against what is left so no allocation follows a lie.
    private mutating func readLength(_ info: UInt8, minimumBytesPerElement: Int) throws(CBORError) -> Int {
        let length = try readArgument(info)
        guard length <= UInt64(remaining / minimumBytesPerElement) else { throw .truncated }
        return Int(length)
    }

    /// `depth` counts the containers around the item: the top item is at 0, so `maxDepth` levels of
    /// nesting means items at depth `maxDepth - 1` at most.
    private mutating func readItem(depth: Int) throws(CBORError) -> CBORValue {
        guard depth < limits.maxDepth else { throw .tooDeep }
        items += 1
        guard items <= limits.maxItems else { throw .tooManyItems }
        let initial = try readByte()
        let major = initial >> 5
        let info = initial & 0x1F
        switch major {
        case 0:
            return .unsigned(try readArgument(info))
        case 1:
            return .negative(try readArgument(info))
        case 2, 3:
            let length = try readLength(info, minimumBytesPerElement: 1)
            guard length <= limits.maxStringBytes else { throw .stringTooLong }
            let slice = Array(bytes[position..<position + length])
            position += length
            if major == 2 { return .bytes(slice) }
            guard let text = String(validating: slice, as: UTF8.self) else { throw .invalidUTF8 }
            return .text(text)
        case 4:
            let count = try readLength(info, minimumBytesPerElement: 1)
            var elements: [CBORValue] = []
            elements.reserveCapacity(count)
            for _ in 0..<count { elements.append(try readItem(depth: depth + 1)) }
            return .array(elements)
        case 5:
            let count = try readLength(info, minimumBytesPerElement: 2)
            var pairs: [(CBORValue, CBORValue)] = []
            pairs.reserveCapacity(count)
            for _ in 0..<count {
                let key = try readItem(depth: depth + 1)
                let value = try readItem(depth: depth + 1)
                pairs.append((key, value))
            }
            if pairs.count > 1 && Self.hasDuplicateKey(pairs) { throw .duplicateMapKey }
            return .map(pairs)
        case 6:
            let tag = try readArgument(info)
            return .tagged(tag, try readItem(depth: depth + 1))
        default:
            return try readSimple(info)
        }
    }

    /// Keys compare by their shortest encoding, which is equal exactly when `CBORValue ==` is (a key sent
    /// as `18 01` and one sent as `01` are the same key). Sorting makes this O(n log n): a pairwise search
    /// let ~1,000 keys cost a quarter of a second before the signature was checked.
    static func hasDuplicateKey(_ pairs: [(CBORValue, CBORValue)]) -> Bool {
        let encoded = pairs.map { CBORWriter.encode(canonicalKey: $0.0) }.sorted { $0.lexicographicallyPrecedes($1) }
        for index in encoded.indices.dropFirst() where encoded[index] == encoded[index - 1] { return true }
        return false
    }

    private mutating func readSimple(_ info: UInt8) throws(CBORError) -> CBORValue {
        switch info {
        case 20: return .bool(false)
        case 21: return .bool(true)
        case 22: return .null
        case 23: return .undefined
        case 25: return .float(Double(Float16(bitPattern: UInt16(try readBigEndian(2)))))
        case 26: return .float(Double(Float(bitPattern: UInt32(try readBigEndian(4)))))
        case 27: return .float(Double(bitPattern: try readBigEndian(8)))
        case 31: throw .indefiniteLength
        case 28, 29, 30: throw .reservedAdditionalInfo
        default: throw .unsupportedSimpleValue
        }
    }
}

/// A minimal deterministic CBOR encoder (shortest argument encoding) for issuing codes and
/// building COSE Sig_structures. Map pairs are written in the order given.
public enum CBORWriter {
    public static func encode(_ value: CBORValue) -> [UInt8] {
        var out: [UInt8] = []
        append(value, to: &out)
        return out
    }

    static func appendHead(major: UInt8, argument: UInt64, to out: inout [UInt8]) {
        let prefix = major << 5
        switch argument {
        case 0..<24: out.append(prefix | UInt8(argument))
        case 24...0xFF: out += [prefix | 24, UInt8(argument)]
        case 0x100...0xFFFF: out.append(prefix | 25); appendBigEndian(argument, count: 2, to: &out)
        case 0x1_0000...0xFFFF_FFFF: out.append(prefix | 26); appendBigEndian(argument, count: 4, to: &out)
        default: out.append(prefix | 27); appendBigEndian(argument, count: 8, to: &out)
        }
    }

    private static func appendBigEndian(_ value: UInt64, count: Int, to out: inout [UInt8]) {
        for shift in stride(from: (count - 1) * 8, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// The encoding that identifies a map key: like `encode`, with every NaN written alike, since `==` takes
    /// any two NaNs as equal.
    static func encode(canonicalKey value: CBORValue) -> [UInt8] {
        var out: [UInt8] = []
        append(value, to: &out, canonicalNaN: true)
        return out
    }

    private static func append(_ value: CBORValue, to out: inout [UInt8], canonicalNaN: Bool = false) {
        switch value {
        case .unsigned(let n): appendHead(major: 0, argument: n, to: &out)
        case .negative(let n): appendHead(major: 1, argument: n, to: &out)
        case .bytes(let b): appendHead(major: 2, argument: UInt64(b.count), to: &out); out += b
        case .text(let t): appendHead(major: 3, argument: UInt64(t.utf8.count), to: &out); out += t.utf8
        case .array(let a):
            appendHead(major: 4, argument: UInt64(a.count), to: &out)
            for element in a { append(element, to: &out, canonicalNaN: canonicalNaN) }
        case .map(let pairs):
            appendHead(major: 5, argument: UInt64(pairs.count), to: &out)
            for (key, element) in pairs {
                append(key, to: &out, canonicalNaN: canonicalNaN)
                append(element, to: &out, canonicalNaN: canonicalNaN)
            }
        case .tagged(let tag, let inner):
            appendHead(major: 6, argument: tag, to: &out)
            append(inner, to: &out, canonicalNaN: canonicalNaN)
        case .bool(let b): out.append(b ? 0xF5 : 0xF4)
        case .null: out.append(0xF6)
        case .undefined: out.append(0xF7)
        case .float(let d):
            out.append(0xFB)
            appendBigEndian((canonicalNaN && d.isNaN ? Double.nan : d).bitPattern, count: 8, to: &out)
        }
    }
}
