import GateCore
import Glibc

/// A serial line in raw mode: 115200 baud, 8 data bits, no parity, one stop bit (8N1), no flow control,
/// no echo, no line editing — what a USB-serial ID-card reader speaks. Reads wait with poll(2), bounded.
public final class SerialLine {
    public let path: String
    private var descriptor: Int32 = -1

    public init(path: String) { self.path = path }

    deinit { close() }

    public func open() throws(DeviceError) {
        guard descriptor < 0 else { return }
        // O_NOCTTY: a reader must never become the daemon's controlling terminal (a hang-up would signal us).
        let fd = Glibc.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open", errno) }
        var settings = termios()
        guard tcgetattr(fd, &settings) == 0 else {
            let saved = errno
            Glibc.close(fd)
            throw failure("tcgetattr", saved)
        }
        cfmakeraw(&settings)
        settings.c_cflag &= ~(tcflag_t(PARENB) | tcflag_t(CSTOPB) | tcflag_t(CSIZE) | tcflag_t(CRTSCTS))
        settings.c_cflag |= tcflag_t(CS8) | tcflag_t(CLOCAL) | tcflag_t(CREAD)
        settings.c_iflag &= ~(tcflag_t(IXON) | tcflag_t(IXOFF) | tcflag_t(IXANY))
        cfsetispeed(&settings, speed_t(B115200))
        cfsetospeed(&settings, speed_t(B115200))
        guard tcsetattr(fd, TCSANOW, &settings) == 0 else {
            let saved = errno
            Glibc.close(fd)
            throw failure("tcsetattr", saved)
        }
        tcflush(fd, TCIOFLUSH)
        descriptor = fd
    }

    public func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }

    public func write(_ bytes: [UInt8]) throws(DeviceError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN { _ = waitFor(events: Int16(POLLOUT), milliseconds: 100); continue }
                throw failure("write", errno)
            }
            offset += written
        }
    }

    /// Reads what has arrived, waiting at most `milliseconds` for the first byte; [] when nothing came.
    public func read(upTo count: Int, milliseconds: Int32) throws(DeviceError) -> [UInt8] {
        guard waitFor(events: Int16(POLLIN), milliseconds: milliseconds) else { return [] }
        var buffer = [UInt8](repeating: 0, count: count)
        let got = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        if got < 0 {
            if errno == EAGAIN || errno == EINTR { return [] }
            throw failure("read", errno)
        }
        if got == 0 { throw DeviceError(device: .idReader, path: path, operation: "read", message: "the line hung up") }
        return Array(buffer.prefix(got))
    }

    private func waitFor(events: Int16, milliseconds: Int32) -> Bool {
        var poller = pollfd(fd: descriptor, events: events, revents: 0)
        return poll(&poller, 1, milliseconds) > 0
    }

    private func failure(_ call: String, _ code: Int32) -> DeviceError {
        DeviceError(device: .idReader, path: path, operation: call, errno: code, message: String(cString: strerror(code)))
    }
}

/// A resident-ID-card reader on a serial line, speaking `SAMProtocol`: find card, select it, read its text.
/// Blocking (a read of the text block is ~1.3 kB, about 0.1 s at 115200 baud), so the daemon polls it on its
/// own thread (`IDCardPoller`), never on the frame loop.
public final class SAMIDCardReader {
    public let line: SerialLine
    /// How long one answer may take to start arriving and to complete.
    public var answerTimeoutMilliseconds: Int32 = 500

    public init(path: String) { line = SerialLine(path: path) }

    public func open() throws(DeviceError) { try line.open() }
    public func close() { line.close() }

    /// One poll: nil when no card is on the reader; the card's name and number when one is.
    public func poll() throws(DeviceError) -> IDCard? {
        let found = try exchange(.findCard)
        guard found.status == .cardFound else { return nil }
        let selected = try exchange(.selectCard)
        guard selected.status == .success else { return nil }  // lifted between find and select
        let read = try exchange(.readText)
        guard read.status == .success, read.data.count >= 4 + 256 else {
            throw DeviceError(device: .idReader, path: line.path, operation: "read text",
                              message: "status \(read.sw3) with \(read.data.count) bytes")
        }
        let textLength = Int(read.data[0]) << 8 | Int(read.data[1])
        guard textLength >= 256, read.data.count >= 4 + textLength else {
            throw DeviceError(device: .idReader, path: line.path, operation: "read text", message: "text length \(textLength)")
        }
        guard let card = IDCard.parse(text: Array(read.data[4..<(4 + 256)])) else {
            throw DeviceError(device: .idReader, path: line.path, operation: "read text", message: "not a resident ID card's text")
        }
        return card
    }

    private func exchange(_ command: SAMProtocol.Command) throws(DeviceError) -> SAMProtocol.Response {
        try line.write(SAMProtocol.encode(command))
        var frame: [UInt8] = []
        while true {
            let chunk = try line.read(upTo: SAMProtocol.maximumLength + 7 - frame.count, milliseconds: answerTimeoutMilliseconds)
            guard !chunk.isEmpty else {
                throw DeviceError(device: .idReader, path: line.path, operation: "command \(command.code)/\(command.parameter)",
                                  message: "no answer within \(answerTimeoutMilliseconds) ms")
            }
            frame += chunk
            // Resynchronise on the header: a byte of line noise before it is dropped, not fatal.
            while !frame.isEmpty && frame.first != SAMProtocol.header[0] { frame.removeFirst() }
            do {
                guard let total = try SAMProtocol.frameLength(frame), frame.count >= total else { continue }
                return try SAMProtocol.decodeResponse(Array(frame.prefix(total)))
            } catch {
                throw DeviceError(device: .idReader, path: line.path, operation: "command \(command.code)/\(command.parameter)",
                                  message: "bad frame: \(error)")
            }
        }
    }
}
