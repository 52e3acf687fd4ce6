import GateCore
import Testing

/// The screen and the voice are told by `.announce`, right after each `.indicate`, with the decision's details.
@Suite struct AnnouncementTests {
    /// Every `.indicate` in a batch is followed at once by its `.announce` for the same signal.
    func checkPairs(_ commands: [GateCommand]) {
        for (index, command) in commands.enumerated() {
            guard case .indicate(let signal) = command else { continue }
            guard index + 1 < commands.count, case .announce(let announcement) = commands[index + 1] else {
                Issue.record("no .announce after .indicate(\(signal)) in \(commands)")
                continue
            }
            #expect(announcement.signal == signal)
        }
        let indicates = commands.filter { if case .indicate = $0 { true } else { false } }.count
        let announces = commands.filter { if case .announce = $0 { true } else { false } }.count
        #expect(indicates == announces)
    }

    @Test func everyIndicateIsAnnouncedAcrossAVisitAFaultAndAnAlarm() {
        let gate = TestGate(rules: VenueRules(approvedCapacity: 100))
        var controller = gate.controller
        let clock = gate.clock
        var all: [GateCommand] = []
        func send(_ event: GateEvent) {
            let commands = controller.handle(event, clock: clock.read())
            all += commands
            for case .log(let row) in commands { send(.logCommitted(row)) }
        }
        send(.started("test"))
        send(.codePresented(Fixture.verdict()))
        send(.temperatureRead(objectCelsius: 36.6))
        clock.advance(milliseconds: 3000)
        send(.tick)
        send(.deviceFault(.camera, "/dev/video0: ENODEV"))
        send(.fireAlarm(active: true))
        send(.fireAlarm(active: false))
        send(.deviceRecovered(.camera))
        checkPairs(all)
        let signals = all.compactMap { if case .announce(let a) = $0 { a.signal } else { nil } }
        #expect(signals == [.ready, .measuring, .admitted, .ready, .fault, .emergencyOpen, .fault, .ready])
    }

    @Test func anAdmissionCarriesTheMaskedNameTemperatureTestAgeDosesAndOccupancy() throws {
        let gate = TestGate(rules: VenueRules(nucleicAcidScope: .everyone, approvedCapacity: 60))
        let credential = Fixture.credential(nucleicAcidTest: Fixture.negativeTest(hoursOld: 12), vaccination: Fixture.vaccinated)
        gate.attempt(Fixture.verdict(credential), temperature: 36.6)
        let announcement = try #require(gate.announcements.last)
        #expect(announcement.signal == .admitted)
        #expect(announcement.maskedName == "张*")
        #expect(announcement.temperature == 36.6)
        #expect(announcement.nucleicAcidAgeHours == 12)
        #expect(announcement.vaccinationDoses == 2)
        #expect(announcement.occupancy == 1)
        #expect(announcement.maximumOccupancy == 45)
        #expect(announcement.reasons.isEmpty)
    }

    @Test func aRefusalCarriesWhatFailedAndTheReMeasuredTemperature() throws {
        let gate = TestGate()
        gate.send(.codePresented(Fixture.verdict()))
        gate.send(.temperatureRead(objectCelsius: 38.0))
        gate.tick(after: 2000)
        gate.send(.temperatureRead(objectCelsius: 37.9))
        let announcement = try #require(gate.announcements.last)
        #expect(announcement.signal == .refused)
        #expect(announcement.reasons == [.fever])
        #expect(announcement.temperature == 37.9)
        #expect(VisitorWords.screen(announcement, .zh).reasons == ["体温 37.9 °C，体温过高"])
        #expect(VisitorWords.clips(announcement) == ["reason-fever", "signal-refused"])
    }

    @Test func idleScreensCarryNoPersonalData() throws {
        let gate = TestGate()
        gate.attempt()
        gate.finishHold()
        let ready = try #require(gate.announcements.last)
        #expect(ready.signal == .ready)
        #expect(ready.maskedName == nil && ready.temperature == nil && ready.reasons.isEmpty)
    }

