import CGpiod
import GateCore
import Glibc
import LinuxSystem

/// The gate's GPIO lines. Lines missing from the maps are simply not driven or watched (a gate without a
/// buzzer, say); the relay is required.
public struct GPIOSettings: Sendable, Equatable {
    public var outputs: [OutputLine: LineSpec]
    public var inputs: [InputLine: LineSpec]
    /// An input change counts once it has held this long (contact bounce of switches and relays).
    public var debounceMilliseconds: Int
    /// The fire-alarm contact is closed in the normal state, so an open contact or a cut wire is an alarm.
    public var fireAlarmNormallyClosed: Bool
    /// The consumer label the kernel shows for held lines (`gpioinfo`).
    public var consumer: String

    public init(
        outputs: [OutputLine: LineSpec] = [:], inputs: [InputLine: LineSpec] = [:], debounceMilliseconds: Int = 20,
        fireAlarmNormallyClosed: Bool = true, consumer: String = "healthgated"
    ) {
        self.outputs = outputs
        self.inputs = inputs
        self.debounceMilliseconds = debounceMilliseconds
        self.fireAlarmNormallyClosed = fireAlarmNormallyClosed
        self.consumer = consumer
    }
}

extension InputLine {
    /// The logical meaning of an input from its line level (after active-low): the level means "contact
    /// closed / sensor asserted"; a normally-closed fire-alarm contact means alarm when it is *not* closed.
    func isActive(lineLevel: Bool, fireAlarmNormallyClosed: Bool) -> Bool {
        self == .fireAlarm && fireAlarmNormallyClosed ? !lineLevel : lineLevel
    }
}

/// Gate outputs and inputs through libgpiod 1.6 (character device, v1 uAPI).
///
/// Every line is requested once with the consumer label, active-low applied by the kernel through the
/// request flag. Outputs start logically off. If the process dies the kernel releases the lines and they
/// fall back to inputs: the relay must be wired so that a released (floating or pulled) input leaves the
/// gate closed — see docs/wiring.md.
public final class GpiodIO: GateIO {
    public let settings: GPIOSettings
    public private(set) var path: String

    private struct HeldLine {
        var spec: LineSpec
        var line: OpaquePointer
        var label: String
    }
    private struct WatchedInput {
        var held: HeldLine
        var eventFD: Int32
        var debouncer: Debouncer
    }
    private var outputs: [OutputLine: HeldLine] = [:]
    private var inputs: [InputLine: WatchedInput] = [:]

    public init(settings: GPIOSettings) {
        self.settings = settings
        self.path = "gpio"
    }

    deinit { close() }

    public func open() throws(DeviceError) {
        close()
        guard settings.outputs[.relay] != nil else {
            throw DeviceError(device: .gpio, path: path, operation: "configure", message: "no line for the relay")
        }
        do throws(DeviceError) {
            for line in OutputLine.allCases {
                guard let spec = settings.outputs[line] else { continue }
                let held = try request(spec, role: line.rawValue) { handle, flags in
                    gpiod_line_request_output_flags(handle, settings.consumer, flags, 0)
                }
                outputs[line] = held
            }
            for line in InputLine.allCases {
                guard let spec = settings.inputs[line] else { continue }
                let held = try request(spec, role: line.rawValue) { handle, flags in
                    gpiod_line_request_both_edges_events_flags(handle, settings.consumer, flags)
                }
                let level: Bool
                do {
                    level = try lineLevel(held)
                } catch {
                    release(held)
                    throw error
                }
                inputs[line] = WatchedInput(
                    held: held, eventFD: gpiod_line_event_get_fd(held.line),
                    debouncer: Debouncer(intervalMilliseconds: settings.debounceMilliseconds, initial: level))
            }
        } catch {
            close()
            throw error
        }
        let chips = Set((outputs.values.map(\.label) + inputs.values.map(\.held.label)).map {
            String($0.prefix { $0 != ":" })
        })
        path = chips.sorted().joined(separator: ",")
    }

    public func set(_ line: OutputLine, _ active: Bool) throws(DeviceError) {
        guard let held = outputs[line] else { return }
        if gpiod_line_set_value(held.line, active ? 1 : 0) < 0 {
            throw DeviceError(.gpio, path: held.label, SystemCallError("set \(line.rawValue)", errno: errno))
        }
    }

