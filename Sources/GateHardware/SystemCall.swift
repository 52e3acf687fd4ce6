import Glibc

/// A failed system call: which call (with its request, e.g. `ioctl(VIDIOC_DQBUF)`) and the errno it set.
/// Drivers turn it into a `DeviceError` that also names the device and its path.
struct SystemCallError: Error, Equatable {
    var call: String
    var errno: Int32
}

/// Thin wrappers over the few libc calls the drivers share, in the style of apple/swift-system:
/// EINTR retried, failures returned as a typed error that names the call.
enum SystemCall {
    /// open(2) with O_CLOEXEC added.
    static func open(_ path: String, flags: Int32) throws(SystemCallError) -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC)
            if fd >= 0 { return fd }
            if errno != EINTR { throw SystemCallError(call: "open", errno: errno) }
        }
    }

    /// close(2); errors are ignored because the descriptor is released either way on Linux.
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// poll(2) on one descriptor. Returns its `revents`, 0 when the timeout passed (or a signal interrupted).
    static func poll(_ fd: Int32, events: Int16, timeoutMilliseconds: Int) throws(SystemCallError) -> Int16 {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        let timeout = Int32(clamping: timeoutMilliseconds)
        let ready = Glibc.poll(&entry, 1, timeout)
        if ready < 0 {
            if errno == EINTR { return 0 }
            throw SystemCallError(call: "poll", errno: errno)
        }
        return ready == 0 ? 0 : entry.revents
    }

    /// Checks the result of a CLinux/CV4L2 helper that returns -errno on failure.
    @discardableResult
    static func check(_ result: Int32, _ call: @autoclosure () -> String) throws(SystemCallError) -> Int32 {
        if result < 0 { throw SystemCallError(call: call(), errno: -result) }
        return result
    }

    /// CLOCK_MONOTONIC in nanoseconds: the clock GPIO line events are stamped with.
    static func monotonicNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}

extension DeviceError {
    /// errno values meaning the device went away or stopped answering: close it and reopen it later.
    static let reopenErrnos: Set<Int32> = [ENODEV, ENXIO, EIO, ETIMEDOUT, ENOENT, EREMOTEIO, ESHUTDOWN, EPIPE]

    /// A failed system call on a device, classified by its errno.
    init(_ device: Device, path: String, _ failure: SystemCallError) {
        self.init(
            device: device, path: path, operation: failure.call, errno: failure.errno,
            message: String(cString: strerror(failure.errno)),
            needsReopen: Self.reopenErrnos.contains(failure.errno))
    }
}
