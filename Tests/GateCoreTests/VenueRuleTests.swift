import GateCore
import Testing

/// The venue rules of issue 6, table-driven: each rule alone through `CodePolicy.evaluate`, then through the
/// controller for what the visitor sees, then the combinations.
@Suite("Venue rules")
struct VenueRuleTests {
    static func rule(_ name: String, in results: [RuleResult]) -> RuleResult? {
        results.first { $0.rule == name }
    }

    static func evaluate(_ credential: HealthCredential, rules: VenueRules, occupancy: Int = 0) -> [RuleResult] {
        CodePolicy.evaluate(verdict: Fixture.verdict(credential), replayed: false, rules: rules, occupancy: occupancy,
                            now: Fixture.start)
    }

    // MARK: Nucleic-acid test

    /// What the code carries about its last test.
    enum TestOnCode: Sendable {
        case missing, positive, fresh, atLimit, justStale, slightlyFuture, future

        func test(maxAgeHours: Int) -> NucleicAcidTest? {
            let limit = Double(maxAgeHours)
            switch self {
            case .missing: return nil
            case .positive: return NucleicAcidTest(sampledAt: Fixture.start - 2 * Fixture.hour, result: .positive)
            case .fresh: return Fixture.negativeTest(hoursOld: 2)
            case .atLimit: return Fixture.negativeTest(hoursOld: limit)
            case .justStale: return NucleicAcidTest(sampledAt: Fixture.start - limit * Fixture.hour - 1, result: .negative)
            // Clocks of testing sites drift: up to an hour ahead is tolerated, more is not trusted.
            case .slightlyFuture: return Fixture.negativeTest(hoursOld: -0.5)
            case .future: return Fixture.negativeTest(hoursOld: -2)
            }
        }

        /// The rule's answer when the rule applies to this visitor.
        var whenRequired: (RuleResult.Outcome, Reason?) {
            switch self {
            case .missing: (.fail, .natMissing)
            case .positive: (.fail, .natPositive)
            case .fresh, .atLimit, .slightlyFuture: (.pass, nil)
            case .justStale, .future: (.fail, .natExpired)
            }
        }
    }

    struct NucleicAcidCase: Sendable, CustomTestStringConvertible {
        var scope: VenueRules.NucleicAcidScope
        var maxAgeHours: Int
        var outsideProvince: Bool
        var test: TestOnCode
        var testDescription: String {
            "\(scope.rawValue) \(maxAgeHours)h \(outsideProvince ? "outside" : "local") \(test)"
        }
        var applies: Bool {
            switch scope {
            case .off: false
            case .everyone: true
            case .outsideProvince: outsideProvince
            }
        }
    }

    static let nucleicAcidCases: [NucleicAcidCase] = {
        let tests: [TestOnCode] = [.missing, .positive, .fresh, .atLimit, .justStale, .slightlyFuture, .future]
        var cases: [NucleicAcidCase] = []
        for scope in VenueRules.NucleicAcidScope.allCases {
            for hours in [24, 48, 72] {
                for outside in [false, true] {
                    for test in tests {
                        cases.append(NucleicAcidCase(scope: scope, maxAgeHours: hours, outsideProvince: outside, test: test))
                    }
                }
            }
        }
        return cases
    }()

    @Test("nucleic-acid scope × test on the code × window", arguments: nucleicAcidCases)
    func nucleicAcid(_ c: NucleicAcidCase) throws {
        let rules = VenueRules(nucleicAcidScope: c.scope, nucleicAcidMaxAgeHours: c.maxAgeHours)
        let credential = Fixture.credential(nucleicAcidTest: c.test.test(maxAgeHours: c.maxAgeHours),
                                            outsideProvince: c.outsideProvince)
        let result = try #require(Self.rule("nucleic_acid", in: Self.evaluate(credential, rules: rules)))
        if c.applies {
            #expect(result.outcome == c.test.whenRequired.0)
            #expect(result.reason == c.test.whenRequired.1)
        } else {
            #expect(result.outcome == .skip)
            #expect(result.reason == nil)
        }
    }

