import GateCore
import Testing

/// The controller's own filtering of what the scanner reads, its anti-passback and its body-temperature
/// model (the executor only passes payloads, verdicts and raw readings), on a virtual clock.
@Suite("Controller: presentations, anti-passback, temperature model")
struct PresentationHandlingTests {
    static let settings = ControllerSettings(relayPulseMilliseconds: 1500, admittedHoldMilliseconds: 2000,
                                             refusedHoldMilliseconds: 2500, remeasureDelayMilliseconds: 2000,
                                             replayWindowSeconds: 600, presentationAbsenceMilliseconds: 1500)
    static let codeA = Array("code-A".utf8)
    static let codeB = Array("code-B".utf8)

    /// Reads `payload` once per 50 ms frame for `frames` frames; returns every batch that was not empty.
    static func hold(_ payload: [UInt8], frames: Int, on gate: TestGate) -> [[GateCommand]] {
        (0..<frames).compactMap { _ in
            gate.clock.advance(milliseconds: 50)
            let commands = gate.send(.codeRead(payload))
            return commands.isEmpty ? nil : commands
        }
    }

    @Test("a code held in view for many frames is verified once")
    func heldCodeIsOnePresentation() {
        let gate = TestGate(Self.settings)
        #expect(gate.send(.codeRead(Self.codeA)) == [.verifyCode(Self.codeA)])
        #expect(Self.hold(Self.codeA, frames: 40, on: gate).isEmpty)
        // Away long enough, it is a new presentation.
        gate.clock.advance(milliseconds: 1500)
        #expect(gate.send(.codeRead(Self.codeA)) == [.verifyCode(Self.codeA)])
    }

    @Test("while someone is measured no code is taken, and the code kept in view does not count again after")
    func busyGateTakesNoCode() {
        let gate = TestGate(Self.settings)
        #expect(gate.send(.codeRead(Self.codeA)) == [.verifyCode(Self.codeA)])
        #expect(gate.send(.codePresented(Fixture.verdict())) == [.indicate(.measuring), .measureTemperature])
        #expect(Self.hold(Self.codeA, frames: 5, on: gate).isEmpty)
        #expect(Self.hold(Self.codeB, frames: 5, on: gate).isEmpty, "a second visitor's code waits")
        #expect(opensRelay(gate.send(.temperatureRead(objectCelsius: 36.6))))
        #expect(Self.hold(Self.codeA, frames: 45, on: gate).isEmpty, "held up through the admitted hold")
        gate.tick(after: 300)
        #expect(gate.state == .ready)
        #expect(gate.send(.codeRead(Self.codeA)) == [], "still in view once the gate is ready: not a new presentation")
    }

    @Test("no blind hold: during a refusal a different code is decided at once")
    func refusalTakesADifferentCode() throws {
        let gate = TestGate(Self.settings)
        #expect(gate.send(.codeRead(Self.codeA)) == [.verifyCode(Self.codeA)])
        let refused = gate.send(.codePresented(Fixture.verdict(Fixture.credential(colour: .red), fingerprint: "fp-A")))
        #expect(rows(refused).first?.decision == .refused)
        #expect(gate.state == .refused)

        // The wrong app still held up is ignored for the whole hold…
        #expect(Self.hold(Self.codeA, frames: 10, on: gate).isEmpty)
        // …but the right one is read at once, long before the hold would end.
        #expect(gate.send(.codeRead(Self.codeB)) == [.verifyCode(Self.codeB)])
        #expect(gate.send(.codePresented(Fixture.verdict(fingerprint: "fp-B"))) == [.indicate(.measuring), .measureTemperature])
        let admitted = gate.send(.temperatureRead(objectCelsius: 36.6))
        #expect(opensRelay(admitted))
        #expect(rows(admitted).first?.codeFingerprint == "fp-B")
        #expect(gate.state == .admitted)
        // The refusal's hold does not end the admission early.
        #expect(gate.tick(after: 1999) == [])
        #expect(gate.state == .admitted)
    }