    public func level(_ line: InputLine) throws(DeviceError) -> Bool {
        guard let input = inputs[line] else { return false }
        return line.isActive(
            lineLevel: try lineLevel(input.held), fireAlarmNormallyClosed: settings.fireAlarmNormallyClosed)
    }

    public func pendingEvents() throws(DeviceError) -> [InputEvent] {
        var events: [InputEvent] = []
        for line in InputLine.allCases {
            guard var input = inputs[line] else { continue }
            var changes: [Bool] = []
            do throws(SystemCallError) {
                while try SystemCall.poll(input.eventFD, events: Int16(POLLIN), timeoutMilliseconds: 0) != 0 {
                    var event = gpiod_line_event()
                    if gpiod_line_event_read(input.held.line, &event) < 0 {
                        throw SystemCallError("read \(line.rawValue) event", errno: errno)
                    }
                    let time = Int64(event.ts.tv_sec) * 1_000_000_000 + Int64(event.ts.tv_nsec)
                    let level = event.event_type == Int32(GPIOD_LINE_EVENT_RISING_EDGE)
                    if let stable = input.debouncer.edge(to: level, at: time) { changes.append(stable) }
                }
            } catch {
                throw DeviceError(.gpio, path: input.held.label, error)
            }
            if let stable = input.debouncer.settle(now: SystemCall.monotonicNanoseconds()) { changes.append(stable) }
            inputs[line] = input
            events += changes.map {
                InputEvent(
                    line: line, active: line.isActive(lineLevel: $0, fireAlarmNormallyClosed: settings.fireAlarmNormallyClosed))
            }
        }
        return events
    }

    public func safeState() {
        for held in outputs.values {
            _ = gpiod_line_set_value(held.line, 0)
        }
    }

    public func close() {
        safeState()
        for held in outputs.values { release(held) }
        for input in inputs.values { release(input.held) }
        outputs = [:]
        inputs = [:]
    }

    /// Finds the line (by name on every chip, or chip + offset), then requests it with `request`.
    private func request(
        _ spec: LineSpec, role: String, _ request: (OpaquePointer, Int32) -> Int32
    ) throws(DeviceError) -> HeldLine {
        let found: OpaquePointer?
        switch spec.location {
        case .name(let name):
            found = gpiod_line_find(name)
        case .chip(let chip, let offset):
            if let handle = gpiod_chip_open_lookup(chip) {
                found = gpiod_chip_get_line(handle, offset)
                if found == nil {
                    let saved = errno
                    gpiod_chip_close(handle)
                    errno = saved
                }
            } else {
                found = nil
            }
        }
        guard let line = found else {
            let code = errno == 0 ? ENOENT : errno
            throw DeviceError(
                device: .gpio, path: spec.description, operation: "find line for \(role)", errno: code,
                message: code == ENOENT ? "no such line on any GPIO chip" : String(cString: strerror(code)))
        }
        let chipName = gpiod_line_get_chip(line).flatMap { gpiod_chip_name($0) }.map { String(cString: $0) } ?? "?"
        let held = HeldLine(spec: spec, line: line, label: "\(chipName):\(spec.description)")
        let flags = spec.activeLow ? Int32(GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW) : 0
        if request(line, flags) < 0 {
            let code = errno
            gpiod_line_close_chip(line)
            throw DeviceError(
                device: .gpio, path: held.label, operation: "request \(role)", errno: code,
                message: code == EBUSY ? "line is held by another program (see gpioinfo)" : String(cString: strerror(code)))
        }
        return held
    }

    private func lineLevel(_ held: HeldLine) throws(DeviceError) -> Bool {
        let value = gpiod_line_get_value(held.line)
        if value < 0 {
            throw DeviceError(.gpio, path: held.label, SystemCallError("read level", errno: errno))
        }
        return value == 1
    }

    /// Releases the line and closes the chip handle it was found on (one handle per line).
    private func release(_ held: HeldLine) {
        gpiod_line_release(held.line)
        gpiod_line_close_chip(held.line)
    }
}
