import Foundation
import Logging
import NIOSSL
import PostgresNIO

/// Where the county's PostgreSQL is and how to log in. The password comes from a root-readable file, never from
/// the command line or the config file itself.
public struct CountyEndpoint: Sendable, Equatable {
    public enum Address: Sendable, Equatable {
        /// A Unix socket: the directory PostgreSQL puts `.s.PGSQL.<port>` in, or the socket file itself.
        case socket(String)
        case tcp(host: String, port: Int)
    }
    public enum TLSMode: String, Sendable, Equatable {
        /// No TLS (Unix sockets, tests).
        case disable
        /// TLS, the server's certificate checked against `caFile` and its name against the host.
        case verifyFull = "verify-full"
    }

    public var address: Address
    public var database: String
    public var user: String
    public var password: String?
    public var tls: TLSMode
    public var caFile: String?

    public init(address: Address, database: String, user: String, password: String? = nil, tls: TLSMode = .disable,
                caFile: String? = nil) {
        self.address = address
        self.database = database
        self.user = user
        self.password = password
        self.tls = tls
        self.caFile = caFile
    }

    /// `socket` names a directory (as libpq's host=/run/postgresql does) or the socket file.
    static func socketPath(_ path: String, port: Int = 5432) -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return path + "/.s.PGSQL.\(port)"
        }
        return path
    }

    func configuration() throws -> PostgresConnection.Configuration {
        switch address {
        case .socket(let path):
            guard tls == .disable else { throw CountyError("tls: a Unix socket is local; use sslmode = \"disable\" with it") }
            return .init(unixSocketPath: Self.socketPath(path), username: user, password: password, database: database)
        case .tcp(let host, let port):
            switch tls {
            case .disable:
                return .init(host: host, port: port, username: user, password: password, database: database, tls: .disable)
            case .verifyFull:
                var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
                tlsConfiguration.certificateVerification = .fullVerification
                if let caFile { tlsConfiguration.trustRoots = .file(caFile) }
                let context = try NIOSSLContext(configuration: tlsConfiguration)
                // The host is also the name the certificate is checked against (postgres-nio passes it to NIOSSL).
                return PostgresConnection.Configuration(host: host, port: port, username: user, password: password,
                                                        database: database, tls: .require(context))
            }
        }
    }
}

public struct CountyError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// One connection to the county database. Not shared between tasks: each uplink and each countyctl run has its own.
public final class CountyDatabase: Sendable {
    let connection: PostgresConnection
    let logger: Logger

    public static func connect(_ endpoint: CountyEndpoint, logger: Logger = Logger(label: "county")) async throws -> CountyDatabase {
        let connection = try await PostgresConnection.connect(configuration: endpoint.configuration(), id: 1, logger: logger)
        return CountyDatabase(connection: connection, logger: logger)
    }

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    public func close() async {
        try? await connection.close()
    }

    @discardableResult
    func query(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        do { return try await connection.query(query, logger: logger) } catch let error as PSQLError {
            throw CountyError(Self.describe(error))
        }
    }

    /// PSQLError's description hides the server's message by default (it may hold data); ours are schema messages.
    static func describe(_ error: PSQLError) -> String {
        if let message = error.serverInfo?[.message] {
            return "PostgreSQL: \(message)" + (error.serverInfo?[.detail].map { " (\($0))" } ?? "")
        }
        return "PostgreSQL: \(error.code)"
    }

    // MARK: - Migrations

    /// The schema version, 0 for an empty database.
    public func schemaVersion() async throws -> Int {
        let rows = try await query("SELECT to_regclass('schema_version') IS NOT NULL")
        var exists = false
        for try await value in rows.decode(Bool.self) { exists = value }
        guard exists else { return 0 }
        var version = 0
        for try await value in try await query("SELECT coalesce(max(version), 0) FROM schema_version").decode(Int.self) { version = value }
        return version
    }

    /// Applies every migration newer than the database's, each in its own transaction; returns the ones applied.
    /// An advisory lock makes two concurrent `migrate` runs apply each migration once.
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await query("SELECT pg_advisory_lock(hashtext('county_migrate'))")
        do {
            try await query("CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
            let current = try await schemaVersion()
            var applied: [Int] = []
            for migration in CountySchema.migrations where migration.version > current {
                try await query("BEGIN")
                do {
                    for statement in CountySchema.statements(migration.sql) { try await query(PostgresQuery(unsafeSQL: statement)) }
                    try await query("INSERT INTO schema_version (version) VALUES (\(migration.version))")
                    try await query("COMMIT")
                } catch {
                    _ = try? await query("ROLLBACK")
                    throw CountyError("migration \(migration.version): \(error)")
                }
                applied.append(migration.version)
            }
            try await query("SELECT pg_advisory_unlock(hashtext('county_migrate'))")
            return applied
        } catch {
            _ = try? await query("SELECT pg_advisory_unlock(hashtext('county_migrate'))")
            throw error
        }
    }

    /// Refuses to work on a database older or newer than this build's schema (run `countyctl migrate`).
    public func requireCurrentSchema() async throws {
        let version = try await schemaVersion()
        guard version == CountySchema.latestVersion else {
            throw CountyError("the county database has schema version \(version), this build needs \(CountySchema.latestVersion): run `countyctl migrate`")
        }
    }
}