    @Test("a sample time that is not a number is never a fresh test")
    func nucleicAcidNaN() throws {
        let credential = Fixture.credential(nucleicAcidTest: NucleicAcidTest(sampledAt: .nan, result: .negative))
        let result = try #require(Self.rule("nucleic_acid", in: Self.evaluate(credential, rules: VenueRules(nucleicAcidScope: .everyone))))
        #expect(result.outcome == .fail)
        #expect(result.reason == .natExpired)

        let gate = TestGate(rules: VenueRules(nucleicAcidScope: .everyone))
        let row = try #require(rows(gate.attempt(Fixture.verdict(credential))).first)
        #expect(row.reasons == [.natExpired])
        #expect(row.nucleicAcidAgeHours == nil)
    }

    @Test("a failed test rule refuses at the gate and the row carries the test's age")
    func nucleicAcidAtTheGate() throws {
        let gate = TestGate(rules: VenueRules(nucleicAcidScope: .everyone, nucleicAcidMaxAgeHours: 24))
        let commands = gate.attempt(Fixture.verdict(Fixture.credential(nucleicAcidTest: Fixture.negativeTest(hoursOld: 30))))
        let row = try #require(rows(commands).first)
        #expect(commands == [.log(row), .indicate(.refused), .buzz(.refuse)])
        #expect(row.reasons == [.natExpired])
        #expect(row.nucleicAcidAgeHours == 30)
        #expect(row.rules.contains("nucleic_acid=fail"))
    }

    // MARK: Vaccination (双码联查)

    enum VaccinationOnCode: String, Sendable, CaseIterable, CustomStringConvertible {
        case none, complete, partial, singleDoseUnknownSeries, zeroDoses
        var description: String { rawValue }
        var vaccination: Vaccination? {
            switch self {
            case .none: nil
            case .complete: Vaccination(doses: 2, seriesDoses: 2)
            case .partial: Vaccination(doses: 1, seriesDoses: 2)
            // Without a series size one dose counts as vaccinated (HG1 carries no `sd`).
            case .singleDoseUnknownSeries: Vaccination(doses: 1)
            case .zeroDoses: Vaccination(doses: 0, seriesDoses: 0)
            }
        }
        var isVaccinated: Bool { self == .complete || self == .singleDoseUnknownSeries }
    }

    struct VaccinationCase: Sendable, CustomTestStringConvertible {
        var rule: VenueRules.VaccinationRule
        var code: VaccinationOnCode
        var testDescription: String { "\(rule.rawValue) × \(code)" }
    }

    static let vaccinationCases = VenueRules.VaccinationRule.allCases.flatMap { rule in
        VaccinationOnCode.allCases.map { VaccinationCase(rule: rule, code: $0) }
    }

    @Test("vaccination rule × vaccination on the code, as the visitor sees it", arguments: vaccinationCases)
    func vaccination(_ c: VaccinationCase) throws {
        let gate = TestGate(rules: VenueRules(vaccination: c.rule))
        let commands = gate.attempt(Fixture.verdict(Fixture.credential(vaccination: c.code.vaccination)))
        let row = try #require(rows(commands).first)
        switch (c.rule, c.code.isVaccinated) {
        case (.off, _):
            #expect(actuation(commands) == [.pulseRelay(milliseconds: 1500), .indicate(.admitted), .buzz(.admit)])
            #expect(row.reasons == [])
            #expect(row.rules.contains("vaccination=skip"))
        case (.prompt, true), (.require, true):
            #expect(actuation(commands) == [.pulseRelay(milliseconds: 1500), .indicate(.admitted), .buzz(.admit)])
            #expect(row.reasons == [])
            #expect(row.rules.contains("vaccination=pass"))
        case (.prompt, false):
            #expect(actuation(commands) == [.pulseRelay(milliseconds: 1500), .indicate(.admittedPrompt), .buzz(.prompt)])
            #expect(row.decision == .admitted)
            #expect(row.reasons == [.vaccinationPrompt])
            #expect(row.rules.contains("vaccination=pass"))
        case (.require, false):
            #expect(actuation(commands) == [.indicate(.refused), .buzz(.refuse)])
            #expect(row.decision == .refused)
            #expect(row.reasons == [.notVaccinated])
            #expect(row.rules.contains("vaccination=fail"))
        }
        #expect(row.vaccinationDoses == c.code.vaccination?.doses)
    }

    // MARK: Occupancy

