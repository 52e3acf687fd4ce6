import CLinux
import GateCore
import Glibc
import Synchronization

/// A simulated ID-card reader module on the far side of a real kernel pseudo-terminal: the gate's
/// `SAMIDCardReader` opens `devicePath` (the pty's slave, a real tty with termios) and speaks `SAMProtocol` to
/// it; this answers from the master side as a reader module would, with the card currently "on the reader".
/// For the simulated board and the tests. A pty carries bytes, not baud rates: the 115200 setting is accepted
/// but not enforced, which is the one thing this cannot show about a real USB-serial line.
public final class SimulatedSAMModule: @unchecked Sendable {
    public let devicePath: String
    private let master: Int32
    private let card = Mutex<IDCard?>(nil)
    private let running = Atomic<Bool>(true)
    private var thread: pthread_t?
    /// Frames received, for tests: (command, parameter).
    private let received = Mutex<[SAMProtocol.Command]>([])

    public init() throws {
        var name = [CChar](repeating: 0, count: 128)
        let fd = hg_open_pty(&name, name.count)
        guard fd >= 0 else {
            throw DeviceError(device: .idReader, path: "/dev/ptmx", operation: "posix_openpt", errno: -fd,
                              message: String(cString: strerror(-fd)))
        }
        master = fd
        devicePath = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let box = Unmanaged.passRetained(self)
        var handle = pthread_t()
        pthread_create(&handle, nil, { context in
            let module = Unmanaged<SimulatedSAMModule>.fromOpaque(context!).takeRetainedValue()
            module.serve()
            return nil
        }, box.toOpaque())
        thread = handle
    }

    /// Puts a card on the reader (nil: takes it away).
    public func present(_ newCard: IDCard?) { card.withLock { $0 = newCard } }

    public var commands: [SAMProtocol.Command] { received.withLock { $0 } }

    public func stop() {
        guard running.exchange(false, ordering: .relaxed) else { return }
        if let thread { pthread_join(thread, nil) }
        close(master)
    }

    private func serve() {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        while running.load(ordering: .relaxed) {
            var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            if poller.revents & Int16(POLLHUP) != 0 {
                // Nobody has the slave open (yet, or any more): wait rather than spin.
                usleep(20_000)
                continue
            }
            let got = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
            guard got > 0 else { continue }
            pending += buffer.prefix(got)
            while let start = pending.firstIndex(of: SAMProtocol.header[0]), pending.count - start >= 10 {
                let frame = Array(pending[start..<(start + 10)])
                pending.removeFirst(start + 10)
                guard let command = try? SAMProtocol.decodeCommand(frame) else { continue }
                received.withLock { $0.append(command) }
                let answer = respond(to: command)
                _ = answer.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
            }
        }
    }

    private func respond(to command: SAMProtocol.Command) -> [UInt8] {
        let current = card.withLock { $0 }
        switch command {
        case .findCard:
            return SAMProtocol.encodeResponse(sw3: current == nil ? SAMProtocol.Status.noCard.rawValue : SAMProtocol.Status.cardFound.rawValue)
        case .selectCard:
            return SAMProtocol.encodeResponse(sw3: current == nil ? SAMProtocol.Status.selectFailed.rawValue : SAMProtocol.Status.success.rawValue)
        case .readText:
            guard let current else { return SAMProtocol.encodeResponse(sw3: SAMProtocol.Status.readFailed.rawValue) }
            // Text 256 bytes, photo 1024 (zeros: the gate never reads the photo), each length big-endian first.
            let data: [UInt8] = [0x01, 0x00, 0x04, 0x00] + current.textBlock() + [UInt8](repeating: 0, count: 1024)
            return SAMProtocol.encodeResponse(sw3: SAMProtocol.Status.success.rawValue, data: data)
        default:
            return SAMProtocol.encodeResponse(sw3: 0x10)
        }
    }
}
