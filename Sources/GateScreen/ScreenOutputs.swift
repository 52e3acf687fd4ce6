import GateCore
import GateHardware
import Foundation  // Thread and NSCondition: the drawing thread
#if canImport(Glibc)
import Glibc
#endif

/// Local "HH:MM" for the screen's clock.
func localClock(_ epoch: time_t = time(nil)) -> String {
    var seconds = epoch
    var parts = tm()
    localtime_r(&seconds, &parts)
    let hour = Int(parts.tm_hour), minute = Int(parts.tm_min)
    return (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
}

/// The visitor's screen on a Linux framebuffer. Drawing takes milliseconds on a Pi and far longer on a slow
/// or emulated CPU, so it runs on a thread of its own: `announce` only leaves the announcement there (the
/// latest wins; a screen nobody saw is skipped) and the loop thread never waits on FreeType or the copy. A
/// device that cannot be opened is a logged fault and is retried at the next announcement; the gate works on
/// without a screen.
public final class FramebufferScreen: VisitorOutput, @unchecked Sendable {
    public var path: String { device }
    private let device: String
    // Only the drawing thread touches these two.
    private let framebuffer: Framebuffer
    private let renderer: ScreenRenderer
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var pending: Announcement?
    private var fault: String?
    private var lastFault: String?
    private var stopping = false
    /// Screens drawn so far (tests).
    private var drawnCount = 0

    public init(device: String, renderer: ScreenRenderer) {
        self.device = device
        framebuffer = Framebuffer(path: device)
        self.renderer = renderer
        let thread = Thread { [weak self] in self?.run() }
        thread.name = "healthgate-screen"
        thread.start()
    }

    deinit { stop() }

    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    public func announce(_ announcement: Announcement) {
        condition.lock()
        pending = announcement
        condition.signal()
        condition.unlock()
    }

    public func takeFault() -> String? {
        condition.lock()
        defer { fault = nil; condition.unlock() }
        return fault
    }

    public var drawn: Int {
        condition.lock()
        defer { condition.unlock() }
        return drawnCount
    }

    private func run() {
        while true {
            condition.lock()
            while pending == nil && !stopping { condition.wait() }
            if stopping { condition.unlock(); return }
            let announcement = pending!
            pending = nil
            condition.unlock()
            let failure = draw(announcement)
            condition.lock()
            if let failure {
                // One report per distinct failure, not one per visitor.
                if fault == nil && failure != lastFault { fault = failure }
                lastFault = failure
            } else {
                lastFault = nil
                drawnCount += 1
            }
            condition.unlock()
        }
    }

    private func draw(_ announcement: Announcement) -> String? {
        do {
            if !framebuffer.isOpen { try framebuffer.open() }
            try framebuffer.show(renderer.render(announcement, width: framebuffer.width, height: framebuffer.height,
                                                 clock: localClock()))
            return nil
        } catch {
            framebuffer.close()
            return error.description
        }
    }
}

/// The simulated board's screen: every announcement is a PNG file (`NNNN-signal.png`) in a directory, and
/// its name goes to the transcript. `make demo` leaves these for a person to open and judge.
public final class PNGScreen: VisitorOutput {
    public var path: String { "png:\(directory)" }
    public let directory: String
    private let renderer: ScreenRenderer
    private let width: Int
    private let height: Int
    private let printer: (@Sendable (String) -> Void)?
    private var count = 0
    private var fault: String?
    /// Fixed when set (tests, reproducible demo screens); the local time otherwise.
    public var clock: (() -> String)? = nil

    public init(directory: String, renderer: ScreenRenderer, width: Int, height: Int,
                printer: (@Sendable (String) -> Void)? = nil) throws(ScreenError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ScreenError("screen.png_dir \(directory): cannot create: \(error)")
        }
        self.directory = directory
        self.renderer = renderer
        self.width = width
        self.height = height
        self.printer = printer
    }

    public func announce(_ announcement: Announcement) {
        // One screen per visitor to judge: the decisions, faults and alarms, and the idle screen once
        // (the measuring screen and each return to idle would bury them).
        switch announcement.signal {
        case .measuring: return
        case .ready where count > 0: return
        // Verifying is kept: it is what a visitor sees while the platform is slow.
        case .ready, .verifying, .admitted, .admittedPrompt, .refused, .refusedYellow, .capacityFull, .feverClinic, .fault, .emergencyOpen: break
        }
        count += 1
        let number = String(count)
        let name = String(repeating: "0", count: max(0, 4 - number.count)) + number + "-\(announcement.signal.rawValue).png"
        let canvas = renderer.render(announcement, width: width, height: height, clock: clock?() ?? localClock())
        let file = directory + "/" + name
        if FileManager.default.createFile(atPath: file, contents: Data(canvas.png())) {
            printer?("screen \(name)")
        } else if fault == nil {
            fault = "\(file): cannot write"
        }
    }

    public func takeFault() -> String? {
        defer { fault = nil }
        return fault
    }
}
