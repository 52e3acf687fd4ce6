import CZlib

/// zlib (RFC 1950) through the system libz, with a hard cap on the inflated size.
public enum Zlib {
    public enum InflateError: Error, Equatable, Sendable {
        /// The stream would inflate past the cap (a zlib bomb or simply too large).
        case tooLarge(limit: Int)
        case truncated
        case corrupt(String)
        /// Bytes follow the end of the zlib stream.
        case trailingBytes(count: Int)
    }

    /// Inflates one complete zlib stream. Stops as soon as the output would exceed `maxOutput`.
    public static func inflate(_ input: [UInt8], maxOutput: Int) throws(InflateError) -> [UInt8] {
        guard !input.isEmpty else { throw .truncated }
        var stream = z_stream()
        guard inflateInit_(&stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corrupt("inflateInit failed")
        }
        defer { inflateEnd(&stream) }
        // One chunk larger than the cap: filling it proves the output is too large.
        let chunkSize = 16_384
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var status: Int32 = Z_OK
        let result: Result<Void, InflateError> = input.withUnsafeBufferPointer { inBuffer in
            stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
            stream.avail_in = UInt32(inBuffer.count)
            while true {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = UInt32(chunkSize)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return chunkSize - Int(stream.avail_out)
                }
                if output.count + produced > maxOutput { return .failure(.tooLarge(limit: maxOutput)) }
                output += chunk[0..<produced]
                switch status {
                case Z_STREAM_END:
                    return stream.avail_in == 0 ? .success(()) : .failure(.trailingBytes(count: Int(stream.avail_in)))
                case Z_OK:
                    continue
                case Z_BUF_ERROR:
                    // No progress possible: input exhausted before the end of the stream.
                    return .failure(.truncated)
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                    return .failure(.corrupt(message))
                }
            }
        }
        try result.get()
        return output
    }

    /// Compresses with the best compression level (issuing side: smaller QR codes).
    public static func deflate(_ input: [UInt8]) -> [UInt8] {
        var destinationLength = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(destinationLength))
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { inp in
                compress2(out.baseAddress, &destinationLength, inp.baseAddress, uLong(inp.count), Z_BEST_COMPRESSION)
            }
        }
        // compress2 only fails on memory exhaustion or a bound too small; compressBound rules out the latter.
        precondition(status == Z_OK, "compress2 failed with \(status)")
        return Array(output[0..<Int(destinationLength)])
    }
}