    @Test("maximum occupancy = approved × percent, rounded down",
          arguments: [(100, 75, 75), (10, 75, 7), (3, 75, 2), (1, 75, 0), (0, 75, 0), (99, 50, 49), (200, 100, 200)])
    func maximumOccupancy(approved: Int, percent: Int, maximum: Int) {
        #expect(VenueRules(approvedCapacity: approved, occupancyPercent: percent).maximumOccupancy == maximum)
    }

    @Test("an absurd approved number saturates instead of trapping the gate")
    func capacityOverflow() throws {
        let rules = VenueRules(approvedCapacity: Int.max, occupancyPercent: 75)
        #expect(rules.maximumOccupancy == Int.max)
        let result = try #require(Self.rule("capacity", in: Self.evaluate(Fixture.credential(), rules: rules,
                                                                            occupancy: 10)))
        #expect(result.outcome == .pass)
        #expect(VenueRules(approvedCapacity: Int.min, occupancyPercent: 75).maximumOccupancy == 0)
    }

    @Test("no approved number, no cap")
    func noCap() throws {
        let rules = VenueRules(approvedCapacity: nil)
        #expect(rules.maximumOccupancy == nil)
        #expect(VenueRules().occupancyPercent == 75)
        let result = try #require(Self.rule("capacity", in: Self.evaluate(Fixture.credential(), rules: rules,
                                                                            occupancy: 1_000_000)))
        #expect(result.outcome == .skip)
    }

    @Test("admissions fill the venue to the maximum, the next is refused capacity_full, an exit makes room")
    func capacityAtTheGate() throws {
        // 4 × 75 % = 3.
        let gate = TestGate(rules: VenueRules(approvedCapacity: 4))
        for n in 1...3 {
            let commands = gate.attempt(Fixture.verdict(fingerprint: "fp-\(n)"))
            #expect(opensRelay(commands))
            #expect(rows(commands).first?.occupancyAfter == n)
            gate.finishHold()
        }
        let full = gate.attempt(Fixture.verdict(fingerprint: "fp-4"))
        let row = try #require(rows(full).first)
        #expect(full == [.log(row), .indicate(.capacityFull), .buzz(.capacityFull)])
        #expect(row.reasons == [.capacityFull])
        #expect(row.occupancyAfter == 3)
        #expect(row.rules.contains("capacity=fail"))
        gate.finishHold()

        gate.send(.exitCounted)
        #expect(opensRelay(gate.attempt(Fixture.verdict(fingerprint: "fp-4"))))
        #expect(gate.controller.occupancy == 3)
    }

    // MARK: Combinations

    @Test("fire alarm beats capacity: the gate opens while the venue is full")
    func fireAlarmBeatsCapacity() {
        let gate = TestGate(rules: VenueRules(approvedCapacity: 4), occupancy: 3)
        #expect(!opensRelay(gate.attempt()))
        gate.finishHold()
        let alarm = gate.send(.fireAlarm(active: true))
        #expect(actuation(alarm) == [.holdRelay(true), .indicate(.emergencyOpen), .buzz(.alarm)])
        #expect(gate.state == .emergencyOpen)
    }

    @Test("capacity beats a green code")
    func capacityBeatsGreen() throws {
        let gate = TestGate(rules: VenueRules(approvedCapacity: 100), occupancy: 75)
        let commands = gate.send(.codePresented(Fixture.verdict()))
        #expect(!commands.contains(.measureTemperature))
        #expect(actuation(commands) == [.indicate(.capacityFull), .buzz(.capacityFull)])
        #expect(rows(commands).first?.rules.contains("colour=pass") == true)
    }

    @Test("the vaccination prompt still admits with a test rule and a cap in force")
    func promptStillAdmits() throws {
        let rules = VenueRules(nucleicAcidScope: .everyone, vaccination: .prompt, approvedCapacity: 100)
        let gate = TestGate(rules: rules, occupancy: 10)
        let commands = gate.attempt(Fixture.verdict(Fixture.credential(nucleicAcidTest: Fixture.negativeTest(hoursOld: 5))))
        let row = try #require(rows(commands).first)
        #expect(commands == [.log(row), .pulseRelay(milliseconds: 1500), .indicate(.admittedPrompt), .buzz(.prompt)])
        #expect(row.reasons == [.vaccinationPrompt])
        #expect(row.occupancyAfter == 11)
    }

    @Test("fever at a hospital sends the visitor to the fever clinic")
    func feverAtHospital() throws {
        let gate = TestGate(rules: VenueProfile.hospital.defaultRules)
        let credential = Fixture.credential(nucleicAcidTest: Fixture.negativeTest(hoursOld: 5),
                                            vaccination: Fixture.vaccinated)
        gate.send(.codePresented(Fixture.verdict(credential)))
        gate.send(.temperatureRead(objectCelsius: 38.5))
        #expect(gate.tick(after: 2000) == [.measureTemperature])
        let commands = gate.send(.temperatureRead(objectCelsius: 38.4))
        let row = try #require(rows(commands).first)
        #expect(commands == [.log(row), .indicate(.feverClinic), .buzz(.feverClinic)])
        #expect(row.reasons == [.fever])
        #expect(row.decision == .refused)
    }

    @Test("fever elsewhere is a plain refusal", arguments: VenueProfile.allCases.filter { $0 != .hospital })
    func feverElsewhere(profile: VenueProfile) {
        let gate = TestGate(rules: profile.defaultRules)
        let credential = Fixture.credential(nucleicAcidTest: Fixture.negativeTest(hoursOld: 5),
                                            vaccination: Fixture.vaccinated)
        gate.send(.codePresented(Fixture.verdict(credential)))
        gate.send(.temperatureRead(objectCelsius: 38.5))
        gate.tick(after: 2000)
        #expect(actuation(gate.send(.temperatureRead(objectCelsius: 38.4))) == [.indicate(.refused), .buzz(.refuse)])
    }

    @Test("a red code with an expired test lists both reasons")
    func redAndExpiredTest() throws {
        let gate = TestGate(rules: VenueRules(nucleicAcidScope: .everyone, nucleicAcidMaxAgeHours: 48))
        let credential = Fixture.credential(colour: .red, nucleicAcidTest: Fixture.negativeTest(hoursOld: 60))
        let commands = gate.attempt(Fixture.verdict(credential))
        let row = try #require(rows(commands).first)
        #expect(commands == [.log(row), .indicate(.refused), .buzz(.refuse)])
        #expect(row.reasons == [.redCode, .natExpired])
    }

    @Test("a yellow code that also fails another rule shows the plain refusal")
    func yellowAndFull() throws {
        let gate = TestGate(rules: VenueRules(approvedCapacity: 4), occupancy: 3)
        let commands = gate.attempt(Fixture.verdict(Fixture.credential(colour: .yellow)))
        #expect(rows(commands).first?.reasons == [.yellowCode, .capacityFull])
        #expect(actuation(commands) == [.indicate(.refused), .buzz(.refuse)])
    }

    // MARK: Explanation

    struct ExplanationCase: Sendable, CustomTestStringConvertible {
        var name: String
        var verdict: CodeVerdict
        var replayed = false
        var rules: VenueRules
        var explanation: [String]
        var testDescription: String { name }
    }

    static let explanationCases: [ExplanationCase] = [
        ExplanationCase(name: "all rules on, admitted", verdict: Fixture.verdict(Fixture.credential(
            nucleicAcidTest: Fixture.negativeTest(hoursOld: 1), vaccination: Fixture.vaccinated)),
            rules: VenueRules(nucleicAcidScope: .everyone, vaccination: .require, approvedCapacity: 10),
            explanation: ["code=pass", "anti_passback=pass", "colour=pass", "nucleic_acid=pass", "vaccination=pass",
                          "capacity=pass", "temperature=pass"]),
        ExplanationCase(name: "rules off", verdict: Fixture.verdict(), rules: VenueRules(),
            explanation: ["code=pass", "anti_passback=pass", "colour=pass", "nucleic_acid=skip", "vaccination=skip",
                          "capacity=skip", "temperature=pass"]),
        ExplanationCase(name: "unreadable: venue rules skipped, capacity still checked",
            verdict: Fixture.verdict(nil, reasons: [.unreadable], format: .unknown),
            rules: VenueRules(nucleicAcidScope: .everyone, vaccination: .require, approvedCapacity: 10),
            explanation: ["code=fail", "anti_passback=pass", "colour=skip", "nucleic_acid=skip", "vaccination=skip",
                          "capacity=pass"]),
        ExplanationCase(name: "replayed red code, every rule still evaluated",
            verdict: Fixture.verdict(Fixture.credential(colour: .red)), replayed: true,
            rules: VenueRules(nucleicAcidScope: .everyone, vaccination: .require),
            explanation: ["code=pass", "anti_passback=fail", "colour=fail", "nucleic_acid=fail", "vaccination=fail",
                          "capacity=skip"]),
        ExplanationCase(name: "two verifier reasons",
            verdict: Fixture.verdict(reasons: [.expired, .clockUnsynced]), rules: VenueRules(),
            explanation: ["code=fail", "code=fail", "anti_passback=pass", "colour=pass", "nucleic_acid=skip",
                          "vaccination=skip", "capacity=skip"]),
    ]

    @Test("every decision lists the rules evaluated", arguments: explanationCases)
    func explanation(_ c: ExplanationCase) throws {
        let gate = TestGate(rules: c.rules)
        let commands = gate.attempt(c.verdict, replayed: c.replayed)
        let row = try #require(rows(commands).first)
        #expect(row.rules == c.explanation)
        // The reasons are exactly the failed rules' reasons.
        let direct = CodePolicy.evaluate(verdict: c.verdict, replayed: c.replayed, rules: c.rules, occupancy: 0,
                                         now: Fixture.start)
        #expect(Array(row.rules.prefix(direct.count)) == direct.map(\.summary))
        #expect(row.reasons == direct.compactMap { $0.outcome == .fail ? $0.reason : nil })
    }

    // MARK: Profiles

    /// The defaults each venue kind ships with. Changing one must change this table too, deliberately.
    static let profileDefaults: [(VenueProfile, VenueRules)] = [
        (.station, VenueRules(nucleicAcidScope: .outsideProvince, nucleicAcidMaxAgeHours: 48, vaccination: .prompt,
                              approvedCapacity: nil, occupancyPercent: 75, feverClinicReferral: false,
                              feverThresholdCelsius: 37.3)),
        (.market, VenueRules(nucleicAcidScope: .off, nucleicAcidMaxAgeHours: 48, vaccination: .prompt,
                             approvedCapacity: nil, occupancyPercent: 75, feverClinicReferral: false,
                             feverThresholdCelsius: 37.3)),
        (.hospital, VenueRules(nucleicAcidScope: .everyone, nucleicAcidMaxAgeHours: 48, vaccination: .prompt,
                               approvedCapacity: nil, occupancyPercent: 75, feverClinicReferral: true,
                               feverThresholdCelsius: 37.3)),
        (.school, VenueRules(nucleicAcidScope: .everyone, nucleicAcidMaxAgeHours: 48, vaccination: .require,
                             approvedCapacity: nil, occupancyPercent: 75, feverClinicReferral: false,
                             feverThresholdCelsius: 37.3)),
        (.elderlyCare, VenueRules(nucleicAcidScope: .everyone, nucleicAcidMaxAgeHours: 48, vaccination: .require,
                                  approvedCapacity: nil, occupancyPercent: 75, feverClinicReferral: false,
                                  feverThresholdCelsius: 37.3)),
        (.hotel, VenueRules(nucleicAcidScope: .outsideProvince, nucleicAcidMaxAgeHours: 48, vaccination: .prompt,
                            approvedCapacity: nil, occupancyPercent: 75, feverClinicReferral: false,
                            feverThresholdCelsius: 37.3)),
        (.scenicSpot, VenueRules(nucleicAcidScope: .outsideProvince, nucleicAcidMaxAgeHours: 72, vaccination: .prompt,
                                 approvedCapacity: nil, occupancyPercent: 75, feverClinicReferral: false,
                                 feverThresholdCelsius: 37.3)),
        (.largeEvent, VenueRules(nucleicAcidScope: .everyone, nucleicAcidMaxAgeHours: 48, vaccination: .require,
                                 approvedCapacity: nil, occupancyPercent: 75, feverClinicReferral: false,
                                 feverThresholdCelsius: 37.3)),
    ]

    @Test("each venue profile's defaults")
    func profileDefaultsTable() {
        #expect(Self.profileDefaults.map(\.0) == VenueProfile.allCases)
        for (profile, expected) in Self.profileDefaults {
            #expect(profile.defaultRules == expected, "\(profile.rawValue)")
        }
        #expect(VenueProfile.allCases.map(\.rawValue) == ["station", "market", "hospital", "school", "elderly_care",
                                                           "hotel", "scenic_spot", "large_event"])
    }
}
