import ArgumentParser
import Foundation
import GateCore
import HealthCode

/// healthgate-dev: the developers' tool for demos, tests and the VM suite. It mints issuer keys and
/// signed (or forged) codes and draws QR frames, so it is never installed on a gate: the staff's
/// `gatectl code verify` checks codes, this makes them.
/// Exit status: 0 done, 2 usage or file error.
@main
struct HealthGateDev: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthgate-dev",
        abstract: "Developer tool: issuer keys, signed and forged HG1 codes, QR frames (not installed on gates).",
        version: healthgateVersion,
        subcommands: [KeygenCommand.self, IssueCommand.self, ForgeCommand.self, RenderCommand.self, VoiceTextsCommand.self, ScreenCheckCommand.self, VoiceCheckCommand.self])
}

/// Prints to stderr and exits 2: bad arguments and unreadable files.
func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("healthgate-dev: \(message)\n".utf8))
    return ExitCode(2)
}

func parseTime(_ text: String, option: String) throws(ExitCode) -> Double {
    guard let time = ISO8601.parse(text) else { throw fail("\(option): \(ISO8601.notATime(text))") }
    return time
}
