import GateCore
import Glibc

/// A key file of the gate's own (the anchor signing key, the subject key): hex text, mode 0600. Created on
/// first start when missing, so no install step can forget it; refused when others can read it, since then
/// it is no longer a secret.
public enum SecretFile {
    public enum Failure: Error, Equatable, Sendable {
        case cannotCreate(String)
        case cannotWrite(String)
        case cannotRead(String)
        case readableByOthers
        /// Not `byteCount` bytes as hex.
        case malformed

        /// What went wrong, to follow the key's name in a message.
        public var message: String {
            switch self {
            case .cannotCreate(let reason): "cannot create it (\(reason))"
            case .cannotWrite(let reason): "cannot write it (\(reason))"
            case .cannotRead(let reason): "cannot read it (\(reason))"
            case .readableByOthers: "readable by others: chmod 600 it (and consider it leaked)"
            case .malformed: "not a key of the expected length (hex digits)"
            }
        }
    }

    /// The key's bytes; `create` makes them when the file does not exist.
    public static func readOrCreate(path: String, byteCount: Int, create: () -> [UInt8]) throws(Failure) -> (bytes: [UInt8], created: Bool) {
        if access(path, F_OK) != 0 {
            let bytes = create()
            // O_EXCL: never overwrite a key another process has just created.
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw .cannotCreate(String(cString: strerror(errno))) }
            defer { close(fd) }
            let text = Array((Hex.encode(bytes) + "\n").utf8)
            guard write(fd, text, text.count) == text.count, fsync(fd) == 0 else { throw .cannotWrite(String(cString: strerror(errno))) }
            return (bytes, true)
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotRead(String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .cannotRead(String(cString: strerror(errno))) }
        guard info.st_mode & 0o077 == 0 else { throw .readableByOthers }
        var buffer = [UInt8](repeating: 0, count: byteCount * 2 + 64)
        let count = read(fd, &buffer, buffer.count)
        guard count >= 0 else { throw .cannotRead(String(cString: strerror(errno))) }
        let digits = buffer.prefix(count).filter { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        guard digits.count == byteCount * 2, let bytes = Hex.decode(String(decoding: digits, as: UTF8.self)) else { throw .malformed }
        return (bytes, false)
    }

    /// A password file (the county uplink's database login): its first line, refused when others can read it.
    public static func readPassword(path: String) throws(Failure) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotRead(String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .cannotRead(String(cString: strerror(errno))) }
        guard info.st_mode & 0o077 == 0 else { throw .readableByOthers }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(fd, &buffer, buffer.count)
        guard count >= 0 else { throw .cannotRead(String(cString: strerror(errno))) }
        let line = buffer.prefix(count).prefix { $0 != 0x0A && $0 != 0x0D }
        guard !line.isEmpty, let text = String(validating: line, as: UTF8.self) else { throw .malformed }
        return text
    }
}
