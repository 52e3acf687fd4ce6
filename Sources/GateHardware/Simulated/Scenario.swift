import GateCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A script for the simulated board: what stands in front of the camera and the thermometer, and
/// what the inputs do, frame by frame. One script drives all three so a visitor's code and their
/// temperature arrive together. Format (docs/simulated-board.md), one step per line:
///
///     frame visitor-01.pgm 8      # show this PGM frame for 8 frame periods
///     frames recorded/ 2          # every .pgm in the folder, in name order, 2 periods each
///     blank 10                    # an empty entrance (sensor noise) for 10 frame periods
///     temperature 36.4            # the thermometer reads this object temperature from now on
///     temperature none            # nobody in front (the thermometer sees the ambient)
///     thermometer fail|ok         # the sensor NACKs / answers again
///     camera fail 20              # the camera is gone for 20 frame periods
///     input exit_sensor           # one pulse on an input
///     input fire_alarm on|off     # hold an input
///     say Visitor 3: a red code   # print a narration line (the demo's commentary)
///     drop bundle-2.hgb spool/    # copy a file into a folder (a transport delivering it, e.g. the county uplink)
public struct Scenario: Sendable {
    public enum Step: Sendable, Equatable {
        case frame(path: String, count: Int)
        case blank(count: Int)
        case temperature(Double?)
        case thermometerFails(Bool)
        case cameraFails(count: Int)
        case pulse(InputLine)
        case hold(InputLine, Bool)
        case say(String)
        /// Copies `path` into `directory` (written under a hidden name, then renamed in, as a transport should):
        /// the simulation of a file arriving on the gate, such as a county bundle reaching the spool.
        case drop(path: String, directory: String)
        /// A resident ID card put on the simulated reader (nil: taken off).
        case idCard(IDCard?)
    }

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var file: String
        public var line: Int
        public var message: String
        public var description: String { "\(file):\(line): \(message)" }
    }

    public var steps: [Step]

    public init(steps: [Step]) {
        self.steps = steps
    }

    /// Parses a script; relative frame paths are resolved against the script's folder.
    public static func load(path: String) throws -> Scenario {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ParseError(file: path, line: 0, message: "cannot read the scenario file")
        }
        let folder = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return try parse(text, file: path, folder: folder.isEmpty ? "." : folder)
    }

    public static func parse(_ text: String, file: String, folder: String) throws -> Scenario {
        var steps: [Step] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard let verb = words.first else { continue }
            func fail(_ message: String) -> ParseError { ParseError(file: file, line: index + 1, message: message) }
            func count(_ at: Int) throws -> Int {
                guard words.count > at else { return 1 }
                guard let n = Int(words[at]), n > 0, n <= 1_000_000 else { throw fail("expected a frame count, got \"\(words[at])\"") }
                return n
            }
            switch verb {
            case "frame":
                guard words.count >= 2 else { throw fail("frame needs a file name") }
                let path = words[1].hasPrefix("/") ? words[1] : folder + "/" + words[1]
                steps.append(.frame(path: path, count: try count(2)))
            case "frames":
                guard words.count >= 2 else { throw fail("frames needs a folder") }
                let directory = words[1].hasPrefix("/") ? words[1] : folder + "/" + words[1]
                guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
                    throw fail("cannot list the folder \(directory)")
                }
                let each = try count(2)
                let pgms = names.filter { $0.hasSuffix(".pgm") }.sorted()
                guard !pgms.isEmpty else { throw fail("no .pgm files in \(directory)") }
                steps += pgms.map { .frame(path: directory + "/" + $0, count: each) }
            case "blank":
                steps.append(.blank(count: try count(1)))
            case "temperature":
                guard words.count == 2 else { throw fail("temperature needs a value in °C or \"none\"") }
                if words[1] == "none" {
                    steps.append(.temperature(nil))
                } else if let celsius = Double(words[1]), (-40...125).contains(celsius) {
                    steps.append(.temperature(celsius))
                } else {
                    throw fail("temperature must be between -40 and 125 °C or \"none\", got \"\(words[1])\"")
                }
            case "thermometer":
                guard words.count == 2, words[1] == "fail" || words[1] == "ok" else { throw fail("expected \"thermometer fail\" or \"thermometer ok\"") }
                steps.append(.thermometerFails(words[1] == "fail"))
            case "camera":
                guard words.count >= 2, words[1] == "fail" else { throw fail("expected \"camera fail N\"") }
                steps.append(.cameraFails(count: try count(2)))
            case "input":
                guard words.count >= 2, let line = InputLine(rawValue: words[1]) else {
                    throw fail("input needs one of \(InputLine.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                if words.count == 2 {
                    steps.append(.pulse(line))
                } else if words[2] == "on" || words[2] == "off" {
                    steps.append(.hold(line, words[2] == "on"))
                } else {
                    throw fail("expected \"on\" or \"off\" after the input name")
                }
            case "drop":
                guard words.count == 3 else { throw fail("drop needs a file and a folder: drop FILE DIR") }
                func resolve(_ word: String) -> String { word.hasPrefix("/") ? word : folder + "/" + word }
                steps.append(.drop(path: resolve(words[1]), directory: resolve(words[2])))
            case "say":
                steps.append(.say(words.dropFirst().joined(separator: " ")))
            case "idcard":
                if words.count == 2 && words[1] == "none" {
                    steps.append(.idCard(nil))
                } else {
                    guard words.count == 3 else { throw fail("idcard needs a name and an ID number (or \"none\")") }
                    let card = IDCard(name: words[1], number: words[2])
                    guard card.numberIsValid else { throw fail("\(card.maskedNumber) is not a valid ID number (GB 11643 check digit)") }
                    steps.append(.idCard(card))
                }
            default:
                throw fail("unknown step \"\(verb)\"")
            }
        }
        return Scenario(steps: steps)
    }
}
