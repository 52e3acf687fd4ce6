import GateCore

/// A screen or a speaker that tells the visitor what an `Announcement` says. Called on the daemon's loop
/// thread: it must return at once (a speaker queues, a screen draws a frame). A failure is kept for
/// `takeFault()` and logged: a visitor output that fails never stops the gate or changes a decision.
public protocol VisitorOutput: AnyObject {
    /// The device, for logs (`/dev/fb0`, `alsa:default`, `png:DIR`).
    var path: String { get }
    func announce(_ announcement: Announcement)
    /// The first failure since the last call, if any.
    func takeFault() -> String?
}
