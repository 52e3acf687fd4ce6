import ArgumentParser
import EntryLogCLI
import Foundation
import GateCore
import LinuxSystem

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Live state of the running daemon (from its status file).",
        discussion: "Exit status 0: running; 3: the status file is stale (daemon stopped or hung); 1: no status file.")

    /// The daemon rewrites the file at least once a second; older than this, it is not running (or hung).
    static let staleAfterSeconds: Double = 5

    @OptionGroup var options: LogOptions

    func run() throws {
        let url = URL(fileURLWithPath: options.statusFile)
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            let denied = FileManager.default.fileExists(atPath: url.path) && !FileManager.default.isReadableFile(atPath: url.path)
            throw CommandFailure(denied
                ? "\(url.path): permission denied: add the user to group gate-staff"
                : "\(url.path) is missing: the daemon is not running (check: systemctl status healthgated)")
        }
        let status: GateStatus
        do { status = try JSONDecoder().decode(GateStatus.self, from: data) } catch {
            throw CommandFailure("\(url.path) is not a status file this gatectl understands (\(error)); is the daemon the same version?")
        }
        let now = Date().timeIntervalSince1970
        let age = now - status.updatedAt
        let stale = age > Self.staleAfterSeconds
        let console = Console()
        defer { console.flush() }
        if options.output == .json {
            struct Output: Encodable { var status: GateStatus; var stale: Bool; var secondsSinceUpdate: Double }
            console.write(try JSON.encode(Output(status: status, stale: stale, secondsSinceUpdate: age)) + "\n")
        } else {
            let language = options.language
            let zone = try options.timeZone()
            let local = { (time: Double) in LocalTime.format(time, offsetSeconds: zone.secondsFromGMT(for: Date(timeIntervalSince1970: time))) }
            var table = Table(header: ["", ""])
            table.append([Label.gate.text(language), status.gateID])
            table.append([Label.state.text(language), stale ? "\(status.state.rawValue) (STALE: \(Int(age)) s old: daemon not running or hung)" : status.state.rawValue],
                         decision: stale || status.state == .fault ? .refused : .admitted)
            table.append([Label.occupancy.text(language), status.occupancyLimit.map { "\(status.occupancy)/\($0)" } ?? String(status.occupancy)])
            table.append([Label.faults.text(language), status.faults.isEmpty ? "-" : status.faults.map(\.description).joined(separator: "; ")])
            table.append([Label.clockSynced.text(language), status.clockSynchronised ? "yes" : "NO"])
            table.append([Label.fireAlarm.text(language), status.fireAlarm ? "ON" : "off"])
            if let last = status.lastDecision {
                table.append([Label.lastDecision.text(language),
                              "\(local(last.time)) \(last.decision.rawValue) \(last.reasons.map(\.rawValue).joined(separator: ","))"])
            }
            table.append([Label.startedAt.text(language), local(status.startedAt)])
            table.append([Label.uptime.text(language), Self.duration(status.updatedAt - status.startedAt)])
            table.append([Label.updatedAt.text(language), local(status.updatedAt)])
            table.append([Label.frames.text(language), String(status.framesProcessed)])
            table.append([Label.trustKeys.text(language),
                          String(status.trustKeys) + (status.nearestKeyExpiry.map { ", first expiry \(local($0))" } ?? "")])
            if let bundle = status.bundle { table.append(BundleCommand.statusRow(bundle, language: language, local: local)) }
            if let platform = status.platform {
                // Staff need to know the fallback is in force: people are being registered, not verified.
                table.append([Label.platform.text(language),
                              platform.available ? "available" : "UNAVAILABLE (\(platform.problem ?? "no answer")): on_unavailable = \(platform.policy)"],
                             decision: platform.available ? .admitted : .refused)
            }
            table.append([Label.pid.text(language), String(status.pid)])
            console.write(table.render(options.output, decisionColumn: 1, includeHeader: false))
        }
        if stale { console.flush(); throw ExitCode(3) }
    }

    static func duration(_ seconds: Double) -> String {
        let total = max(0, Int(seconds))
        let days = total / 86400, hours = total % 86400 / 3600, minutes = total % 3600 / 60, rest = total % 60
        let clock = String(format: "%02d:%02d:%02d", hours, minutes, rest)
        return days > 0 ? "\(days)d \(clock)" : clock
    }
}
