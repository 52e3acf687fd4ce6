import Foundation
import GateCore
import Testing
@testable import EntryLog

@Suite("Access: concurrent readers, permissions, damaged files")
struct AccessTests {
    @Test func readOnlyReaderWorksWhileTheWriterWrites() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("entries.sqlite")
        let writer = try EntryLogWriter(path: path, gateID: "gate-1")
        try writer.append(attempt(baseTime), utcOffsetSeconds: 0)
        let reader = try EntryLogReader(path: path)
        let writing = Task.detached {
            for index in 1...150 { try writer.append(attempt(baseTime + Double(index)), utcOffsetSeconds: 0) }
        }
        var seen: [Int64] = []
        while seen.last != 151 {
            let last = try reader.lastSeq() ?? 0
            #expect(last >= (seen.last ?? 0), "a reader never sees rows disappear")
            seen.append(last)
            #expect(try reader.entries(EntryFilter(limit: 5)).last?.seq ?? 0 >= last)
            try await Task.sleep(for: .milliseconds(5))
        }
        try await writing.value
        #expect(try reader.verifyChain().isValid)
        #expect(Set(seen).count > 1, "the reader observed the log growing")
    }

    @Test func readerOpensAFileItMayOnlyRead() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("entries.sqlite")
        do {
            let writer = try EntryLogWriter(path: path, gateID: "gate-1", fileMode: 0o440)
            try writer.append(attempt(baseTime), utcOffsetSeconds: 0)
        }
        #expect(try EntryLogReader(path: path).lastSeq() == 1)
    }

    /// Staff cannot create the -wal/-shm files in the service's directory, so they must outlive the writer.
    @Test func walFilesStayWhenTheWriterCloses() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("entries.sqlite")
        do {
            let writer = try EntryLogWriter(path: path, gateID: "gate-1")
            try writer.append(attempt(baseTime), utcOffsetSeconds: 0)
        }
        #expect(FileManager.default.fileExists(atPath: path + "-wal") && FileManager.default.fileExists(atPath: path + "-shm"))
        #expect(try EntryLogReader(path: path).lastSeq() == 1)
    }

    @Test func missingFileSaysSo() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("absent.sqlite")
        #expect(throws: EntryLogError.notFound(path: path)) { try EntryLogReader(path: path) }
        #expect(!FileManager.default.fileExists(atPath: path), "a reader never creates the log")
    }

    @Test func garbageFileIsReportedCorrupt() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("entries.sqlite")
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: EntryLogError.self) { try EntryLogReader(path: path) }
        guard case .corrupt = error else { Issue.record("expected corrupt, got \(String(describing: error))"); return }
    }

    /// Root ignores file modes, so the denied case runs the crash-writer helper as `nobody` (setpriv) on a file
    /// only root may read: the message the staff would see must tell them what to do.
    @Test func permissionDeniedTellsWhichGroupToJoin() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("entries.sqlite")
        _ = try EntryLogWriter(path: path, gateID: "gate-1", fileMode: 0o600)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.url.path)
        if getuid() != 0 {
            let expected = EntryLogError.accessError(path: path) == nil ? nil : EntryLogError.permissionDenied(path: path)
            #expect(expected == nil || expected?.description.contains("add the user to group gate-staff") == true)
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups",
                             CrashConsistencyTests.writerExecutable.path, path, "1"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 1)
        #expect(message.contains("permission denied: add the user to group gate-staff"), "\(message)")
        #expect(EntryLogError.permissionDenied(path: path).description.contains(path))
    }

    @Test(arguments: [
        (EntryLogError.diskFull(path: "/x"), "disk full"),
        (.ioError(path: "/x", detail: "EIO"), "I/O error"),
        (.readOnly(path: "/x"), "read-only"),
        (.corrupt(path: "/x", detail: "bad page"), "corrupt"),
    ])
    func everyErrorSaysWhatHappenedAndWhere(_ error: EntryLogError, _ words: String) {
        #expect(error.description.contains(words) && error.description.contains("/x"))
    }
}
