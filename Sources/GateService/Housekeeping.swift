import GateConfig
import GateCore
import LinuxSystem
import Logging

/// The once-a-second chores that are not about the visitor in front of the gate: the clock's
/// synchronised state, the trust store's reload, the daily occupancy reset and the hourly retention purge.
/// Returns events for the controller; the purge and the reload it does itself.
final class Housekeeping {
    private var configuration: GateConfiguration
    private let verifier: CodeVerifying
    private let log: EntryLogging
    private let logger: Logger
    private var nextOccupancyReset: EpochSeconds = 0
    private var nextPurge: EpochSeconds = 0
    let bundles: BundleSpool

    init(configuration: GateConfiguration, verifier: CodeVerifying, log: EntryLogging, logger: Logger) {
        self.configuration = configuration
        self.verifier = verifier
        self.log = log
        self.logger = logger
        bundles = BundleSpool(codes: configuration.codes, verifier: verifier, logger: logger)
    }

    /// At start and after a reload: the trust store read afresh, the county key and kept bundle read, the next
    /// occupancy reset planned. Returns the kept bundle's rule overrides for the controller.
    func reset(_ configuration: GateConfiguration, now: EpochSeconds) -> [GateEvent] {
        self.configuration = configuration
        planOccupancyReset(after: now)
        reportTrust(verifier.reloadTrustIfChanged(force: true))
        return bundles.reset(configuration.codes)
    }

    func run(_ reading: ClockReading, faults: [FaultSource: String]) -> [GateEvent] {
        var events: [GateEvent] = []
        let clockFault = !reading.synchronised && configuration.codes.unsyncedClock == .refuse
        if clockFault && faults[.clock] == nil {
            logger.warning("clock not synchronised: codes are refused with clock_unsynced until it is")
            events.append(.deviceFault(.clock, "system clock not synchronised (adjtimex)"))
        } else if !clockFault && faults[.clock] != nil {
            events.append(.deviceRecovered(.clock))
        }

        reportTrust(verifier.reloadTrustIfChanged(force: false))
        events += bundles.takeSpool()
        events += bundles.freshness(reading, faults: faults)

        // A reset more than a day away means the clock stepped back since it was planned: plan again.
        if nextOccupancyReset - reading.now > 86_400 + 3_600 { planOccupancyReset(after: reading.now) }
        if reading.now >= nextOccupancyReset {
            planOccupancyReset(after: reading.now)
            events.append(.occupancyReset)
        }
        // Hourly, counted only on a synchronised clock: a purge skipped or planned on a wrong time is retried.
        if reading.synchronised && (reading.now >= nextPurge || nextPurge - reading.now > 3600) {
            nextPurge = reading.now + 3600
            purgeExpiredRows(now: reading.now)
        }
        return events
    }

    private func planOccupancyReset(after now: EpochSeconds) {
        nextOccupancyReset = LocalTime.next(hour: configuration.occupancy.resetHour,
                                            minute: configuration.occupancy.resetMinute, after: now)
    }

    private func reportTrust(_ problems: [String]) {
        for problem in problems { logger.warning("trust store", metadata: ["problem": "\(problem)"]) }
    }

    /// Only called on a synchronised clock: one years ahead could delete the whole log.
    private func purgeExpiredRows(now: EpochSeconds) {
        let cutoff = now - Double(configuration.log.retentionDays) * 86_400
        do {
            let removed = try log.purge(olderThan: cutoff, now: now, utcOffsetSeconds: LocalTime.utcOffset(at: now))
            if removed > 0 { logger.notice("retention purge", metadata: ["rows": "\(removed)", "days": "\(configuration.log.retentionDays)"]) }
        } catch {
            logger.error("retention purge failed", metadata: ["error": "\(error)"])
        }
        // Hourly, beside the purge: the signed head that staff and the county carry off the board.
        do { try log.writeAnchor(now: now, force: false) } catch {
            logger.error("entry log anchor not written", metadata: ["error": "\(error)"])
        }
    }
}
