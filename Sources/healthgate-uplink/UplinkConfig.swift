import CountyStore
import Foundation
import TOMLKit

/// /etc/healthgate/uplink.toml: its own file, so the daemon's config (whose unknown keys are errors) and its
/// sandbox stay as they are. What the uplink needs of the gate (id, venue, log, anchors, status) it reads from the
/// gate's own config, named by `gate_config`. Every key is checked; an unknown one is an error (a typo must not
/// silently fall back to a default). docs/configuration.md, "The county uplink".
struct UplinkConfig: Equatable {
    var gateConfig = "/etc/healthgate/healthgate.toml"
    var venueName: String?
    var address: String?
    var socket: String?
    var host: String?
    var port = 5432
    var database = "county"
    var user = "gate"
    var passwordFile: String?
    var sslmode = CountyEndpoint.TLSMode.verifyFull
    var caFile: String?
    var batchRows = 500
    var pollIntervalSeconds = 2.0
    var heartbeatIntervalSeconds = 60
    var retryMaxSeconds = 60
    var timeoutSeconds = 30
    var stateFile = "/var/lib/healthgate-uplink/acknowledged"

    static let keys: Set<String> = [
        "gate_config", "venue_name", "address", "socket", "host", "port", "database", "user", "password_file", "sslmode",
        "ca_file", "batch_rows", "poll_interval_ms", "heartbeat_interval_s", "retry_max_s", "timeout_s", "state_file",
    ]

    static func load(path: String) throws -> UplinkConfig {
        guard let data = FileManager.default.contents(atPath: path) else { throw UplinkFailure("\(path): cannot be read") }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    static func parse(_ text: String, file: String) throws -> UplinkConfig {
        let root: TOMLTable
        do { root = try TOMLTable(string: text) } catch let error as TOMLParseError {
            throw UplinkFailure("\(file): line \(error.source.begin.line): not valid TOML: \(error.description)")
        } catch {
            throw UplinkFailure("\(file): not valid TOML: \(error)")
        }
        var errors: [String] = []
        for key in root.keys where key != "uplink" { errors.append("\(file): [\(key)]: unknown section (only [uplink])") }
        guard let table = root["uplink"]?.table else { throw UplinkFailure("\(file): no [uplink] section") }
        for key in table.keys.sorted() where !keys.contains(key) { errors.append("\(file): uplink.\(key): unknown key") }
        var config = UplinkConfig()
        func string(_ key: String) -> String? {
            guard let value = table[key] else { return nil }
            guard let text = value.string, !text.isEmpty else { errors.append("\(file): uplink.\(key): expected a non-empty string"); return nil }
            return text
        }
        func int(_ key: String, _ range: ClosedRange<Int>) -> Int? {
            guard let value = table[key] else { return nil }
            guard let number = value.int, range.contains(number) else {
                errors.append("\(file): uplink.\(key): expected an integer between \(range.lowerBound) and \(range.upperBound)")
                return nil
            }
            return number
        }
        if let value = string("gate_config") { config.gateConfig = value }
        config.venueName = string("venue_name")
        config.address = string("address")
        config.socket = string("socket")
        config.host = string("host")
        if let value = int("port", 1...65535) { config.port = value }
        if let value = string("database") { config.database = value }
        if let value = string("user") { config.user = value }
        config.passwordFile = string("password_file")
        if let value = string("sslmode") {
            if let mode = CountyEndpoint.TLSMode(rawValue: value) { config.sslmode = mode }
            else { errors.append("\(file): uplink.sslmode: verify-full or disable (got \(value))") }
        }
        config.caFile = string("ca_file")
        if let value = int("batch_rows", 1...10_000) { config.batchRows = value }
        if let value = int("poll_interval_ms", 10...600_000) { config.pollIntervalSeconds = Double(value) / 1000 }
        if let value = int("heartbeat_interval_s", 1...86_400) { config.heartbeatIntervalSeconds = value }
        if let value = int("retry_max_s", 1...3600) { config.retryMaxSeconds = value }
        if let value = int("timeout_s", 1...3600) { config.timeoutSeconds = value }
        if let value = string("state_file") { config.stateFile = value }
        switch (config.socket, config.host) {
        case (nil, nil): errors.append("\(file): uplink: set host (TCP) or socket (a local PostgreSQL)")
        case (.some, .some): errors.append("\(file): uplink: host and socket are exclusive")
        case (.some, nil) where config.sslmode == .verifyFull && table["sslmode"] != nil:
            errors.append("\(file): uplink.sslmode: a Unix socket takes sslmode = \"disable\"")
        case (.some, nil): config.sslmode = .disable
        case (nil, .some) where config.sslmode == .disable:
            // Allowed (a VPN or a tunnel may already encrypt), but never silently: the uplink logs it at start.
            break
        default: break
        }
        guard errors.isEmpty else { throw UplinkFailure(errors.joined(separator: "\n")) }
        return config
    }

    /// The endpoint with the password read now (the file is root's, 0600).
    func endpoint(password: String?) -> CountyEndpoint {
        let address: CountyEndpoint.Address = socket.map { .socket($0) } ?? .tcp(host: host ?? "", port: port)
        return CountyEndpoint(address: address, database: database, user: user, password: password, tls: sslmode, caFile: caFile)
    }
}

struct UplinkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
