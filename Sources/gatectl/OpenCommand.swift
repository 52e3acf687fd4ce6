import ArgumentParser
import Foundation
import GateConfig

/// `gatectl open --reason TEXT`: admit one person by hand. The request is a file in the daemon's
/// requests directory; the daemon reads who wrote it from the file's owner (set by the kernel, so it
/// cannot be forged) and acts only for members of `override.group`.
struct OpenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Admit one person now (staff override). Logged with your user name and the reason.")

    @Option(name: .long, help: "Why the gate is opened by hand (logged; no personal data, please).")
    var reason: String

    @Option(name: .long, help: "Configuration file (for the requests directory).")
    var config: String = ConfigLoader.defaultPath

    @Option(name: .customLong("requests-dir"), help: "Override the requests directory from the configuration.")
    var requestsDirectory: String?

    func validate() throws {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ValidationError("--reason must say why (it is logged)") }
        guard trimmed.utf8.count <= 200 else { throw ValidationError("--reason is limited to 200 bytes") }
    }

    func run() throws {
        let directory: String
        if let requestsDirectory {
            directory = requestsDirectory
        } else {
            do {
                directory = try ConfigLoader.load(path: config).paths.requestsDirectory
            } catch {
                throw CommandFailure("cannot read the configuration: \(error)\n(pass --requests-dir, or --config FILE)")
            }
        }
        let name = "\(directory)/\(Int(Date().timeIntervalSince1970 * 1000))-\(getpid()).request"
        let fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            let problem = String(cString: strerror(errno))
            if errno == EACCES || errno == EPERM {
                throw CommandFailure("permission denied writing \(directory): add your user to the group allowed to open the gate (override.group, usually gate-staff), then log in again")
            } else if errno == ENOENT {
                throw CommandFailure("\(directory) does not exist: is healthgated running? (systemctl status healthgated)")
            }
            throw CommandFailure("cannot write \(name): \(problem)")
        }
        let text = reason.trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
        let written = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        guard written == text.utf8.count else {
            unlink(name)
            throw CommandFailure("could not write the request to \(name)")
        }
        print("requested: the gate opens for one person once healthgated picks this up (within a second).")
        print("check with: gatectl log --limit 1")
    }
}
