import Foundation
import GateCore
@testable import EntryLog

/// A fresh directory per test, removed when the value is released.
final class TemporaryDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("entrylog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// 2026-11-29 00:00:00 UTC (08:00 in Asia/Shanghai).
let baseTime: EpochSeconds = 1_795_910_400
let shanghaiOffset = 8 * 3600

func attempt(_ time: EpochSeconds, _ decision: EntryRecord.Decision = .admitted, reasons: [Reason] = [],
             colour: CodeColour = .green, subject: String? = "subj-a", fingerprint: String? = nil,
             temperature: Double? = 36.5, occupancy: Int? = nil) -> EntryRecord {
    EntryRecord(time: time, kind: .attempt, decision: decision, reasons: reasons, format: .hg1, issuer: "gd",
                colour: colour, maskedName: "张*", maskedIDNumber: "440***********123X", subjectID: subject,
                nucleicAcidAgeHours: 20, vaccinationDoses: 3, temperature: temperature, occupancyAfter: occupancy,
                clockSynchronised: true, codeFingerprint: fingerprint ?? "fp-\(time)", rules: ["colour=pass"])
}

func event(_ time: EpochSeconds, _ name: String, detail: String? = nil) -> EntryRecord {
    EntryRecord(time: time, kind: .event, decision: .none, event: name, clockSynchronised: true, detail: detail)
}

/// Runs SQL on the log file directly, as an attacker with write access to the file would.
func tamper(_ path: String, _ sql: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [path, sql]
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
}
