import HealthCode
import Testing

@Suite struct Base45Tests {
    // RFC 9285 §4.3 examples.
    static let vectors: [(String, String)] = [("AB", "BB8"), ("Hello!!", "%69 VD92EX0"), ("base-45", "UJCLQE7W581"), ("ietf!", "QED8WEX0"), ("", "")]

    @Test(arguments: vectors)
    func roundTrip(plain: String, encoded: String) throws {
        #expect(Base45.encodeString(plain.bytes) == encoded)
        #expect(try Base45.decode(encoded.bytes) == plain.bytes)
    }

    @Test(arguments: [
        ("GGW", Base45.DecodeError.valueOutOfRange(offset: 0)),   // 65536 does not fit in two bytes (RFC 9285 §6)
        (":;", .invalidCharacter(offset: 1)),
        ("ab", .invalidCharacter(offset: 0)),                     // lower case is not in the alphabet
        ("A", .invalidLength),
        ("BB8A", .invalidLength),
        ("::", .valueOutOfRange(offset: 0)),                      // 44 + 44*45 > 255
    ])
    func rejects(text: String, error: Base45.DecodeError) {
        #expect(throws: error) { try Base45.decode(text.bytes) }
    }
}

@Suite struct CBORTests {
    // RFC 8949 Appendix A.
    static let vectors: [([UInt8], CBORValue)] = [
        ([0x00], .unsigned(0)),
        ([0x17], .unsigned(23)),
        ([0x18, 0x18], .unsigned(24)),
        ([0x19, 0x03, 0xE8], .unsigned(1000)),
        ([0x1B, 0x00, 0x00, 0x00, 0xE8, 0xD4, 0xA5, 0x10, 0x00], .unsigned(1_000_000_000_000)),
        ([0x20], .int(-1)),
        ([0x39, 0x03, 0xE7], .int(-1000)),
        ([0x64, 0x49, 0x45, 0x54, 0x46], .text("IETF")),
        ([0x44, 0x01, 0x02, 0x03, 0x04], .bytes([1, 2, 3, 4])),
        ([0x83, 0x01, 0x82, 0x02, 0x03, 0x82, 0x04, 0x05], .array([.unsigned(1), .array([.unsigned(2), .unsigned(3)]), .array([.unsigned(4), .unsigned(5)])])),
        ([0xA2, 0x01, 0x02, 0x03, 0x04], .map([(.unsigned(1), .unsigned(2)), (.unsigned(3), .unsigned(4))])),
        ([0xC1, 0x1A, 0x51, 0x4B, 0x67, 0xB0], .tagged(1, .unsigned(1_363_896_240))),
        ([0xF4], .bool(false)),
        ([0xF5], .bool(true)),
        ([0xF6], .null),
    ]

    @Test(arguments: vectors)
    func decodesAndReencodes(bytes: [UInt8], value: CBORValue) throws {
        #expect(try CBORReader.decode(bytes) == value)
        #expect(CBORWriter.encode(value) == bytes)
    }

    @Test(arguments: [([UInt8]([0xF9, 0x3C, 0x00]), 1.0), ([0xFA, 0x47, 0xC3, 0x50, 0x00], 100_000.0), ([0xFB, 0x3F, 0xF1, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9A], 1.1)])
    func decodesFloats(bytes: [UInt8], value: Double) throws {
        #expect(try CBORReader.decode(bytes) == .float(value))
    }

