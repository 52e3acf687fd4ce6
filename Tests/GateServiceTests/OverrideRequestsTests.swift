import Foundation
import Testing
@testable import GateService

/// Real files in a temporary directory; the owner is set with chown(2), so these tests need root to
/// hand a file to another user (CI runs as root). Without root the foreign-owner case is skipped.
@Suite struct OverrideRequestsTests {
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hg-requests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func aRequestNamesItsOwnerAndIsTakenOnce() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "lost phone\tat the gate\u{1b}[2J\n".write(to: directory.appendingPathComponent("1-1.request"), atomically: true, encoding: .utf8)
        try "ignored".write(to: directory.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let requests = OverrideRequests(directory: directory.path, group: "gate-staff")
        let now = Date().timeIntervalSince1970
        let taken = requests.take(now: now)
        #expect(taken.count == 1)
        #expect(taken.first?.user == OverrideRequests.userName(uid: getuid()))
        #expect(taken.first?.reason == "lost phone at the gate [2J", "control characters (ESC too) become spaces; trimmed")
        #expect(taken.first?.stale == false)
        #expect(requests.take(now: now).isEmpty, "a request is consumed")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("notes.txt").path))
    }

    @Test(.enabled(if: getuid() == 0, "only root can give a file to another user"))
    func aUserOutsideTheGroupIsNotAuthorised() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("2-2.request").path
        try "let me in".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(chown(path, 65534, 65534) == 0)  // nobody
        let taken = OverrideRequests(directory: directory.path, group: "root").take(now: Date().timeIntervalSince1970)
        #expect(taken.count == 1)
        #expect(taken.first?.authorised == false)
        #expect(taken.first?.reason == "let me in")
    }

    @Test func aMissingDirectoryIsNoRequest() {
        #expect(OverrideRequests(directory: "/nonexistent/healthgate-requests", group: "gate-staff").take(now: 0).isEmpty)
    }

    @Test func anOldRequestIsStaleAndLinksAreNotFollowed() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "left yesterday".write(to: directory.appendingPathComponent("3-3.request"), atomically: true, encoding: .utf8)
        try "secret".write(to: directory.appendingPathComponent("target"), atomically: true, encoding: .utf8)
        #expect(symlink(directory.appendingPathComponent("target").path, directory.appendingPathComponent("4-4.request").path) == 0)
        let taken = OverrideRequests(directory: directory.path, group: "gate-staff").take(now: Date().timeIntervalSince1970 + 3600)
        #expect(taken.map(\.reason) == ["left yesterday"], "the link is not read")
        #expect(taken.first?.stale == true)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("4-4.request").path), "links are removed too")
    }
}
