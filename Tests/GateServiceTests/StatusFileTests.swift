import Foundation
import GateCore
import Testing
@testable import GateService

@Suite struct StatusFileShapeTests {
    @Test("typed state and faults are written as the strings gatectl and fleet scripts read")
    func statusJSONIsUnchanged() throws {
        let status = GateStatus(gateID: "g", pid: 1, state: .emergencyOpen, occupancy: 0, occupancyLimit: nil,
                                faults: [.init(source: .thermometer, message: "thermometer /dev/i2c-1@0x5a: read failed: NACK")],
                                clockSynchronised: true, fireAlarm: true, lastDecision: nil, startedAt: 0, updatedAt: 0,
                                framesProcessed: 0)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(status), as: UTF8.self)
        #expect(text.contains(#""state":"emergency_open""#))
        #expect(text.contains(#""faults":["thermometer: thermometer \/dev\/i2c-1@0x5a: read failed: NACK"]"#))
        #expect(try JSONDecoder().decode(GateStatus.self, from: Data(text.utf8)) == status)
    }
}
