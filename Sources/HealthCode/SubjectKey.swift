import Crypto
import FoundationEssentials
import Glibc

/// The deployment's secret for HC1 subject pseudonyms. A DCC names its holder (name and date of birth); an
/// unkeyed hash of those could be reversed by hashing candidate people, so the pseudonym is an HMAC under this
/// key. Every gate of one deployment (a county) must hold the same key for a trace to follow a person across
/// venues; a leaked key lets its holder test guesses of name + birth date against logged pseudonyms, nothing more.
public struct SubjectKey: Sendable {
    let key: SymmetricKey

    public init(bytes: [UInt8]) {
        key = SymmetricKey(data: bytes)
    }

    /// First 16 bytes of HMAC-SHA-256 under the key, as hex.
    func pseudonym(of text: String) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: key).prefix(16))
    }

    public struct FileError: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { "subject key \(path): \(message)" }
    }

    /// Reads the key (64 hex digits), or creates one (0600, O_EXCL) when the file does not exist, as on a first
    /// start. A key others can read is refused: it would let them reverse pseudonyms.
    public static func loadOrCreate(path: String) throws(FileError) -> SubjectKey {
        func failure(_ message: String) -> FileError { FileError(path: path, message: message) }
        if access(path, F_OK) != 0 {
            let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw failure("cannot create (\(String(cString: strerror(errno))))") }
            defer { close(fd) }
            let text = Array((Hex.encode(bytes) + "\n").utf8)
            guard write(fd, text, text.count) == text.count, fsync(fd) == 0 else {
                throw failure("cannot write (\(String(cString: strerror(errno))))")
            }
            return SubjectKey(bytes: bytes)
        }
        var info = stat()
        guard stat(path, &info) == 0, let data = FileManager.default.contents(atPath: path) else {
            throw failure("cannot read (\(String(cString: strerror(errno))))")
        }
        guard info.st_mode & 0o077 == 0 else { throw failure("readable by others: chmod 600 it (and consider it leaked)") }
        let text = String(decoding: data, as: UTF8.self).filter { !$0.isWhitespace }
        guard text.utf8.count == 64, let bytes = Hex.decode(text) else {
            throw failure("not a subject key (64 hex digits); restore the deployment's key")
        }
        return SubjectKey(bytes: bytes)
    }
}