    @Test("during a refusal the same code counts again only once it has been away")
    func refusedCodeAwayCountsAgain() {
        var settings = Self.settings
        settings.refusedHoldMilliseconds = 10_000
        let gate = TestGate(settings)
        gate.send(.codeRead(Self.codeA))
        gate.send(.codePresented(Fixture.verdict(Fixture.credential(colour: .red), fingerprint: "fp-A")))
        #expect(Self.hold(Self.codeA, frames: 20, on: gate).isEmpty)
        gate.clock.advance(milliseconds: 1499)
        #expect(gate.send(.codeRead(Self.codeA)) == [], "away for less than presentation_absence_ms")
        gate.tick(after: 1500)
        #expect(gate.state == .refused)
        #expect(gate.send(.codeRead(Self.codeA)) == [.verifyCode(Self.codeA)])
    }

    @Test("no blind hold after an admission: the next code waits for the admitted hold")
    func admissionStillHolds() {
        let gate = TestGate(Self.settings)
        _ = gate.attempt()
        #expect(gate.state == .admitted)
        #expect(gate.send(.codeRead(Self.codeB)) == [])
    }

    @Test("anti-passback: an admitted code is refused replayed within the window, from the committed row")
    func replayedWithinWindow() throws {
        let gate = TestGate(Self.settings)
        #expect(opensRelay(gate.attempt(Fixture.verdict(fingerprint: "fp-1"))))
        gate.finishHold()
        let again = gate.attempt(Fixture.verdict(fingerprint: "fp-1"))
        #expect(!opensRelay(again))
        #expect(rows(again).first?.reasons == [.replayed])
        gate.finishHold()
        gate.clock.advance(milliseconds: 600_000)
        #expect(opensRelay(gate.attempt(Fixture.verdict(fingerprint: "fp-1"))), "after the window it is admitted again")
    }

    @Test("anti-passback survives a restart through the log's recent admissions")
    func replayAcrossRestart() {
        let gate = TestGate(Self.settings)
        gate.controller = GateController(settings: Self.settings, recentAdmissions: [("fp-1", gate.now - 60)])
        let commands = gate.attempt(Fixture.verdict(fingerprint: "fp-1"))
        #expect(rows(commands).first?.reasons == [.replayed])
    }

    @Test("an admission whose row failed is not remembered for anti-passback")
    func revertedAdmissionIsNotReplayed() throws {
        let gate = TestGate(Self.settings)
        gate.logCommits = false
        let row = try #require(rows(gate.attempt(Fixture.verdict(fingerprint: "fp-1"))).first)
        gate.send(.logFailed(row, "disk full"))
        gate.finishHold()
        gate.logCommits = true
        #expect(opensRelay(gate.attempt(Fixture.verdict(fingerprint: "fp-1"))))
    }

    @Test("the thermometer's calibration is applied by the controller, before the fever threshold")
    func calibrationBeforeThreshold() throws {
        var settings = Self.settings
        settings.temperatureModel = BodyTemperatureModel(offsetCelsius: 1.2)
        let gate = TestGate(settings)
        let admitted = gate.attempt(temperature: 35.4)
        #expect(opensRelay(admitted))
        #expect(rows(admitted).first?.temperature == 36.6)

        // 36.4 on the forehead is 37.6 in the body: a fever, re-measured, then refused.
        let fever = TestGate(settings)
        fever.send(.codePresented(Fixture.verdict()))
        #expect(fever.send(.temperatureRead(objectCelsius: 36.4)) == [.indicate(.measuring)])
        #expect(fever.tick(after: 2000) == [.measureTemperature])
        let refused = fever.send(.temperatureRead(objectCelsius: 36.4))
        #expect(rows(refused).first?.reasons == [.fever])
        #expect(rows(refused).first?.temperature == 37.6)
        #expect(rows(refused).first?.remeasuredTemperature == 37.6)
    }
}
