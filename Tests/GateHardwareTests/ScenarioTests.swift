import Foundation
import Testing
@testable import GateHardware

@Suite struct ScenarioTests {
    @Test func parsesEveryStep() throws {
        let scenario = try Scenario.parse("""
            # a comment
            say Visitor 1: hello
            temperature 36.6   # trailing comment
            frame v1.pgm 6
            blank 10
            temperature none
            thermometer fail
            thermometer ok
            camera fail 3
            input exit_sensor
            input fire_alarm on
            drop bundle-2.hgb spool
            """, file: "s.txt", folder: "/x")
        #expect(scenario.steps == [
            .say("Visitor 1: hello"), .temperature(36.6), .frame(path: "/x/v1.pgm", count: 6), .blank(count: 10),
            .temperature(nil), .thermometerFails(true), .thermometerFails(false), .cameraFails(count: 3),
            .pulse(.exitSensor), .hold(.fireAlarm, true), .drop(path: "/x/bundle-2.hgb", directory: "/x/spool"),
        ])
    }

    @Test(arguments: [
        ("fram v1.pgm", "s.txt:1: unknown step \"fram\""),
        ("blank x", "s.txt:1: expected a frame count, got \"x\""),
        ("temperature hot", "s.txt:1: temperature must be between -40 and 125 °C or \"none\", got \"hot\""),
        ("input door", "s.txt:1: input needs one of exit_sensor, fire_alarm, staff_button"),
        ("frames /nonexistent-hg", "s.txt:1: cannot list the folder /nonexistent-hg"),
        ("drop bundle.hgb", "s.txt:1: drop needs a file and a folder: drop FILE DIR"),
    ])
    func badLinesNameFileAndLine(_ line: String, _ message: String) {
        #expect(throws: Scenario.ParseError.self) { try Scenario.parse(line, file: "s.txt", folder: ".") }
        do {
            _ = try Scenario.parse(line, file: "s.txt", folder: ".")
        } catch {
            #expect("\(error)" == message)
        }
    }

    @Test func framesPlaysAFolderInNameOrder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hg-frames-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["b.pgm", "a.pgm", "notes.txt"] { try Data().write(to: folder.appendingPathComponent(name)) }
        let scenario = try Scenario.parse("frames \(folder.path) 2", file: "s.txt", folder: ".")
        #expect(scenario.steps == [.frame(path: folder.path + "/a.pgm", count: 2), .frame(path: folder.path + "/b.pgm", count: 2)])
    }

    @Test func dropCopiesTheFileIntoTheFolderWhenThePlaybackReachesIt() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hg-drop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("bundle".utf8).write(to: folder.appendingPathComponent("b.hgb"))
        let scenario = try Scenario.parse("blank 2\ndrop b.hgb spool\nblank 1", file: "s.txt", folder: folder.path)
        let board = try SimulatedBoard(scenario: scenario)
        let spool = folder.appendingPathComponent("spool/b.hgb").path
        _ = board.advance()
        _ = board.advance()
        #expect(!FileManager.default.fileExists(atPath: spool), "not before the step is reached")
        _ = board.advance()
        #expect(FileManager.default.contents(atPath: spool) == Data("bundle".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("spool").path) == ["b.hgb"], "no partial file left")
    }
}
