/// A 16-bit PCM WAV clip (what espeak-ng writes, and what a venue is asked to supply).
public struct WAVClip: Sendable, Equatable {
    public var sampleRate: Int
    public var channels: Int
    /// Interleaved signed 16-bit samples.
    public var samples: [Int16]

    public init(sampleRate: Int, channels: Int, samples: [Int16]) {
        self.sampleRate = sampleRate
        self.channels = channels
        self.samples = samples
    }

    public var seconds: Double { Double(samples.count / max(1, channels)) / Double(max(1, sampleRate)) }

    public struct FormatError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Parses RIFF/WAVE with a `fmt ` chunk of PCM 16-bit; other chunks are skipped. espeak-ng writes a data
    /// size of 0x7FFFFFFF when it streams: the data chunk then runs to the end of the file.
    public static func parse(_ bytes: [UInt8]) throws(FormatError) -> WAVClip {
        func u32(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2]) << 16 | Int(bytes[i + 3]) << 24 }
        func u16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
        guard bytes.count >= 12, bytes[0..<4].elementsEqual("RIFF".utf8), bytes[8..<12].elementsEqual("WAVE".utf8) else {
            throw FormatError(description: "not a RIFF/WAVE file")
        }
        var offset = 12
        var format: (channels: Int, rate: Int)?
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = u32(offset + 4)
            let body = offset + 8
            if id == "fmt " {
                guard body + 16 <= bytes.count else { throw FormatError(description: "fmt chunk truncated") }
                guard u16(body) == 1, u16(body + 14) == 16 else {
                    throw FormatError(description: "not 16-bit PCM (format \(u16(body)), \(u16(body + 14)) bits)")
                }
                let channels = u16(body + 2), rate = u32(body + 4)
                guard (1...2).contains(channels), (8000...96000).contains(rate) else {
                    throw FormatError(description: "\(channels) channels at \(rate) Hz")
                }
                format = (channels, rate)
            } else if id == "data" {
                guard let format else { throw FormatError(description: "data before fmt") }
                let end = min(bytes.count, body + size)
                var samples = [Int16]()
                samples.reserveCapacity((end - body) / 2)
                var i = body
                while i + 1 < end {
                    samples.append(Int16(bitPattern: UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8))
                    i += 2
                }
                return WAVClip(sampleRate: format.rate, channels: format.channels, samples: samples)
            }
            offset = body + size + (size & 1)
        }
        throw FormatError(description: "no data chunk")
    }

    /// The clip at `percent` volume (0…100).
    public func scaled(percent: Int) -> WAVClip {
        let factor = Double(max(0, min(100, percent))) / 100
        var copy = self
        copy.samples = samples.map { Int16(Double($0) * factor) }
        return copy
    }
}
