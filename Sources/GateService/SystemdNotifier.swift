import Glibc
import LinuxSystem

/// The service manager's side of `Type=notify`, spoken natively: one datagram per message on the
/// `AF_UNIX` socket named in `$NOTIFY_SOCKET` (sd_notify(3)), so the daemon needs no libsystemd.
/// Every call is a no-op when the variable is unset (run by hand, or under another supervisor).
///
/// A socket is opened per message, as libsystemd does: messages are rare (the watchdog pets every few
/// seconds), and a fresh socket survives the manager re-executing itself.
public struct SystemdNotifier: Sendable {
    /// Where messages go; nil when `$NOTIFY_SOCKET` is unset or empty.
    public let socketPath: String?
    /// How often the manager expects `WATCHDOG=1` (`WatchdogSec=`); nil when the watchdog is off or
    /// meant for another process (`$WATCHDOG_PID` names a different pid).
    public let watchdogInterval: Duration?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`.
    public init(environment: [String: String], processID: Int32 = getpid()) {
        let socket = environment["NOTIFY_SOCKET"] ?? ""
        socketPath = socket.isEmpty ? nil : socket
        watchdogInterval = Self.watchdogInterval(usec: environment["WATCHDOG_USEC"], pid: environment["WATCHDOG_PID"],
                                                 processID: processID)
    }

    /// Reads the variables from this process's environment.
    public static func fromProcessEnvironment() -> SystemdNotifier {
        var environment: [String: String] = [:]
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        return SystemdNotifier(environment: environment)
    }

    /// The rule of sd_watchdog_enabled(3): a positive `WATCHDOG_USEC`, and `WATCHDOG_PID` either unset
    /// or equal to our pid. Anything unparsable means no watchdog (petting one nobody set is harmless,
    /// but an interval we invented would be wrong).
    static func watchdogInterval(usec: String?, pid: String?, processID: Int32) -> Duration? {
        guard let usec, let microseconds = UInt64(usec), microseconds > 0, microseconds <= UInt64(Int64.max) else { return nil }
        if let pid, !pid.isEmpty {
            guard let owner = Int32(pid), owner == processID else { return nil }
        }
        return .microseconds(Int64(microseconds))
    }

    /// Whether messages go anywhere.
    public var isEnabled: Bool { socketPath != nil }

    /// `READY=1`: start-up finished (devices open, or the gate is in a reported fault). Also sent after a reload.
    @discardableResult public func ready(status: String? = nil) throws(SystemCallError) -> Bool {
        try send(["READY=1"] + Self.statusField(status))
    }

    /// `STATUS=…`: one line a person reads in `systemctl status`.
    @discardableResult public func status(_ text: String) throws(SystemCallError) -> Bool {
        try send(Self.statusField(text))
    }

    /// `WATCHDOG=1`: the frame loop is alive. Send it from the loop itself, so a hung capture stops it.
    @discardableResult public func watchdog() throws(SystemCallError) -> Bool {
        try send(["WATCHDOG=1"])
    }

    /// `STOPPING=1`: graceful shutdown has begun.
    @discardableResult public func stopping(status: String? = nil) throws(SystemCallError) -> Bool {
        try send(["STOPPING=1"] + Self.statusField(status))
    }

    /// A status value is one line: the protocol separates fields with newlines, so any in the text
    /// would start a bogus field (a log message must never be able to send `READY=1`).
    static func statusField(_ text: String?) -> [String] {
        guard let text else { return [] }
        let line = String(text.map { $0.isNewline || $0 == "\0" ? " " : $0 })
        return ["STATUS=" + line]
    }

    /// Sends the fields as one datagram. Returns false (and sends nothing) when notification is disabled.
    @discardableResult public func send(_ fields: [String]) throws(SystemCallError) -> Bool {
        guard let socketPath else { return false }
        var address = try Self.address(socketPath)
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SystemCallError("socket", path: socketPath, errno: errno) }
        defer { close(descriptor) }

        let message = Array(fields.joined(separator: "\n").utf8)
        let sent = withUnsafePointer(to: &address.storage) { storage in
            storage.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                message.withUnsafeBytes { bytes in
                    sendto(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), pointer, address.length)
                }
            }
        }
        guard sent >= 0 else { throw SystemCallError("sendto", path: socketPath, errno: errno) }
        guard sent == message.count else {
            throw SystemCallError("sendto", path: socketPath, errno: EMSGSIZE)
        }
        return true
    }

    /// Builds the socket address: an absolute path, or `@name` for the abstract namespace (the `@`
    /// becomes a leading NUL and the length excludes any terminator, as the kernel requires).
    static func address(_ path: String) throws(SystemCallError) -> (storage: sockaddr_un, length: socklen_t) {
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        guard abstract || bytes.first == UInt8(ascii: "/") else {
            throw SystemCallError("sun_path", path: path, errno: EAFNOSUPPORT)
        }
        if abstract { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: storage.sun_path)
        // A path needs room for its terminating NUL; an abstract name does not have one.
        guard bytes.count > 1 else { throw SystemCallError("sun_path", path: path, errno: EINVAL) }
        guard bytes.count + (abstract ? 0 : 1) <= capacity else {
            throw SystemCallError("sun_path", path: path, errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &storage.sun_path) { sunPath in
            sunPath.copyBytes(from: bytes)
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
        let length = pathOffset + bytes.count + (abstract ? 0 : 1)
        return (storage, socklen_t(length))
    }
}

/// When the frame loop should pet the watchdog: at half the interval, as sd_watchdog_enabled(3)
/// advises, so one late frame does not get the service killed. Pure: the loop passes its clock.
public struct WatchdogPacer: Sendable, Equatable {
    public let period: Duration
    /// Seconds on the daemon's monotonic clock (`GateClock.monotonic()`).
    private var lastPet: Double?

    /// nil when there is no watchdog to pet.
    public init?(interval: Duration?) {
        guard let interval, interval > .zero else { return nil }
        period = interval / 2
    }

    /// True when a `WATCHDOG=1` is due at `now` (always for the first call).
    public func isDue(at now: Double) -> Bool {
        guard let lastPet else { return true }
        let seconds = Double(period.components.seconds) + Double(period.components.attoseconds) / 1e18
        return now - lastPet >= seconds
    }

    public mutating func petted(at now: Double) {
        lastPet = now
    }
}
