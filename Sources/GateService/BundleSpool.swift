import Crypto
import Foundation
import Glibc
import GateConfig
import GateCore
import HealthCode
import Logging

/// The county bundle path on the gate (docs/codes.md, "Bundles"): picks new bundles up from the spool,
/// applies one only when it verifies whole against the pinned county key and is newer than the one held,
/// keeps it for the next start, and judges freshness. Run by `Housekeeping` once a second.
final class BundleSpool {
    private var codes: GateConfiguration.Codes
    private let verifier: CodeVerifying
    private let logger: Logger
    private var countyKey: P256.Signing.PublicKey?
    private(set) var current: VerifiedBundle?
    private var warnedStale = false

    init(codes: GateConfiguration.Codes, verifier: CodeVerifying, logger: Logger) {
        self.codes = codes
        self.verifier = verifier
        self.logger = logger
    }

    /// At start and on reload: the county key read again, the kept bundle re-applied (no row: it is not new).
    /// Returns the events that carry its rule overrides to the controller.
    func reset(_ codes: GateConfiguration.Codes) -> [GateEvent] {
        self.codes = codes
        countyKey = nil
        guard FileManager.default.fileExists(atPath: codes.countyKey) else {
            if current != nil { logger.warning("county key removed: the applied bundle stays until restart", metadata: ["file": "\(codes.countyKey)"]) }
            return []
        }
        do {
            let text = try String(contentsOfFile: codes.countyKey, encoding: .utf8)
            countyKey = try CountyBundle.countyKey(pem: text)
        } catch {
            logger.error("county key unreadable: bundles are refused until it is fixed", metadata: ["file": "\(codes.countyKey)", "error": "\(error)"])
            return []
        }
        // The spool is the drop point for any transport: make it exist once bundles are on.
        try? FileManager.default.createDirectory(atPath: codes.bundleSpool, withIntermediateDirectories: true)
        let kept = codes.keptBundleFile
        guard current == nil, let countyKey, let bytes = FileManager.default.contents(atPath: kept) else { return [] }
        do {
            let bundle = try VerifiedBundle(bytes: Array(bytes), countyKey: countyKey)
            install(bundle)
            logger.notice("county bundle re-applied", metadata: ["version": "\(bundle.bundle.version)", "sha256": "\(bundle.digest)"])
            return bundle.bundle.rules.isEmpty ? [] : [.bundleApplied(version: bundle.bundle.version, digest: bundle.digest, overrides: bundle.bundle.rules)]
        } catch {
            logger.error("kept bundle no longer verifies; the gate holds no bundle", metadata: ["file": "\(kept)", "error": "\(error)"])
            return []
        }
    }

    /// Bundles are on when the county key file exists.
    var enabled: Bool { countyKey != nil || FileManager.default.fileExists(atPath: codes.countyKey) }

    /// Every `*.hgb` file in the spool, oldest name first: applied, or refused and moved to `rejected/`.
    func takeSpool() -> [GateEvent] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: codes.bundleSpool) else { return [] }
        var events: [GateEvent] = []
        for name in names.sorted() where name.hasSuffix(".hgb") && !name.hasPrefix(".") {
            let path = codes.bundleSpool + "/" + name
            do {
                let bundle = try take(path)
                events.append(.bundleApplied(version: bundle.bundle.version, digest: bundle.digest, overrides: bundle.bundle.rules))
                logger.notice("county bundle applied", metadata: ["file": "\(name)", "version": "\(bundle.bundle.version)", "sha256": "\(bundle.digest)",
                                                                  "keys": "\(bundle.keys.count)", "revocation_entries": "\(bundle.lists.reduce(0) { $0 + $1.entryCount })"])
                for notice in bundle.notices { logger.notice("county bundle", metadata: ["note": "\(notice)"]) }
            } catch {
                // Kept for staff, out of the way of the next pass: nothing is deleted.
                let rejected = codes.bundleSpool + "/rejected"
                try? FileManager.default.createDirectory(atPath: rejected, withIntermediateDirectories: true)
                try? FileManager.default.removeItem(atPath: rejected + "/" + name)
                try? FileManager.default.moveItem(atPath: path, toPath: rejected + "/" + name)
                logger.error("county bundle refused; the gate keeps what it holds", metadata: ["file": "\(name)", "reason": "\(error)"])
                events.append(.bundleRefused("\(name): \(error)"))
            }
        }
        return events
    }

    private func take(_ path: String) throws(BundleError) -> VerifiedBundle {
        guard let countyKey else { throw BundleError("no county key pinned (\(codes.countyKey))") }
        guard let data = FileManager.default.contents(atPath: path) else { throw BundleError("unreadable file") }
        let bundle = try VerifiedBundle(bytes: Array(data), countyKey: countyKey)
        if let current, bundle.bundle.version <= current.bundle.version {
            throw BundleError("version \(bundle.bundle.version) is not newer than the applied version \(current.bundle.version) (no rollback)")
        }
        // Kept first, then installed: a bundle the gate could not keep would be lost at the next start.
        do {
            try FileManager.default.createDirectory(atPath: codes.bundleDirectory, withIntermediateDirectories: true)
            try AtomicTextFile(path: codes.keptBundleFile, mode: 0o640).write(bytes: Array(data))
        } catch {
            throw BundleError("cannot keep the bundle in \(codes.bundleDirectory): \(error)")
        }
        install(bundle)
        try? FileManager.default.removeItem(atPath: path)
        return bundle
    }

    private func install(_ bundle: VerifiedBundle) {
        verifier.install(bundle: bundle)
        current = bundle
        warnedStale = false
    }

    /// Stale: no bundle applied yet, or the applied one older than `max_bundle_age_h` on a synchronised clock
    /// (an unsynchronised clock cannot judge age; `unsynced_clock` covers that case).
    func isStale(_ reading: ClockReading) -> Bool {
        guard enabled else { return false }
        guard let current else { return true }
        return reading.synchronised && reading.now - Double(current.bundle.createdAt) > Double(codes.maxBundleAgeHours) * 3600
    }

    /// The freshness events for the controller: a `trust` fault under `refuse`, a journal warning under `warn`.
    func freshness(_ reading: ClockReading, faults: [FaultSource: String]) -> [GateEvent] {
        let stale = isStale(reading)
        if stale && codes.staleBundle == .refuse {
            guard faults[.trust] == nil else { return [] }
            let message = staleMessage(reading)
            logger.warning("county bundle stale: codes are refused with stale_bundle", metadata: ["detail": "\(message)"])
            return [.deviceFault(.trust, message)]
        }
        if stale && !warnedStale {
            warnedStale = true
            logger.warning("county bundle stale (policy warn: the gate admits on what it holds)", metadata: ["detail": "\(staleMessage(reading))"])
        }
        if !stale { warnedStale = false }
        return faults[.trust] != nil ? [.deviceRecovered(.trust)] : []
    }

    private func staleMessage(_ reading: ClockReading) -> String {
        guard let current else { return "no county bundle applied yet" }
        let hours = Int((reading.now - Double(current.bundle.createdAt)) / 3600)
        return "bundle version \(current.bundle.version) is \(hours) h old (max_bundle_age_h \(codes.maxBundleAgeHours))"
    }

    func status(_ reading: ClockReading) -> GateStatus.BundleStatus? {
        guard enabled else { return nil }
        return GateStatus.BundleStatus(version: current?.bundle.version, createdAt: current.map { Double($0.bundle.createdAt) },
                                       digest: current?.digest, stale: isStale(reading), policy: codes.staleBundle.rawValue)
    }
}

