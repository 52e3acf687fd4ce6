#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension ConfigLoader {
    /// Which path checks apply: `--check-config` reports every missing path; at start a missing trust
    /// directory is left to the trust store (it warns and refuses every code until the directory appears).
    public enum PathCheck: Sendable { case all, atStart }

    /// `load(path:)`, then the paths the file names that do not exist, each as `FILE:LINE: KEY: message`.
    public static func load(path: String, checkingPaths check: PathCheck) throws(ConfigErrors) -> GateConfiguration {
        let configuration = try load(path: path)
        let problems = checkPaths(configuration, file: path, check)
        if !problems.isEmpty { throw ConfigErrors(problems) }
        return configuration
    }

    /// The trust directory, the simulated board's scenario, and the directories of the database and of the
    /// anchor file and key (the daemon creates those files, never their directories).
    public static func checkPaths(_ configuration: GateConfiguration, file: String, _ check: PathCheck = .all) -> [ConfigError] {
        let source = (try? String(contentsOfFile: file, encoding: .utf8)).flatMap { try? TOMLSource(file: file, text: $0) }
        var problems: [ConfigError] = []
        func problem(_ key: String, _ message: String) {
            problems.append(ConfigError(file: file, line: source?.line(of: key), key: key, message: message))
        }
        func isDirectory(_ path: String) -> Bool {
            var info = stat()
            return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
        }
        func directory(of path: String) -> String {
            guard let slash = path.lastIndex(of: "/") else { return "." }
            return slash == path.startIndex ? "/" : String(path[..<slash])
        }
        if check == .all, !isDirectory(configuration.codes.trustDirectory) {
            problem("codes.trust_dir", "no directory \(configuration.codes.trustDirectory): create it and put the issuer keys in it")
        }
        if let scenario = configuration.board.simulated?.scenario, !scenario.isEmpty, access(scenario, R_OK) != 0 {
            problem("board.simulated.scenario", "cannot read the scenario file \(scenario) (\(String(cString: strerror(errno))))")
        }
        for (key, path) in [("log.database", configuration.log.database), ("log.anchor_file", configuration.log.anchorFile),
                            ("log.anchor_key", configuration.log.anchorKey), ("codes.subject_key", configuration.codes.subjectKey)] where !isDirectory(directory(of: path)) {
            problem(key, "no directory \(directory(of: path)) for \(path): create it (owner: the service user)")
        }
        return problems
    }
}