    @Test(arguments: [
        ([UInt8]([0x9F, 0x01, 0xFF]), CBORError.indefiniteLength),          // indefinite array
        ([0x5F, 0x41, 0x00, 0xFF], .indefiniteLength),                    // indefinite byte string
        ([0xBF, 0x01, 0x02, 0xFF], .indefiniteLength),                    // indefinite map
        ([0x00, 0x00], .trailingBytes(count: 1)),
        ([0x19, 0x03], .truncated),
        ([0x5A, 0xFF, 0xFF, 0xFF, 0xFF, 0x00], .truncated),               // length far beyond the input
        ([0x9B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], .truncated),
        ([0x1C], .reservedAdditionalInfo),
        ([0xA2, 0x01, 0x02, 0x01, 0x03], .duplicateMapKey),
        ([0x62, 0xFF, 0xFE], .invalidUTF8),
        ([0xF0], .unsupportedSimpleValue),
        ([UInt8](repeating: 0x81, count: 40) + [0x00], .tooDeep),
    ])
    func rejects(bytes: [UInt8], error: CBORError) {
        #expect(throws: error) { try CBORReader.decode(bytes) }
    }

    @Test func nestingLimitCountsLevels() throws {
        // Three levels ([[0]]) fit a limit of 3; a fourth level does not.
        #expect(try CBORReader.decode([0x81, 0x81, 0x00], limits: CBORLimits(maxDepth: 3)) == .array([.array([.unsigned(0)])]))
        #expect(throws: CBORError.tooDeep) { try CBORReader.decode([0x81, 0x81, 0x81, 0x00], limits: CBORLimits(maxDepth: 3)) }
    }

    @Test(arguments: [
        [UInt8]([0xA2, 0x01, 0x02, 0x18, 0x01, 0x03]),                   // 1 and 1 in a longer encoding
        [0xA2, 0xF9, 0x3C, 0x00, 0x01, 0xFB, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0, 0x02], // 1.0 as half and as double
        [0xA2, 0xF9, 0x7E, 0x00, 0x01, 0xFB, 0x7F, 0xF8, 0, 0, 0, 0, 0, 0x01, 0x02], // two different NaNs
        [0xA3, 0x61, 0x61, 0x01, 0x61, 0x62, 0x02, 0x61, 0x61, 0x03],   // "a", "b", "a": not neighbours on the wire
    ])
    func duplicateKeysAreFoundByValue(bytes: [UInt8]) {
        #expect(throws: CBORError.duplicateMapKey) { try CBORReader.decode(bytes) }
    }

    /// The map of ~1,000 24-byte keys that took a quarter of a second with a pairwise search (issue 12, item 13).
    @Test func manyDistinctKeysDecodeAndOneRepeatIsFound() throws {
        func key(_ n: Int) -> CBORValue { .bytes(Array(repeating: 0x5A, count: 20) + withUnsafeBytes(of: UInt32(n).bigEndian, Array.init)) }
        var pairs = (0..<1_000).map { (key($0), CBORValue.unsigned(UInt64($0))) }
        let distinct = CBORWriter.encode(.map(pairs))
        guard case .map(let decoded) = try CBORReader.decode(distinct) else { Issue.record("not a map"); return }
        #expect(decoded.count == 1_000)
        pairs.append((key(0), .unsigned(0)))
        #expect(throws: CBORError.duplicateMapKey) { try CBORReader.decode(CBORWriter.encode(.map(pairs))) }
    }

    @Test func capsItemCount() {
        let array = [0x99, 0x10, 0x00] + [UInt8](repeating: 0x00, count: 0x1000)
        #expect(throws: CBORError.tooManyItems) { try CBORReader.decode(array, limits: CBORLimits(maxItems: 100)) }
    }

    @Test func capsStringLength() {
        let bytes = [0x59, 0x01, 0x00] + [UInt8](repeating: 0x41, count: 256)
        #expect(throws: CBORError.stringTooLong) { try CBORReader.decode(bytes, limits: CBORLimits(maxStringBytes: 255)) }
    }
}

@Suite struct HG1ClaimTimeTests {
    static func claims(iat: CBORValue, exp: CBORValue) throws -> CWTClaims {
        let hg1 = HG1Claims(issuer: "110105", issuedAt: 1_764_400_000, expiresAt: 1_764_400_900, colour: .green, subjectID: Array(0..<16))
        guard case .map(var pairs) = hg1.cwt else { throw HealthCodeParseError.claims("not a map") }
        pairs = pairs.map { pair in
            switch pair.0.int {
            case CWTClaims.issuedAtKey: (pair.0, iat)
            case CWTClaims.expiresKey: (pair.0, exp)
            default: pair
            }
        }
        return try CWTClaims(CBORWriter.encode(.map(pairs)), limits: CBORLimits())
    }

