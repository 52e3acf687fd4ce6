import GateConfig
import GateCore
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Tells the outside what the daemon is doing: systemd through sd_notify (READY=1 once the devices
/// are open or the fault is known, a readable STATUS= line, WATCHDOG=1 from the frame loop, STOPPING=1)
/// and the fleet through the metrics file. It only observes: attach it to the daemon's hooks.
public final class ServiceReporter {
    /// How often the STATUS= line and the gauges are refreshed, and how often the metrics file is rewritten.
    /// Seconds on the daemon's monotonic clock.
    static let statusInterval = 1.0
    static let metricsInterval = 5.0

    private let notifier: SystemdNotifier
    private var pacer: WatchdogPacer?
    private let writer: AtomicTextFile?
    private let logger: Logger
    public private(set) var metrics: GateMetrics
    private var lastStatusLine: String?
    private var sentStatusLine: String?
    private var nextStatus: Double = 0
    private var nextMetricsWrite: Double = 0
    /// A failing notification or metrics write is logged once, not on every frame.
    private var reportedNotifyFailure = false
    private var reportedMetricsFailure = false

    public init(configuration: GateConfiguration, notifier: SystemdNotifier = .fromProcessEnvironment(), logger: Logger) {
        self.notifier = notifier
        pacer = WatchdogPacer(interval: notifier.watchdogInterval)
        writer = configuration.paths.metricsFile.map { AtomicTextFile(path: $0) }
        self.logger = logger
        metrics = GateMetrics(gateID: configuration.gate.id, version: healthgateVersion, startedAt: 0)
        metrics.occupancyLimit = configuration.controller.rules.maximumOccupancy
    }

    /// Hooks itself into the daemon's lifecycle and the pipeline's observers.
    public func attach(to daemon: Daemon) {
        daemon.onReady = { [self] status in
            metrics.startedAt = status.startedAt
            update(status)
            notify { try notifier.ready(status: lastStatusLine) }
            sentStatusLine = lastStatusLine
            writeMetrics()
        }
        daemon.onLoop = { [self, unowned daemon] in loopTurn(daemon) }
        daemon.onStopping = { [self] in
            notify { try notifier.stopping(status: "Stopping: outputs to the safe state, flushing the log") }
            writeMetrics()
        }
        daemon.pipeline.onDecision = { [self] record in metrics.record(record) }
        daemon.pipeline.onFrameScanned = { [self] seconds in metrics.recordFrame(decodeSeconds: seconds) }
        daemon.pipeline.onDecisionLatency = { [self] seconds in metrics.observeDecisionLatency(seconds: seconds) }
    }

    private func loopTurn(_ daemon: Daemon) {
        let now = daemon.pipeline.clock.monotonic()
        // From the frame loop itself: if capture or a decision hangs, the pets stop and systemd restarts us.
        if var due = pacer, due.isDue(at: now) {
            notify { try notifier.watchdog() }
            due.petted(at: now)
            pacer = due
        }
        if now >= nextStatus {
            nextStatus = now + Self.statusInterval
            update(daemon.pipeline.status(pid: getpid()))
            if let line = lastStatusLine, line != sentStatusLine {
                notify { try notifier.status(line) }
                sentStatusLine = line
            }
        }
        if now >= nextMetricsWrite {
            nextMetricsWrite = now + Self.metricsInterval
            writeMetrics()
        }
    }

    /// Gauges and the status line from the daemon's live status.
    private func update(_ status: GateStatus) {
        metrics.occupancy = status.occupancy
        metrics.occupancyLimit = status.occupancyLimit
        metrics.clockSynchronised = status.clockSynchronised
        metrics.fireAlarm = status.fireAlarm
        metrics.trustKeyCount = status.trustKeys
        metrics.nearestKeyExpiry = status.nearestKeyExpiry
        metrics.bundle = status.bundle
        metrics.platform = status.platform
        let inFault = Set(status.faults.map(\.source.rawValue))
        for device in Set(GateMetrics.knownDevices).union(metrics.devicesInFault).union(inFault) {
            metrics.setFault(device: device, active: inFault.contains(device))
        }
        lastStatusLine = Self.statusLine(status, admissions: metrics.admissions, refusals: metrics.refusals)
    }

    /// One line for `systemctl status`: what matters first (fire alarm, faults, an unsynchronised
    /// clock), then the day's counts. No personal data: it is world-readable.
    static func statusLine(_ status: GateStatus, admissions: UInt64, refusals: UInt64) -> String {
        var parts: [String] = []
        if status.fireAlarm { parts.append("FIRE ALARM: gate held open") }
        if !status.faults.isEmpty { parts.append("Fault: " + status.faults.map(\.description).joined(separator: "; ")) }
        if !status.clockSynchronised { parts.append("clock not synchronised") }
        if parts.isEmpty { parts.append("Gate \(status.state.rawValue)") }
        let occupancy = status.occupancyLimit.map { "\(status.occupancy)/\($0)" } ?? "\(status.occupancy)"
        parts.append("occupancy \(occupancy), \(admissions) admitted, \(refusals) refused")
        return parts.joined(separator: "; ")
    }

    private func writeMetrics() {
        guard let writer else { return }
        do {
            try writer.write(metrics.prometheusText())
            reportedMetricsFailure = false
        } catch {
            if !reportedMetricsFailure {
                logger.warning("metrics file not written", metadata: ["path": "\(writer.path)", "error": "\(error)"])
                reportedMetricsFailure = true
            }
        }
    }

    private func notify(_ send: () throws -> Bool) {
        do {
            _ = try send()
        } catch {
            if !reportedNotifyFailure {
                logger.warning("systemd notification failed", metadata: ["error": "\(error)"])
                reportedNotifyFailure = true
            }
        }
    }
}
