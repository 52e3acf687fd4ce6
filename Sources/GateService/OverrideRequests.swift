#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `gatectl open --reason TEXT` drops a small file into the requests directory. The kernel records
/// who wrote it (the file's owner), so the daemon learns the SSH user without trusting the content,
/// and admits one person only when that user is in the authorised group.
struct OverrideRequests {
    struct Request: Equatable {
        var user: String
        var reason: String
        var authorised: Bool
        /// Written too long ago (or in the future) to act on.
        var stale: Bool
    }

    /// A request older than this is dropped: `gatectl open` is for the person at the gate now.
    static let maximumAgeSeconds = 30.0

    let directory: String
    let group: String

    /// Takes every pending request (and deletes it, authorised or not). `now` is wall time (file times are).
    func take(now: Double) -> [Request] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var requests: [Request] = []
        for name in names.sorted() where name.hasSuffix(".request") {
            let path = directory + "/" + name
            defer { unlink(path) }  // taken once, authorised or not
            // Staff can write here: never follow a link, never block on a FIFO, read a bounded amount,
            // and take the owner from the descriptor actually read (no swap between a check and the read).
            let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            guard descriptor >= 0 else { continue }
            defer { close(descriptor) }
            var info = stat()
            guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            // A request left while the daemon was stopped must not open the gate whenever it next starts.
            let age = now - (Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
            var buffer = [UInt8](repeating: 0, count: 256)
            let count = read(descriptor, &buffer, buffer.count)
            let user = Self.userName(uid: info.st_uid) ?? "uid \(info.st_uid)"
            let text = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self)
            // Control characters (escape sequences included) would reach staff terminals through gatectl.
            let reason = String(text.map { $0.unicodeScalars.allSatisfy { $0.properties.generalCategory == .control } ? " " : $0 })
                .trimmingCharacters(in: .whitespaces)
            requests.append(Request(user: user, reason: reason.isEmpty ? "(no reason given)" : reason,
                                    authorised: info.st_uid == 0 || Self.isMember(uid: info.st_uid, of: group),
                                    stale: age > Self.maximumAgeSeconds || age < -Self.maximumAgeSeconds))
        }
        return requests
    }

    static func userName(uid: uid_t) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name else { return nil }
        return String(cString: name)
    }

    static func isMember(uid: uid_t, of groupName: String) -> Bool {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name else { return false }
        var groupEntry = Glibc.group()
        var groupResult: UnsafeMutablePointer<Glibc.group>?
        var groupBuffer = [CChar](repeating: 0, count: 16384)
        guard getgrnam_r(groupName, &groupEntry, &groupBuffer, groupBuffer.count, &groupResult) == 0, groupResult != nil else { return false }
        let target = groupEntry.gr_gid
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, entry.pw_gid, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(name, entry.pw_gid, &groups, &count) >= 0 else { return false }
        }
        return groups.prefix(Int(count)).contains(target)
    }
}
