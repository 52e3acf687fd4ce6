import Foundation
import Glibc
import CountyStore

/// For tests, the benchmark and nothing else (never on a gate).
/// A real PostgreSQL 15 (Debian's binaries), started for the test in its own directory: initdb, then pg_ctl on a
/// Unix socket in that directory and no TCP port (listen_addresses = ''). The directory is a short /tmp path because
/// a socket path is limited to 107 bytes. initdb refuses to run as root, so as root (CI) the server runs as `nobody`.
/// Password login (SCRAM), as the uplink uses it in the field.
public final class TemporaryPostgres: @unchecked Sendable {
    public static let binaries = "/usr/lib/postgresql/15/bin"
    public let directory: String
    public let user = "county"
    public let password = "test-\(UInt64.random(in: 0...UInt64.max))"
    public var dataDirectory: String { directory + "/data" }

    /// Extra server settings (`-c name=value`), e.g. the benchmark's memory.
    let settings: [String: String]

    public init(settings: [String: String] = [:]) throws {
        self.settings = settings
        var template = Array("/tmp/hg-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw CountyError("mkdtemp failed") }
        directory = String(cString: made)
        chmod(directory, 0o755)
        let passwordFile = directory + "/pwfile"
        try (password + "\n").write(toFile: passwordFile, atomically: false, encoding: .utf8)
        if getuid() == 0 {
            let nobody = getpwnam("nobody")!.pointee
            chown(directory, nobody.pw_uid, nobody.pw_gid)
            chown(passwordFile, nobody.pw_uid, nobody.pw_gid)
        }
        try run(Self.binaries + "/initdb", ["-D", dataDirectory, "-U", user, "--pwfile=" + passwordFile,
                                            "--auth-local=scram-sha-256", "--auth-host=reject", "-E", "UTF8",
                                            "--locale=C.UTF-8", "--no-sync"])
        try start()
    }

    public var socketPath: String { directory + "/.s.PGSQL.5432" }

    public func endpoint(database: String = "postgres") -> CountyEndpoint {
        CountyEndpoint(address: .socket(directory), database: database, user: user, password: password)
    }

    public func start() throws {
        try run(Self.binaries + "/pg_ctl", ["-D", dataDirectory, "-l", directory + "/server.log", "-w", "-t", "60",
                                            "-o", "-k \(directory) -c listen_addresses='' -c fsync=off -c max_connections=120"
                                                + settings.sorted { $0.key < $1.key }.map { " -c \($0.key)=\($0.value)" }.joined(),
                                            "start"])
    }

    /// `immediate`: the server process dies without a shutdown checkpoint, as after kill -9 or a power cut.
    public func stop(immediate: Bool = false) throws {
        try run(Self.binaries + "/pg_ctl", ["-D", dataDirectory, "-w", "-m", immediate ? "immediate" : "fast", "stop"])
    }

    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        try run(Self.binaries + "/psql", ["-h", directory, "-U", user, "-d", database, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
                environment: ["PGPASSWORD": password])
    }

    public func createDatabase(_ name: String) throws {
        _ = try psql("CREATE DATABASE \(name)")
    }

    deinit {
        _ = try? stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs a server binary, as `nobody` when we are root. posix_spawn and waitpid directly: Foundation's Process
    /// did not always see pg_ctl's runuser exit (a zombie left unreaped) while the server it started ran on.
    @discardableResult
    public func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        // env -C: the server's own directory as the working directory (nobody cannot read the caller's, e.g. /root).
        let command = ["/usr/bin/env", "-C", directory, executable] + arguments
        let argv = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "nobody", "--"] + command : command
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        // Output to a file, not a pipe: the server pg_ctl starts inherits the descriptors and would hold a pipe open.
        let outputPath = directory + "/.command-output-\(UUID().uuidString)"
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cArguments.forEach { free($0) }; cEnvironment.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, cEnvironment)
        guard spawned == 0 else { throw CountyError("\(argv[0]): cannot start (\(String(cString: strerror(spawned))))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = String(decoding: FileManager.default.contents(atPath: outputPath) ?? Data(), as: UTF8.self)
        let exited = status & 0x7f == 0, code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            throw CountyError("\((executable as NSString).lastPathComponent) failed (status \(status)): \(text)")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
