import Crypto
import GateCore
import LinuxSystem

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

    /// Reads the key (64 hex digits), or creates one when the file does not exist, as on a first start.
    public static func loadOrCreate(path: String) throws(FileError) -> SubjectKey {
        do {
            let key = try SecretFile.readOrCreate(path: path, byteCount: 32) { SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) } }
            return SubjectKey(bytes: key.bytes)
        } catch {
            throw FileError(path: path, message: error == .malformed ? "not a subject key (64 hex digits); restore the deployment's key" : error.message)
        }
    }
}
