import GateConfig
import GateCore
import LinuxSystem
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Signals arrive on any thread; the handler only sets bits that the loop reads between frames.
private let receivedSignals = Atomic<Int>(0)
private let stopBit = 1
private let reloadBit = 2

/// The daemon's lifecycle around the pipeline: signals, status file, override requests, watchdog.
public final class Daemon {
    private var configuration: GateConfiguration
    private let configPath: String
    public let pipeline: GatePipeline
    private let logger: Logger
    private let statusWriter: StatusWriter
    private var nextStatusWrite: Double = 0
    private var nextRequestPoll: Double = 0
    /// Called once the devices are open (systemd READY=1), on each loop turn (watchdog), and on stop.
    public var onReady: ((GateStatus) -> Void)?
    public var onLoop: (() -> Void)?
    public var onStopping: (() -> Void)?
    /// Reloads the config file for SIGHUP; nil when the daemon was not started from a file.
    private let reloadConfiguration: (() throws -> GateConfiguration)?

    public init(configuration: GateConfiguration, configPath: String, pipeline: GatePipeline, logger: Logger,
                reloadConfiguration: (() throws -> GateConfiguration)?) {
        self.configuration = configuration
        self.configPath = configPath
        self.pipeline = pipeline
        self.logger = logger
        self.statusWriter = StatusWriter(path: configuration.paths.statusFile)
        self.reloadConfiguration = reloadConfiguration
    }

    /// Installs the signal handlers: SIGTERM/SIGINT stop, SIGHUP reloads.
    public static func installSignalHandlers() {
        // A parent may have started us with these blocked (threads of many runtimes block signals,
        // and children inherit the mask): a daemon that cannot be stopped must not happen.
        var handled = sigset_t()
        sigemptyset(&handled)
        for number in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&handled, number) }
        pthread_sigmask(SIG_UNBLOCK, &handled, nil)
        signal(SIGTERM) { _ in receivedSignals.bitwiseOr(stopBit, ordering: .relaxed) }
        signal(SIGINT) { _ in receivedSignals.bitwiseOr(stopBit, ordering: .relaxed) }
        signal(SIGHUP) { _ in receivedSignals.bitwiseOr(reloadBit, ordering: .relaxed) }
        // A closed pipe (gatectl or a log reader going away) must not kill the gate.
        signal(SIGPIPE, SIG_IGN)
    }

    /// Runs until SIGTERM/SIGINT (or until the board says its script has ended).
    public func run() {
        pipeline.start()
        writeStatus(force: true)
        onReady?(pipeline.status(pid: getpid()))
        while true {
            let signals = receivedSignals.exchange(0, ordering: .relaxed)
            if signals & stopBit != 0 {
                logger.notice("stop requested by signal")
                break
            }
            if signals & reloadBit != 0 { reload() }
            pipeline.step()
            onLoop?()
            let now = pipeline.clock.monotonic()
            if now >= nextRequestPoll {
                nextRequestPoll = now + 0.25
                takeOverrideRequests()
            }
            writeStatus(force: false)
            // A board whose script has ended (a simulation told to stop there), once the last hold played out.
            if pipeline.finished { break }
        }
        onStopping?()
        pipeline.shutdown()
        // The last word in the status file: gatectl status must not show a stopped gate as ready.
        var final = pipeline.status(pid: getpid())
        final.state = .stopped
        try? statusWriter.write(final)
    }

    private func reload() {
        guard let reloadConfiguration else { return }
        do {
            let fresh = try reloadConfiguration()
            let pending = Self.keysNeedingRestart(from: configuration, to: fresh)
            configuration = fresh
            LocalTime.useZone(fresh.gate.timeZone)
            pipeline.reload(fresh)
            logger.notice("configuration reloaded", metadata: ["file": "\(configPath)"])
            if !pending.isEmpty {
                // Applied at the next start: the log's gate id, the devices and the files are opened once.
                logger.warning("changed keys take effect at the next restart (systemctl restart healthgated)",
                               metadata: ["keys": "\(pending.joined(separator: ","))"])
            }
        } catch {
            // A bad new file never replaces a good running one.
            logger.error("configuration reload refused; keeping the running configuration",
                         metadata: ["file": "\(configPath)", "error": "\(error)"])
        }
    }

    /// Keys a reload cannot apply to a running daemon.
    static func keysNeedingRestart(from old: GateConfiguration, to new: GateConfiguration) -> [String] {
        var keys: [String] = []
        if old.gate.id != new.gate.id { keys.append("gate.id") }
        if old.board != new.board { keys.append("board") }
        if old.log.database != new.log.database { keys.append("log.database") }
        if old.paths.statusFile != new.paths.statusFile { keys.append("paths.status_file") }
        if old.paths.metricsFile != new.paths.metricsFile { keys.append("paths.metrics_file") }
        if old.codes.assumeClockSynchronised != new.codes.assumeClockSynchronised { keys.append("codes.assume_clock_synchronised") }
        if old.codes.subjectKey != new.codes.subjectKey { keys.append("codes.subject_key") }
        // The HTTP client is made once with its URL, secret and budget; on_unavailable and budget_ms in the
        // controller apply at once, the client's copy at the next start.
        if old.platform != new.platform { keys.append("platform") }
        if old.screen != new.screen { keys.append("screen") }
        if old.voice != new.voice { keys.append("voice") }
        return keys
    }

    private func takeOverrideRequests() {
        let requests = OverrideRequests(directory: configuration.paths.requestsDirectory, group: configuration.overrideGroup)
        for request in requests.take(now: pipeline.clock.read().now) {
            if request.stale {
                logger.warning("override request ignored: too old", metadata: ["user": "\(request.user)"])
            } else if request.authorised {
                pipeline.staffOverride(by: request.user, reason: request.reason)
            } else {
                logger.warning("override refused: user not in the authorised group",
                               metadata: ["user": "\(request.user)", "group": "\(configuration.overrideGroup)"])
            }
        }
    }

    private func writeStatus(force: Bool) {
        let now = pipeline.clock.monotonic()
        guard force || now >= nextStatusWrite else { return }
        nextStatusWrite = now + 0.2
        do {
            try statusWriter.write(pipeline.status(pid: getpid()))
        } catch {
            logger.warning("status file not written", metadata: ["path": "\(configuration.paths.statusFile)", "error": "\(error)"])
            nextStatusWrite = now + 10
        }
    }
}
