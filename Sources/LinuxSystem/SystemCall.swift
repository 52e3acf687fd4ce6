import Glibc

/// A failed system call: which call (with its request, e.g. `ioctl(VIDIOC_DQBUF)`), on which path when
/// there is one, and the errno it set, so one log line is enough to find the cause. The drivers turn it
/// into a `DeviceError` that also names the device.
public struct SystemCallError: Error, Sendable, Equatable, CustomStringConvertible {
    public let call: String
    public let path: String?
    public let errno: Int32

    public init(_ call: String, path: String? = nil, errno: Int32) {
        self.call = call
        self.path = path
        self.errno = errno
    }

    /// What errno says, e.g. "No such device".
    public var message: String { String(cString: strerror(errno)) }

    public var description: String {
        "\(call)\(path.map { " \($0)" } ?? ""): \(message) (errno \(errno))"
    }
}

/// Thin wrappers over the few libc calls the drivers and the service share, in the style of
/// apple/swift-system: EINTR retried, failures returned as a typed error that names the call.
public enum SystemCall {
    /// open(2) with O_CLOEXEC added.
    public static func open(_ path: String, flags: Int32) throws(SystemCallError) -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC)
            if fd >= 0 { return fd }
            if errno != EINTR { throw SystemCallError("open", errno: errno) }
        }
    }

    /// close(2); errors are ignored because the descriptor is released either way on Linux.
    public static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// poll(2) on one descriptor. Returns its `revents`, 0 when the timeout passed (or a signal interrupted).
    public static func poll(_ fd: Int32, events: Int16, timeoutMilliseconds: Int) throws(SystemCallError) -> Int16 {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        let timeout = Int32(clamping: timeoutMilliseconds)
        let ready = Glibc.poll(&entry, 1, timeout)
        if ready < 0 {
            if errno == EINTR { return 0 }
            throw SystemCallError("poll", errno: errno)
        }
        return ready == 0 ? 0 : entry.revents
    }

    /// Checks the result of a CLinux/CV4L2 helper that returns -errno on failure.
    @discardableResult
    public static func check(_ result: Int32, _ call: @autoclosure () -> String) throws(SystemCallError) -> Int32 {
        if result < 0 { throw SystemCallError(call(), errno: -result) }
        return result
    }

    /// CLOCK_MONOTONIC in nanoseconds: the clock GPIO line events are stamped with.
    public static func monotonicNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
