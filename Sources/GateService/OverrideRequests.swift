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
    }

    let directory: String
    let group: String

    /// Takes every pending request (and deletes it, authorised or not).
    func take() -> [Request] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var requests: [Request] = []
        for name in names.sorted() where name.hasSuffix(".request") {
            let path = directory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let data = FileManager.default.contents(atPath: path) ?? Data()
            unlink(path)
            let user = Self.userName(uid: info.st_uid) ?? "uid \(info.st_uid)"
            let text = String(decoding: data.prefix(256), as: UTF8.self)
            let reason = String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 }).trimmingCharacters(in: .whitespaces)
            requests.append(Request(user: user, reason: reason.isEmpty ? "(no reason given)" : reason,
                                    authorised: info.st_uid == 0 || Self.isMember(uid: info.st_uid, of: group)))
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
