import GateCore

/// A Prometheus histogram with fixed buckets, in seconds. Buckets are stored per bucket and made
/// cumulative only when rendered, so an observation touches one counter.
public struct LatencyHistogram: Sendable, Equatable {
    /// Finite, strictly increasing upper bounds; the `+Inf` bucket is implicit.
    public let upperBounds: [Double]
    /// One count per bound plus the `+Inf` bucket (not cumulative).
    public private(set) var bucketCounts: [UInt64]
    public private(set) var sum: Double = 0
    public private(set) var count: UInt64 = 0

    /// The bounds are the program's constants, not input: a wrong list is a programming error.
    public init(upperBounds: [Double]) {
        precondition(upperBounds.allSatisfy(\.isFinite) && zip(upperBounds, upperBounds.dropFirst()).allSatisfy { $0 < $1 },
                     "histogram bounds must be finite and increasing")
        self.upperBounds = upperBounds
        bucketCounts = Array(repeating: 0, count: upperBounds.count + 1)
    }

    /// Records one duration. NaN is dropped (it would poison `_sum` forever); a negative duration
    /// cannot come from a monotonic clock and counts as zero.
    public mutating func observe(_ seconds: Double) {
        guard !seconds.isNaN else { return }
        let value = max(seconds, 0)
        let bucket = upperBounds.firstIndex { value <= $0 } ?? upperBounds.count
        bucketCounts[bucket] += 1
        sum += value
        count += 1
    }

    /// Counts of observations ≤ each bound, ending with the `+Inf` bucket (== `count`).
    public var cumulativeCounts: [UInt64] {
        var running: UInt64 = 0
        return bucketCounts.map { running += $0; return running }
    }
}

/// Everything the gate exports for fleet monitoring. The daemon owns one, feeds it as things happen,
/// and renders it (`prometheusText()`) when it writes the metrics file. No I/O here.
public struct GateMetrics: Sendable, Equatable {
    /// QR decode of one frame: zbar on a 640x480 luma plane takes milliseconds.
    public static let decodeBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]
    /// Code seen → decision, including the temperature reading (a re-measure waits ~2 s).
    public static let decisionBuckets: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// Fault sources that get a series from the start, so alerts see 0 rather than nothing.
    /// Other names passed to `setFault` are added as they appear.
    public static let knownDevices = FaultSource.allCases.map(\.rawValue)

    public var gateID: String
    public var version: String
    public var startedAt: EpochSeconds

    public private(set) var admissions: UInt64 = 0
    public private(set) var overrides: UInt64 = 0
    public private(set) var refusals: UInt64 = 0
    /// Per reason over refused attempts; one attempt can carry several reasons.
    public private(set) var refusalReasons: [Reason: UInt64] = [:]
    public private(set) var framesProcessed: UInt64 = 0
    public private(set) var decodeLatency = LatencyHistogram(upperBounds: decodeBuckets)
    public private(set) var decisionLatency = LatencyHistogram(upperBounds: decisionBuckets)
    /// Device → times it went into fault.
    public private(set) var faultsEntered: [String: UInt64] = [:]
    public private(set) var devicesInFault: Set<String> = []

    /// The last body temperature taken (the re-measure when there was one); nil until the first.
    public var lastTemperatureCelsius: Double?
    public var occupancy = 0
    public var occupancyLimit: Int?
    public var clockSynchronised = false
    public var fireAlarm = false
    public var trustKeyCount = 0
    /// Earliest `not after` among the trust store's keys; nil when no key carries an expiry.
    public var nearestKeyExpiry: EpochSeconds?
    /// The county bundle and its freshness; nil when bundles are off (no county key pinned).
    public var bundle: GateStatus.BundleStatus?
    /// The health-code platform's availability; nil when no `[platform]` is configured.
    public var platform: GateStatus.PlatformStatus?

    public init(gateID: String, version: String, startedAt: EpochSeconds) {
        self.gateID = gateID
        self.version = version
        self.startedAt = startedAt
    }

    /// Counts one entry-log row. Attempts and overrides update the decision counters; every row
    /// carries the clock state, and attempts the temperature and occupancy after them.
    public mutating func record(_ entry: EntryRecord) {
        clockSynchronised = entry.clockSynchronised
        if let occupancyAfter = entry.occupancyAfter { occupancy = occupancyAfter }
        if let temperature = entry.remeasuredTemperature ?? entry.temperature { lastTemperatureCelsius = temperature }
        switch entry.decision {
        case .admitted: admissions += 1
        case .override: overrides += 1
        case .refused:
            refusals += 1
            for reason in Set(entry.reasons) { refusalReasons[reason, default: 0] += 1 }
        case .none: break
        }
    }

    /// The time from a code being seen to the gate's decision.
    public mutating func observeDecisionLatency(seconds: Double) {
        decisionLatency.observe(seconds)
    }

    /// One frame went through the scanner, taking `decodeSeconds`.
    public mutating func recordFrame(decodeSeconds: Double) {
        framesProcessed += 1
        decodeLatency.observe(decodeSeconds)
    }

    /// Marks a device in or out of fault; entering a fault counts once per transition.
    public mutating func setFault(device: String, active: Bool) {
        if active {
            if devicesInFault.insert(device).inserted { faultsEntered[device, default: 0] += 1 }
        } else {
            devicesInFault.remove(device)
        }
    }
}
