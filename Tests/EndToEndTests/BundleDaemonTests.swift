import EntryLog
import Foundation
import GateCore
import Testing

/// The bundle path end to end with the real binaries: countyctl makes and signs, the file is dropped in the
/// running healthgated's spool, applied without restart (a `bundle_applied` row, the status file), and a
/// rollback dropped after it is refused (a `bundle_refused` row, the file kept in `rejected/`).
@Suite struct BundleDaemonTests {
    @Test func aBundleDroppedInTheSpoolIsAppliedWithoutRestartAndARollbackIsRefused() throws {
        let folder = try makeVisitors()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.path
        let countyctl = Paths.binaries.appendingPathComponent("countyctl")
        #expect(try run(countyctl, ["keygen", "--out", path + "/county"]).status == 0)
        for version in ["2", "5"] {
            #expect(try run(countyctl, ["bundle", "make", "--version", version, "--issuer", "Test county", "--vaccination", "require",
                                        "--out", path + "/p\(version).cbor"]).status == 0)
            #expect(try run(countyctl, ["bundle", "sign", "--key", path + "/county/county.key", path + "/p\(version).cbor",
                                        "--out", path + "/b\(version).hgb"]).status == 0)
        }
        try "blank 1000\n".write(to: folder.appendingPathComponent("scenario.txt"), atomically: true, encoding: .utf8)
        let config = folder.appendingPathComponent("healthgate.toml")
        // The demo config already pins county/county.pem (regenerated above) with the spool and bundle_dir
        // in the folder and stale_bundle = "warn"; the empty scenario never drops the demo's bundle itself.
        let text = try String(contentsOf: config, encoding: .utf8) + "at_end = \"idle\"\n"
        #expect(text.contains("/county/county.pem\"") && text.contains("/spool\""), "the demo config turns bundles on")
        try text.write(to: config, atomically: true, encoding: .utf8)

        let statusFile = folder.appendingPathComponent("status.json")
        let daemon = try BackgroundDaemon(config: config, statusFile: statusFile)
        func status() -> GateStatus? { (try? Data(contentsOf: statusFile)).flatMap { try? JSONDecoder().decode(GateStatus.self, from: $0) } }
        // Dropped as any transport should: written under a hidden name, then renamed into the spool.
        try FileManager.default.copyItem(atPath: path + "/b5.hgb", toPath: path + "/spool/.b5.part")
        try FileManager.default.moveItem(atPath: path + "/spool/.b5.part", toPath: path + "/spool/b5.hgb")
        waitFor("bundle 5 in the status file") { status()?.bundle?.version == 5 }
        #expect(status()?.bundle?.stale == false)
        try FileManager.default.copyItem(atPath: path + "/b2.hgb", toPath: path + "/spool/.b2.part")
        try FileManager.default.moveItem(atPath: path + "/spool/.b2.part", toPath: path + "/spool/b2.hgb")
        waitFor("bundle 2 refused") { FileManager.default.fileExists(atPath: path + "/spool/rejected/b2.hgb") }
        #expect(daemon.process.isRunning)
        daemon.stop()
        let stderr = daemon.stderr
        #expect(daemon.process.terminationStatus == 0)
        #expect(stderr.contains("county bundle applied"), "\(stderr)")
        #expect(stderr.contains("county bundle refused"))

        let rows = try EntryLogReader(path: path + "/entries.sqlite").entries(EntryFilter(kind: .event, limit: nil)).map(\.record)
        #expect(rows.filter { $0.event == "bundle_applied" }.compactMap(\.detail).first?.hasPrefix("version 5 sha256 ") == true)
        #expect(rows.filter { $0.event == "bundle_refused" }.compactMap(\.detail).first?.contains("not newer than the applied version 5") == true)
        #expect(FileManager.default.fileExists(atPath: path + "/spool/rejected/b2.hgb"))
        #expect(FileManager.default.fileExists(atPath: path + "/bundle/current.hgb"))
    }
}
