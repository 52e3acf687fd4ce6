import Glibc
import LinuxSystem

extension DeviceError {
    /// A failed system call on a device, named by the device and its path.
    init(_ device: Device, path: String, _ failure: SystemCallError) {
        self.init(
            device: device, path: path, operation: failure.call, errno: failure.errno, message: failure.message)
    }
}
