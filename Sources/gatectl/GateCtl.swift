import ArgumentParser
import GateCore

/// gatectl: the staff's and integrators' command line. Each area adds its subcommands here.
@main
struct GateCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatectl",
        abstract: "Inspect and operate a healthgate entrance gate.",
        version: healthgateVersion,
        subcommands: [LogCommand.self, TailCommand.self, StatsCommand.self, ExportCommand.self, TraceCommand.self,
                      ReportCommand.self, VerifyCommand.self, AnchorsCommand.self, StatusCommand.self, OpenCommand.self, CodeCommand.self,
                      SelftestCommand.self, BundleCommand.self])
}
