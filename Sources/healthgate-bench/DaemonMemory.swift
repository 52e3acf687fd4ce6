import Foundation
import Glibc

/// Resident memory of a process from /proc/PID/status, in kB.
struct ResidentMemory {
    var rssKB: Int
    var peakKB: Int

    init?(pid: Int32) {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func field(_ name: String) -> Int? {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return nil }
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        }
        guard let rss = field("VmRSS"), let peak = field("VmHWM") else { return nil }
        rssKB = rss
        peakKB = peak
    }

    var json: [String: Any] { ["vm_rss_kb": rssKB, "vm_hwm_kb": peakKB] }
}

/// Where the resident memory of a process is: Rss summed per mapping (file, [heap], anonymous), largest first.
func residentByMapping(pid: Int32) -> [(mapping: String, kB: Int)] {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/smaps", encoding: .utf8) else { return [] }
    var totals: [String: Int] = [:]
    var current = "[anonymous]"
    for line in text.split(separator: "\n") {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        if let first = fields.first, first.contains("-"), first.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
            current = fields.count >= 6 ? fields[5...].joined(separator: " ") : "[anonymous]"
            if let slash = current.lastIndex(of: "/") { current = String(current[current.index(after: slash)...]) }
        } else if fields.first == "Rss:", fields.count >= 2, let kB = Int(fields[1]) {
            totals[current, default: 0] += kB
        }
    }
    return totals.map { ($0.key, $0.value) }.sorted { $0.kB > $1.kB }
}

/// Runs the real `healthgated` on a looping simulated scenario and reads its memory when its status
/// file says it has processed each of `checkpoints` frames.
func measureDaemonMemory(binary: String, config: String, statusFile: String, checkpoints: [Int], timeout: Double) throws
    -> (samples: [(frames: Int, memory: ResidentMemory, seconds: Double)], mappings: [(mapping: String, kB: Int)]) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = ["--config", config, "--log-level", "info"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    defer {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
    let started = monotonic()
    var results: [(frames: Int, memory: ResidentMemory, seconds: Double)] = []
    var remaining = checkpoints.sorted()
    while let next = remaining.first {
        guard process.isRunning else { throw BenchError("healthgated exited with status \(process.terminationStatus)") }
        guard monotonic() - started < timeout else { throw BenchError("healthgated did not reach \(next) frames in \(Int(timeout)) s") }
        usleep(50_000)
        guard let data = FileManager.default.contents(atPath: statusFile),
              let status = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let frames = (status["framesProcessed"] as? NSNumber)?.intValue, frames >= next,
              let memory = ResidentMemory(pid: process.processIdentifier) else { continue }
        results.append((frames, memory, monotonic() - started))
        remaining.removeFirst()
    }
    return (results, residentByMapping(pid: process.processIdentifier))
}
