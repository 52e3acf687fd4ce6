// Test helper for the crash-consistency test (Tests/EntryLogTests/CrashConsistencyTests.swift): appends
// records to the log at argv[1] (argv[2] of them, default unlimited) and writes each committed sequence id to
// stdout as soon as `append` returns, so the test knows exactly which rows the writer reported committed
// before it was killed with SIGKILL.
import EntryLog
import GateCore
#if canImport(Glibc)
import Glibc
#endif

func fail(_ message: String, status: Int32) -> Never {
    let line = "entrylog-crash-writer: \(message)\n"
    _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
    exit(status)
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    fail("usage: entrylog-crash-writer DB_PATH [COUNT]", status: 2)
}
let count = arguments.count >= 3 ? Int(arguments[2]) ?? Int.max : Int.max
do {
    let writer = try EntryLogWriter(path: arguments[1], gateID: "crash-test", fileMode: 0o640)
    var index = 0
    while index < count {
        let admitted = index % 7 != 0
        let record = EntryRecord(
            time: 1_795_000_000 + Double(index), kind: .attempt, decision: admitted ? .admitted : .refused,
            reasons: admitted ? [] : [.fever], format: .hg1, issuer: "test", colour: .green, maskedName: "张*",
            maskedIDNumber: "110***********1234", subjectID: "s\(index % 97)", temperature: admitted ? 36.5 : 38.2,
            occupancyAfter: index % 50, clockSynchronised: true, codeFingerprint: "fp\(index)", rules: ["colour=pass"])
        let seq = try writer.append(record, utcOffsetSeconds: 28800)
        // One write(2) per id: the line is in the pipe before the next append starts.
        let line = "\(seq)\n"
        _ = line.withCString { write(STDOUT_FILENO, $0, strlen($0)) }
        index += 1
    }
} catch {
    fail("\(error)", status: 1)
}
