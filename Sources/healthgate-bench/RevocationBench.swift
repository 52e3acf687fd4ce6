import Foundation
import Glibc
import HealthCode

/// A 1-million-entry revocation list (docs/codes.md, "Revocation"): load time, memory, lookup time.
/// Printed and written to OUT/revocation.json; no pass/fail threshold (that is for the reader).
func measureRevocation(out: String, work: String, entries: Int = 1_000_000) throws {
    step("revocation list with \(entries) entries: load, memory, lookup")
    // Random hashes, sorted as numbers: the file's byte order, without a million small arrays.
    var generator = SystemRandomNumberGenerator()
    var pairs = (0..<entries).map { _ in (generator.next() as UInt64, generator.next() as UInt64) }
    pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
    var file = RevocationList.magic + [RevocationList.formatVersion, 0, 0, 0, 0, 0, 0, 1, RevocationKind.dccUCI.rawValue, 8]
    let kid: [UInt8] = [0xDE, 0xAD, 0xBE, 0xEF, 0, 1, 2, 3]
    file += kid
    file += withUnsafeBytes(of: UInt32(entries).bigEndian, Array.init)
    file.reserveCapacity(file.count + entries * 16)
    for (high, low) in pairs {
        file += withUnsafeBytes(of: high.bigEndian, Array.init)
        file += withUnsafeBytes(of: low.bigEndian, Array.init)
    }
    let path = work + "/bench.hgrv"
    try Data(file).write(to: URL(fileURLWithPath: path))
    let fileBytes = file.count
    file = []

    let before = ResidentMemory(pid: getpid())?.rssKB ?? 0
    let readStart = monotonic()
    let bytes = try RevocationList.read(path: path)
    let readSeconds = monotonic() - readStart
    let parseStart = monotonic()
    let list = try RevocationList(bytes: bytes)
    let parseSeconds = monotonic() - parseStart
    let after = ResidentMemory(pid: getpid())?.rssKB ?? 0

    func hash(_ pair: (UInt64, UInt64)) -> [UInt8] {
        withUnsafeBytes(of: pair.0.bigEndian, Array.init) + withUnsafeBytes(of: pair.1.bigEndian, Array.init)
    }
    let lookups = 200_000
    let hits = (0..<lookups).map { _ in hash(pairs[Int.random(in: 0..<entries)]) }
    let misses = (0..<lookups).map { _ in hash((generator.next(), generator.next())) }
    var found = 0
    let hitStart = monotonic()
    for query in hits where list.contains(.dccUCI, kid: kid, hash: query) { found += 1 }
    let hitSeconds = monotonic() - hitStart
    let missStart = monotonic()
    for query in misses where list.contains(.dccUCI, kid: kid, hash: query) { found -= 1 }
    let missSeconds = monotonic() - missStart
    guard found == lookups else { throw RevocationFormatError(message: "bench: \(found) of \(lookups) lookups behaved as expected") }

    let residentMB = Double(after - before) / 1024
    let fileMB = Double(fileBytes) / 1_048_576
    let hitNs = hitSeconds / Double(lookups) * 1e9
    let missNs = missSeconds / Double(lookups) * 1e9
    print("    file \(format(fileMB, 1)) MB; load \(format((readSeconds + parseSeconds) * 1000, 1)) ms " +
          "(read \(format(readSeconds * 1000, 1)) ms + check \(format(parseSeconds * 1000, 1)) ms, check/read \(format(parseSeconds / readSeconds, 2))x)")
    print("    resident growth \(format(residentMB, 1)) MB (\(format(residentMB / fileMB, 2))x the file: the list is searched in the bytes as read)")
    print("    lookup: listed \(format(hitNs, 0)) ns, not listed \(format(missNs, 0)) ns (miss/hit \(format(missNs / hitNs, 2))x), " +
          "\(format(1e6 / max(hitNs, missNs), 0)) lookups per ms")
    let json: [String: Any] = [
        "entries": entries, "file_bytes": fileBytes, "read_ms": readSeconds * 1000, "check_ms": parseSeconds * 1000,
        "resident_growth_kb": after - before, "lookup_hit_ns": hitNs, "lookup_miss_ns": missNs,
    ]
    try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
        .write(to: URL(fileURLWithPath: out + "/revocation.json"))
}
