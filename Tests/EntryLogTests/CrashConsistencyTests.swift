import Foundation
import Testing
@testable import EntryLog

/// Real processes, real SIGKILL, real file: the writer is the `entrylog-crash-writer` executable built with
/// the tests; it prints each sequence id after `append` returns (i.e. after the commit's fsync).
@Suite("Crash consistency", .serialized)
struct CrashConsistencyTests {
    static var writerExecutable: URL {
        // The test runner and the package's executables are built into the same directory.
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("entrylog-crash-writer")
    }

    @Test func everyReportedCommitSurvivesSIGKILL() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("entries.sqlite")
        var committed: [Int64] = []
        var generator = SystemRandomNumberGenerator()
        let start = Date()
        // Keep killing until thousands of appends have happened (bounded in time for slow disks).
        var round = 0
        while round < 8 || (committed.count < 2000 && Date().timeIntervalSince(start) < 40) {
            round += 1
            let process = Process()
            process.executableURL = Self.writerExecutable
            process.arguments = [path]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            try await Task.sleep(for: .milliseconds(Int.random(in: 150...1500, using: &generator)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal, "round \(round): the writer exited by itself")
            // Only complete lines count as reported: a partial line was never fully written.
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            committed += lines.compactMap { Int64($0) }
        }
        #expect(committed.count >= 500, "too few appends to exercise crashes: \(committed.count)")
        print("crash test: \(round) kills, \(committed.count) commits reported")
        #expect(committed == committed.sorted() && Set(committed).count == committed.count)
        let reader = try EntryLogReader(path: path)
        #expect(try reader.integrityCheck() == ["ok"])
        let stored = Set(try reader.entries(EntryFilter(limit: nil)).map(\.seq))
        let missing = committed.filter { !stored.contains($0) }
        #expect(missing.isEmpty, "committed but lost: \(missing.prefix(10))")
        let chain = try reader.verifyChain()
        #expect(chain.isValid, "\(String(describing: chain.problem))")
        #expect(chain.rowsChecked == stored.count)
    }
}
