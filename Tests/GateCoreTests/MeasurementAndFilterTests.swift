import GateCore
import Testing

@Suite("Body temperature model")
struct BodyTemperatureModelTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var model: BodyTemperatureModel
        var object: Double
        var expected: TemperatureSample
        var testDescription: String {
            "slope \(model.slope) offset \(model.offsetCelsius), object \(object) → \(expected)"
        }
    }

    static let cases: [Case] = [
        // Identity model: the reading is the body temperature, to one decimal.
        Case(model: BodyTemperatureModel(), object: 36.6, expected: .body(36.6)),
        Case(model: BodyTemperatureModel(), object: 36.64, expected: .body(36.6)),
        Case(model: BodyTemperatureModel(), object: 36.66, expected: .body(36.7)),
        // Forehead skin reads low: the installer's offset lifts it.
        Case(model: BodyTemperatureModel(offsetCelsius: 1.2), object: 35.4, expected: .body(36.6)),
        Case(model: BodyTemperatureModel(slope: 0.9, offsetCelsius: 4.0), object: 36.0, expected: .body(36.4)),
        Case(model: BodyTemperatureModel(slope: 0.5, offsetCelsius: 19.0), object: 36.6, expected: .body(37.3)),
        // Valid range edges (34.0…43.0 by default) are inclusive.
        Case(model: BodyTemperatureModel(), object: 34.0, expected: .body(34.0)),
        Case(model: BodyTemperatureModel(), object: 43.0, expected: .body(43.0)),
        Case(model: BodyTemperatureModel(), object: 33.9, expected: .noPerson(objectCelsius: 33.9)),
        Case(model: BodyTemperatureModel(), object: 43.1, expected: .noPerson(objectCelsius: 43.1)),
        // The range applies to the estimate, and a no-person sample carries the raw object reading.
        Case(model: BodyTemperatureModel(offsetCelsius: 2.0), object: 32.0, expected: .body(34.0)),
        Case(model: BodyTemperatureModel(offsetCelsius: 2.0), object: 31.5, expected: .noPerson(objectCelsius: 31.5)),
        Case(model: BodyTemperatureModel(offsetCelsius: 2.0), object: 41.5, expected: .noPerson(objectCelsius: 41.5)),
        Case(model: BodyTemperatureModel(validRange: 35.0...42.0), object: 34.5, expected: .noPerson(objectCelsius: 34.5)),
        // Room temperature: nobody in front of the sensor.
        Case(model: BodyTemperatureModel(offsetCelsius: 1.5), object: 22.0, expected: .noPerson(objectCelsius: 22.0)),
        // A hot lamp or a reflection is nobody, never a fever.
        Case(model: BodyTemperatureModel(), object: 500, expected: .noPerson(objectCelsius: 500)),
    ]

    @Test("object reading → body estimate", arguments: cases)
    func sample(_ c: Case) {
        #expect(c.model.sample(objectCelsius: c.object) == c.expected)
    }

    @Test("a NaN reading is no person")
    func notANumber() {
        guard case .noPerson(let object) = BodyTemperatureModel().sample(objectCelsius: .nan) else {
            Issue.record("NaN was taken as a body temperature")
            return
        }
        #expect(object.isNaN)
    }

    @Test("defaults")
    func defaults() {
        let model = BodyTemperatureModel()
        #expect(model.slope == 1.0)
        #expect(model.offsetCelsius == 0.0)
        #expect(model.validRange == 34.0...43.0)
    }
}

@Suite("Virtual clock")
struct VirtualClockTests {
    @Test("moves only when told, in milliseconds, and reports its sync state")
    func advances() {
        let clock = VirtualClock(now: Fixture.start, synchronised: false)
        #expect(clock.read() == ClockReading(now: Fixture.start, synchronised: false, monotonic: 1_000))
        clock.advance(milliseconds: 1500)
        clock.advance(milliseconds: 250)
        #expect(clock.read().now == Fixture.start + 1.75)
        #expect(clock.read().monotonic == 1_001.75)
        clock.now -= 3600  // a wall-clock step moves wall time only
        #expect(clock.read().monotonic == 1_001.75)
        clock.synchronised = true
        #expect(clock.read().synchronised)
    }
}

@Suite("Anti-passback")
struct ReplayGuardTests {
    @Test("the same code within the window is a replay; at the window's end it is not")
    func windowEdges() {
        var guardTable = ReplayGuard(windowSeconds: 60)
        let t = Fixture.start
        #expect(!guardTable.isReplay("fp-a", now: t))
        guardTable.recordAdmission("fp-a", at: t)
        #expect(guardTable.isReplay("fp-a", now: t))
        #expect(guardTable.isReplay("fp-a", now: t + 59.999))
        #expect(!guardTable.isReplay("fp-a", now: t + 60))
        #expect(!guardTable.isReplay("fp-b", now: t + 1))
    }

