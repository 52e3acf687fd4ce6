import Testing

import GateCore
@testable import GateHardware

@Suite struct LineSpecTests {
    @Test(arguments: [
        ("GPIO17", LineSpec(.name("GPIO17"))),
        ("!GPIO17", LineSpec(.name("GPIO17"), activeLow: true)),
        ("  GPIO5 ", LineSpec(.name("GPIO5"))),
        ("gpiochip0:17", LineSpec(.chip("gpiochip0", offset: 17))),
        ("!pinctrl-rp1:5", LineSpec(.chip("pinctrl-rp1", offset: 5), activeLow: true)),
        ("/dev/gpiochip4:0", LineSpec(.chip("/dev/gpiochip4", offset: 0))),
    ])
    func parsesBoardProfileForms(text: String, expected: LineSpec) throws {
        let spec = try LineSpec.parse(text)
        #expect(spec == expected)
        #expect(try LineSpec.parse(spec.description) == spec)
    }

    @Test(arguments: ["", "!", "  ", "!!GPIO17", "GPIO 17", "gpiochip0:", ":17", "gpiochip0:-1", "gpiochip0:x1",
        "gpiochip0:99999999999"])
    func rejectsMalformedLines(text: String) {
        let error = #expect(throws: LineSpecError.self) { try LineSpec.parse(text) }
        #expect(error?.text == text)
        #expect(error?.description.contains("invalid GPIO line") == true)
    }
}

@Suite struct DebouncerTests {
    private static let ms: Int64 = 1_000_000

    @Test func cleanPressIsReportedOnceItHeld() {
        var debouncer = Debouncer(intervalMilliseconds: 20, initial: false)
        #expect(debouncer.edge(to: true, at: 0) == nil)
        #expect(debouncer.settle(now: 19 * Self.ms) == nil)
        #expect(debouncer.settle(now: 20 * Self.ms) == true)
        #expect(debouncer.settle(now: 40 * Self.ms) == nil)  // reported once
        #expect(debouncer.stable)
    }

    @Test func bouncingContactGivesOneChange() {
        var debouncer = Debouncer(intervalMilliseconds: 20, initial: false)
        let bounces: [(Bool, Int64)] = [(true, 0), (false, 1), (true, 2), (false, 4), (true, 5)]
        for (level, time) in bounces {
            #expect(debouncer.edge(to: level, at: time * Self.ms) == nil)
        }
        #expect(debouncer.settle(now: 24 * Self.ms) == nil)
        #expect(debouncer.settle(now: 25 * Self.ms) == true)
    }

    @Test func glitchShorterThanTheIntervalIsDropped() {
        var debouncer = Debouncer(intervalMilliseconds: 20, initial: false)
        #expect(debouncer.edge(to: true, at: 0) == nil)
        #expect(debouncer.edge(to: false, at: 5 * Self.ms) == nil)
        #expect(debouncer.settle(now: 100 * Self.ms) == nil)
        #expect(debouncer.stable == false)
    }

    @Test func changeCommittedByTheNextEdgeWhenNotPolledInBetween() {
        // Two real pulses that both ended before the driver looked: both edges of the first one count.
        var debouncer = Debouncer(intervalMilliseconds: 20, initial: false)
        #expect(debouncer.edge(to: true, at: 0) == nil)
        #expect(debouncer.edge(to: false, at: 50 * Self.ms) == true)
        #expect(debouncer.settle(now: 70 * Self.ms) == false)
    }

    @Test(arguments: [
        (InputLine.fireAlarm, true, true, false),  // NC contact closed: no alarm
        (InputLine.fireAlarm, false, true, true),  // NC contact open or wire cut: alarm
        (InputLine.fireAlarm, true, false, true),  // NO contact closed: alarm
        (InputLine.exitSensor, true, true, true),  // only the fire alarm is normally closed
        (InputLine.staffButton, false, true, false),
    ])
    func inputMeaning(line: InputLine, level: Bool, normallyClosed: Bool, active: Bool) {
        #expect(line.isActive(lineLevel: level, fireAlarmNormallyClosed: normallyClosed) == active)
    }
}

/// Real libgpiod calls on the host, which has no GPIO chips (or none with these names).
@Suite struct GpiodDeviceTests {
    @Test func missingLineIsAFaultNamingIt() {
        let io = GpiodIO(
            settings: GPIOSettings(outputs: [.relay: LineSpec(.name("HG_TEST_NO_SUCH_LINE"), activeLow: true)]))
        let error = #expect(throws: DeviceError.self) { try io.open() }
        #expect(error?.device == .gpio)
        #expect(error?.path == "!HG_TEST_NO_SUCH_LINE")
        #expect(error?.operation == "find line for relay")
    }

    @Test func missingChipIsAFault() {
        let io = GpiodIO(settings: GPIOSettings(outputs: [.relay: LineSpec(.chip("hg-test-no-chip", offset: 3))]))
        let error = #expect(throws: DeviceError.self) { try io.open() }
        #expect(error?.path == "hg-test-no-chip:3")
        #expect(error?.errno != nil)
    }

    @Test func relayIsRequired() {
        let io = GpiodIO(settings: GPIOSettings(outputs: [.green: LineSpec(.name("GPIO22"))]))
        let error = #expect(throws: DeviceError.self) { try io.open() }
        #expect(error?.operation == "configure")
    }
}
