import Glibc
import LinuxSystem

extension DeviceError {
    /// errno values meaning the device went away or stopped answering: close it and reopen it later.
    static let reopenErrnos: Set<Int32> = [ENODEV, ENXIO, EIO, ETIMEDOUT, ENOENT, EREMOTEIO, ESHUTDOWN, EPIPE]

    /// A failed system call on a device, named by the device and its path, classified by its errno.
    init(_ device: Device, path: String, _ failure: SystemCallError) {
        self.init(
            device: device, path: path, operation: failure.call, errno: failure.errno, message: failure.message,
            needsReopen: Self.reopenErrnos.contains(failure.errno))
    }
}