    /// 900.5 s used to be truncated to 900 s and pass a 900 s lifetime cap (issue 12, item 14).
    @Test func fractionalIssueAndExpiryTimesAreUnreadable() throws {
        let fractional = try Self.claims(iat: .float(1_764_400_000), exp: .float(1_764_400_900.5))
        #expect(throws: HealthCodeParseError.self) { try HG1Claims(fractional) }
        let early = try Self.claims(iat: .float(1_764_399_999.5), exp: .int(1_764_400_900))
        #expect(throws: HealthCodeParseError.self) { try HG1Claims(early) }
    }

    @Test func wholeSecondsAsFloatsAreAccepted() throws {
        let claims = try HG1Claims(Self.claims(iat: .float(1_764_400_000), exp: .float(1_764_400_900)))
        #expect(claims.expiresAt - claims.issuedAt == 900)
    }
}

@Suite struct ZlibTests {
    @Test func roundTrip() throws {
        let text = Array("HG1 health code payload, repeated repeated repeated".utf8)
        #expect(try Zlib.inflate(Zlib.deflate(text), maxOutput: 1_000) == text)
    }

    @Test func rejectsTruncatedStream() {
        let compressed = Zlib.deflate(Array(repeating: 0x41, count: 500) + Array(0...255))
        #expect(throws: Zlib.InflateError.truncated) { try Zlib.inflate(Array(compressed.dropLast(6)), maxOutput: 10_000) }
        #expect(throws: Zlib.InflateError.truncated) { try Zlib.inflate([], maxOutput: 10_000) }
    }

    @Test func stopsAZlibBomb() {
        // 16 MiB of zeros compress to about 16 KiB: the cap must stop it long before.
        let bomb = Zlib.deflate([UInt8](repeating: 0, count: 16 << 20))
        #expect(bomb.count < 20_000)
        #expect(throws: Zlib.InflateError.tooLarge(limit: 32_768)) { try Zlib.inflate(bomb, maxOutput: 32_768) }
    }

    @Test func rejectsTrailingBytesAndGarbage() {
        let compressed = Zlib.deflate(Array("abc".utf8))
        #expect(throws: Zlib.InflateError.trailingBytes(count: 2)) { try Zlib.inflate(compressed + [1, 2], maxOutput: 100) }
        #expect {
            try Zlib.inflate([0x12, 0x34, 0x56], maxOutput: 100)
        } throws: { error in
            if case Zlib.InflateError.corrupt = error { true } else { false }
        }
    }
}

@Suite struct ISO8601Tests {
    @Test(arguments: [
        ("1970-01-01", 0.0), ("2021-02-18", 1_613_606_400), ("2021-05-03T20:00:00+02:00", 1_620_064_800),
        ("2021-05-03T18:00:00Z", 1_620_064_800), ("2021-05-03T18:00:00.5Z", 1_620_064_800.5), ("2021-05-03T19:30:00+0130", 1_620_064_800),
        ("2024-02-29T00:00Z", 1_709_164_800),
    ])
    func parses(text: String, epoch: Double) {
        #expect(ISO8601.parse(text) == epoch)
    }

    @Test(arguments: ["", "2021-13-01", "2021-02-30", "2021-02-18T", "2021-02-18T10:00:00", "2021-02-18T25:00Z", "2021-02-18Z", "20210218"])
    func rejects(text: String) {
        #expect(ISO8601.parse(text) == nil)
    }

    @Test func formatsBack() {
        #expect(ISO8601.format(1_620_064_800) == "2021-05-03T18:00:00Z")
    }
}