    @Test func anAdmissionWhoseRowFailsIsAnnouncedAsALogFaultRefusal() throws {
        let gate = TestGate()
        gate.logCommits = false
        gate.send(.codePresented(Fixture.verdict()))
        let row = try #require(rows(gate.send(.temperatureRead(objectCelsius: 36.5))).first)
        gate.send(.logFailed(row, "disk full"))
        let announcement = try #require(gate.announcements.last)
        #expect(announcement.signal == .refused)
        #expect(announcement.reasons == [.logFault])
    }

    @Test func theFaultScreenNamesTheDevicesNotTheirMessages() throws {
        let gate = TestGate()
        gate.send(.deviceFault(.camera, "/dev/video0: ENODEV"))
        let announcement = try #require(gate.announcements.last)
        #expect(announcement.faults == [.camera])
        #expect(VisitorWords.screen(announcement, .en).reasons == ["Fault: camera"])
    }
}

@Suite struct VisitorWordsTests {
    @Test(arguments: Signal.allCases)
    func everySignalHasAHeadlineSymbolAndToneInBothLanguages(signal: Signal) {
        let zh = VisitorWords.headline(signal, .zh), en = VisitorWords.headline(signal, .en)
        #expect(!zh.isEmpty && !en.isEmpty && zh != en)
        #expect(zh.unicodeScalars.contains { $0.value >= 0x4E00 && $0.value <= 0x9FFF })
        #expect(en.unicodeScalars.allSatisfy { $0.value < 0x2E80 })
    }

    @Test(arguments: Reason.allCases)
    func everyReasonHasPlainWordsInBothLanguages(reason: Reason) {
        let announcement = Announcement(signal: .refused, reasons: [reason], temperature: 37.8, nucleicAcidAgeHours: 73)
        let zh = VisitorWords.reason(reason, announcement, .zh), en = VisitorWords.reason(reason, announcement, .en)
        #expect(!zh.isEmpty && !en.isEmpty && zh != en)
        #expect(!zh.contains("_") && !en.contains("_"))  // never the raw value
    }

    @Test func colourIsNeverTheOnlySignal() {
        // Decisions that look alike in colour differ in symbol and words.
        #expect(VisitorWords.symbol(.admitted) != VisitorWords.symbol(.refused))
        #expect(VisitorWords.symbol(.capacityFull) != VisitorWords.symbol(.refusedYellow))
        #expect(Set(Signal.allCases.map { VisitorWords.headline($0, .en) }).count == Signal.allCases.count)
    }

    @Test func figuresAreFormattedWithoutFoundation() {
        let a = Announcement(signal: .refused, reasons: [.fever, .natExpired], temperature: 37.849, nucleicAcidAgeHours: 73.6,
                             occupancy: 45, maximumOccupancy: 75)
        #expect(VisitorWords.screen(a, .zh).reasons == ["体温 37.8 °C，体温过高", "核酸检测已超时（73 小时前）"])
        #expect(VisitorWords.screen(a, .en).details == ["Temperature 37.8 °C", "Test 73 h ago", "Occupancy 45/75"])
    }

    @Test func clipsForEveryDecisionExistInTheListOfAllClips() {
        let all = Set(VisitorWords.allClips(.zh).map(\.name))
        for signal in Signal.allCases {
            for reason in Reason.allCases {
                for clip in VisitorWords.clips(Announcement(signal: signal, reasons: [reason])) {
                    #expect(all.contains(clip), "\(clip)")
                }
            }
        }
        #expect(VisitorWords.clips(Announcement(signal: .ready)).isEmpty)
        #expect(VisitorWords.clips(Announcement(signal: .refused, reasons: [.redCode])) == ["reason-red_code", "signal-refused"])
    }
}
