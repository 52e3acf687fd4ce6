import Foundation
import GateCore
import Testing

/// The raw values below are stored in the entry log and printed by gatectl: renaming one orphans old rows,
/// so the tables are asserted here and a change has to be made in both places on purpose.
@Suite("Stable names")
struct StableNamesTests {
    @Test("reason raw values")
    func reasons() {
        #expect(Reason.allCases.map(\.rawValue) == [
            "red_code", "yellow_code", "expired", "not_yet_valid", "bad_signature", "unknown_issuer", "key_usage",
            "replayed", "unreadable", "unsupported_format", "clock_unsynced", "fever", "no_reading", "sensor_fault",
            "camera_fault", "log_fault", "nat_missing", "nat_expired", "nat_positive", "not_vaccinated",
            "vaccination_prompt", "capacity_full", "gpio_fault", "revoked", "stale_bundle",
            "platform_unavailable", "unverified", "unknown_token",
        ])
    }

    @Test("signal and buzzer raw values")
    func signals() {
        #expect(Signal.allCases.map(\.rawValue) == [
            "ready", "measuring", "admitted", "admitted_prompt", "refused", "refused_yellow", "capacity_full",
            "fever_clinic", "fault", "emergency_open", "verifying",
        ])
        #expect(BuzzerPattern.allCases.map(\.rawValue) == [
            "silent", "admit", "prompt", "refuse", "capacity_full", "fever_clinic", "alarm",
        ])
    }

    /// docs/decisions.md, found from this file's path (Tests/GateCoreTests/ → repository root).
    static func decisionsDoc() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("docs/decisions.md"), encoding: .utf8)
    }

    @Test("docs/decisions.md explains every reason, signal and state")
    func documented() throws {
        let doc = try Self.decisionsDoc()
        for reason in Reason.allCases {
            #expect(doc.contains("| `\(reason.rawValue)` |"), "reason \(reason.rawValue) has no row")
        }
        for signal in Signal.allCases {
            #expect(doc.contains("| `\(signal.rawValue)` |"), "signal \(signal.rawValue) has no row")
        }
        for state in ["ready", "verifying", "measuring", "admitted", "refused", "fault", "emergency_open"] {
            #expect(GateState(rawValue: state) != nil)
            #expect(doc.contains("| `\(state)` |"), "state \(state) has no row")
        }
    }
}
