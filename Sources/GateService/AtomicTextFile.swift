import Glibc
import LinuxSystem

/// Replaces a file atomically, so a reader (node_exporter, gatectl status) never sees half of it: the
/// text goes to a hidden temporary file in the same directory (node_exporter reads only `*.prom`), is
/// flushed with fsync, and is renamed over the old file.
public struct AtomicTextFile: Sendable {
    public let path: String
    /// Set explicitly: node_exporter runs as its own user and needs 0644; the status file is 0640.
    public let mode: mode_t

    public init(path: String, mode: mode_t = 0o644) {
        self.path = path
        self.mode = mode
    }

    /// The temporary file's name: same directory (rename(2) is atomic only within one filesystem).
    var temporaryPath: String {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        return "\(directory).\(name).\(getpid()).tmp"
    }

    public func write(_ text: String) throws(SystemCallError) {
        try write(bytes: Array(text.utf8))
    }

    /// The same for bytes (a county bundle kept for the next start).
    public func write(bytes: [UInt8]) throws(SystemCallError) {
        let temporary = temporaryPath
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard descriptor >= 0 else { throw SystemCallError("open", path: temporary, errno: errno) }
        var failure: SystemCallError?
        // The service's umask (0027) would override the mode asked for: set it explicitly.
        if fchmod(descriptor, mode) != 0 {
            failure = SystemCallError("fchmod", path: temporary, errno: errno)
        } else if let error = Self.writeAll(descriptor, bytes) {
            failure = SystemCallError("write", path: temporary, errno: error)
        } else if fsync(descriptor) != 0 {
            failure = SystemCallError("fsync", path: temporary, errno: errno)
        }
        if close(descriptor) != 0, failure == nil {
            failure = SystemCallError("close", path: temporary, errno: errno)
        }
        if failure == nil, rename(temporary, path) != 0 {
            failure = SystemCallError("rename", path: path, errno: errno)
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
    }

    /// write(2) until every byte is out, retrying short writes and EINTR. Returns errno on failure.
    private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Int32? {
        bytes.withUnsafeBytes { buffer -> Int32? in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return nil
        }
    }
}
