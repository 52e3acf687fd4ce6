import Glibc

func monotonic() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Order statistics of a set of samples (nearest-rank percentiles).
struct Summary {
    var count: Int
    var median: Double
    var p99: Double
    var max: Double
    var mean: Double

    init(_ samples: [Double]) {
        let sorted = samples.sorted()
        count = sorted.count
        func rank(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return .nan }
            let index = Int((p * Double(sorted.count)).rounded(.up)) - 1
            return sorted[Swift.min(Swift.max(index, 0), sorted.count - 1)]
        }
        median = rank(0.5)
        p99 = rank(0.99)
        max = sorted.last ?? .nan
        mean = sorted.isEmpty ? .nan : sorted.reduce(0, +) / Double(sorted.count)
    }

    var json: [String: Any] { ["n": count, "median_ms": median * 1000, "p99_ms": p99 * 1000, "max_ms": max * 1000, "mean_ms": mean * 1000] }
}

/// One measured row of the per-frame table.
struct Row {
    var stage: String
    var frames: String
    var time: Summary
    /// Fraction of the frames (or presentations) where the expected payload came out; nil for empty frames.
    var detection: Double?
    var detectionNote: String
    /// Mean heap allocations per frame; nil where not counted.
    var allocationsPerFrame: Double?
    /// Row of the same frames in the raw baseline.
    var baseline: Summary?

    var json: [String: Any] {
        var row: [String: Any] = ["stage": stage, "frames": frames, "time": time.json]
        if let detection { row["detection"] = detection; row["detection_of"] = detectionNote }
        if let allocationsPerFrame { row["allocations_per_frame"] = allocationsPerFrame }
        if let baseline {
            row["ratio_median_to_baseline"] = time.median / baseline.median
            row["ratio_p99_to_baseline"] = time.p99 / baseline.p99
        }
        return row
    }
}

func format(_ value: Double, _ decimals: Int = 2) -> String {
    guard value.isFinite else { return "-" }
    var text = String(Int((abs(value) * pow(10, Double(decimals))).rounded()))
    while text.count <= decimals { text = "0" + text }
    let point = text.index(text.endIndex, offsetBy: -decimals)
    let result = decimals > 0 ? text[..<point] + "." + text[point...] : Substring(text)
    return (value < 0 ? "-" : "") + result
}

func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let fill = String(repeating: " ", count: Swift.max(0, width - text.count))
    return right ? fill + text : text + fill
}
