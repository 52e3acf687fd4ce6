import Foundation
import GateCore
import HealthCode
import Testing

/// Issue 12, item 9: the HC1 pseudonym of a name and birth date must not be computable without the
/// deployment's key, and must be the same on every gate that holds it.
@Suite struct SubjectKeyTests {
    static let now = 1_764_400_000.0

    func subject(_ key: SubjectKey?) throws -> String {
        let directory = try TrustDirectory()
        defer { directory.remove() }
        let signer = try HC1Signer(.es256)
        try directory.add(signer)
        let payload = try signer.payload(claims: HC1Signer.claims(iat: Int(Self.now) - 60, exp: Int(Self.now) + 3600, type: "v",
                                                                 entry: HC1Signer.vaccination(doses: 2, series: 2, date: "2021-06-01")))
        let verifier = CodeVerifier(trustStore: TrustStore(directory: directory.path),
                                    configuration: VerifierConfiguration(subjectKey: key))
        return try #require(verifier.verify(payload: payload.bytes, clock: syncedClock(Self.now)).credential?.subjectID)
    }

    @Test func pseudonymDependsOnTheKeyAndIsStableUnderIt() throws {
        let a = SubjectKey(bytes: Array(repeating: 1, count: 32))
        let b = SubjectKey(bytes: Array(repeating: 2, count: 32))
        let unkeyed = try subject(nil)
        let underA = try subject(a)
        #expect(underA.count == 32)
        #expect(underA == (try subject(SubjectKey(bytes: Array(repeating: 1, count: 32)))), "every gate with the key agrees")
        #expect(underA != (try subject(b)))
        #expect(underA != unkeyed, "the enumerable unkeyed hash is not what a keyed gate logs")
    }

    @Test func keyFileIsCreatedPrivateAndReadBack() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("subject-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("subject.key").path
        let created = try SubjectKey.loadOrCreate(path: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.trimmingCharacters(in: .whitespacesAndNewlines).count == 64)
        let read = try SubjectKey.loadOrCreate(path: path)
        #expect(try subject(created) == (try subject(read)))
    }

    @Test func aKeyOthersCanReadOrAGarbledOneIsRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("subject-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("subject.key").path
        _ = try SubjectKey.loadOrCreate(path: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect(throws: SubjectKey.FileError.self) { try SubjectKey.loadOrCreate(path: path) }
        try "not hex\n".write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(throws: SubjectKey.FileError.self) { try SubjectKey.loadOrCreate(path: path) }
    }
}