    @Test("a new admission restarts the window")
    func readmission() {
        var guardTable = ReplayGuard(windowSeconds: 60)
        let t = Fixture.start
        guardTable.recordAdmission("fp-a", at: t)
        guardTable.recordAdmission("fp-a", at: t + 50)
        #expect(guardTable.isReplay("fp-a", now: t + 100))
        #expect(!guardTable.isReplay("fp-a", now: t + 110))
        #expect(guardTable.count == 1)
    }

    @Test("prune forgets what is outside the window and keeps the rest")
    func prune() {
        var guardTable = ReplayGuard(windowSeconds: 60)
        let t = Fixture.start
        guardTable.recordAdmission("old", at: t)
        guardTable.recordAdmission("edge", at: t + 41)
        guardTable.recordAdmission("new", at: t + 90)
        guardTable.prune(now: t + 100)
        #expect(guardTable.count == 2)
        #expect(guardTable.isReplay("edge", now: t + 99))
        #expect(!guardTable.isReplay("old", now: t + 10))
        guardTable.prune(now: t + 160)
        #expect(guardTable.count == 0)
    }

    @Test("the table prunes itself as it grows, so it stays bounded by one window of admissions")
    func pruneOnWrite() {
        var guardTable = ReplayGuard(windowSeconds: 60)
        let t = Fixture.start
        for n in 0..<255 { guardTable.recordAdmission("fp-\(n)", at: t) }
        #expect(guardTable.count == 255)
        guardTable.recordAdmission("fp-late", at: t + 120)
        #expect(guardTable.count == 1)
        #expect(guardTable.isReplay("fp-late", now: t + 121))
    }
}

/// Holds a filter so `#expect` can call it (the macro cannot call mutating members).
final class FilterProbe {
    var filter: PresentationFilter
    init(absenceSeconds: Double = 1.5) { filter = PresentationFilter(absenceSeconds: absenceSeconds) }
    func isNew(_ payload: [UInt8], at time: EpochSeconds) -> Bool { filter.isNewPresentation(payload, now: time) }
    func notePresent(_ payload: [UInt8], at time: EpochSeconds) { filter.notePresent(payload, now: time) }
}

@Suite("Presentation filter")
struct PresentationFilterTests {
    let qr: [UInt8] = Array("HG1:AAAA".utf8)
    let other: [UInt8] = Array("HG1:BBBB".utf8)

    @Test("a code held in front of the camera is one presentation")
    func heldCode() {
        let filter = FilterProbe(absenceSeconds: 1.5)
        let t = Fixture.start
        #expect(filter.isNew(qr, at: t))
        // Seen every 100 ms for 10 s: never new again.
        for frame in 1...100 {
            #expect(!filter.isNew(qr, at: t + Double(frame) * 0.1))
        }
    }

    @Test("it counts again after the absence time, not before")
    func absence() {
        let filter = FilterProbe(absenceSeconds: 1.5)
        let t = Fixture.start
        #expect(filter.isNew(qr, at: t))
        #expect(!filter.isNew(qr, at: t + 1.499))
        // Last seen at t + 1.499, so new again from t + 2.999.
        #expect(!filter.isNew(qr, at: t + 2.9))
        #expect(filter.isNew(qr, at: t + 4.4))
    }

    @Test("different codes are separate presentations")
    func twoCodes() {
        let filter = FilterProbe()
        let t = Fixture.start
        #expect(filter.isNew(qr, at: t))
        #expect(filter.isNew(other, at: t + 0.1))
        #expect(!filter.isNew(qr, at: t + 0.2))
    }

    @Test("notePresent keeps a code in view without counting it")
    func notePresent() {
        let filter = FilterProbe(absenceSeconds: 1.5)
        let t = Fixture.start
        #expect(filter.isNew(qr, at: t))
        // The gate is busy for 5 s; the code stays in view all along.
        for second in 1...5 { filter.notePresent(qr, at: t + Double(second)) }
        #expect(!filter.isNew(qr, at: t + 6))

        // Without the notes, the same pause would make it a new presentation.
        let unnoted = FilterProbe(absenceSeconds: 1.5)
        #expect(unnoted.isNew(qr, at: t))
        #expect(unnoted.isNew(qr, at: t + 6))
    }

    @Test("notePresent does not register a code never presented")
    func notePresentUnseen() {
        let filter = FilterProbe()
        let t = Fixture.start
        filter.notePresent(qr, at: t)
        #expect(filter.isNew(qr, at: t + 0.1))
    }

    @Test("many codes in passing do not make an old one new too early")
    func manyCodes() {
        let filter = FilterProbe(absenceSeconds: 1.5)
        let t = Fixture.start
        #expect(filter.isNew(qr, at: t))
        for n in 0..<100 { _ = filter.isNew(Array("HG1:\(n)".utf8), at: t + 0.5) }
        #expect(!filter.isNew(qr, at: t + 1.0))
    }
}
