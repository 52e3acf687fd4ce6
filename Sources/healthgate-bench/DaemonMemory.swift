import Foundation
import Glibc

/// Resident memory of a process from /proc/PID/status, in kB.
struct ResidentMemory {
    var rssKB: Int
    var peakKB: Int

    init?(pid: Int32) {
        guard let text = readProcFile("/proc/\(pid)/status") else { return nil }
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

/// A /proc file read to its end (they report a size of 0, so read until read(2) returns 0).
func readProcFile(_ path: String) -> String? {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count <= 0 { break }
        bytes += chunk[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Where the resident memory of a process is: Rss summed per mapping (file, [heap], anonymous), largest first.
func residentByMapping(pid: Int32) -> [(mapping: String, kB: Int)] {
    guard let text = readProcFile("/proc/\(pid)/smaps") else { return [] }
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
