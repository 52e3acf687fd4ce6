import ArgumentParser
import GateCore
import Hummingbird
import PlatformClient
import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// The reference health-code platform: docs/platform-api.md over HTTP on loopback, answering from its own SQLite
/// database of test persons, with switches for the faults a real platform shows. For `make demo` and the
/// end-to-end tests only; not in the .deb.
@main
struct PlatformSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthgate-platform-sim",
        abstract: "Reference health-code platform (docs/platform-api.md) on loopback, with fault switches.",
        discussion: """
            Faults come from --mode/--latency-ms at start and from the control file, re-read whenever it changes
            (JSON: {"mode": "normal|error_5xx|hang|malformed|down", "latency_ms": N}), so a test or a scenario's
            `drop` step can switch them mid-run. Prints "listening on 127.0.0.1:PORT" once it accepts connections.
            """)

    @Option(help: "TCP port on 127.0.0.1 (0: any free port, printed).") var port = 8089
    @Option(help: "SQLite database of test persons (created and seeded when new).") var database: String
    @Option(name: .customLong("secret-file"), help: "The gate's signing secret (64 hex digits).") var secretFile: String
    @Option(help: "The registered gate id.") var gate: String
    @Option(help: "The registered venue code.") var venue: String
    @Option(help: "Control file with the fault switches (optional).") var control: String?
    @Option(help: "Initial fault mode.") var mode: FaultMode = .normal
    @Option(name: .customLong("latency-ms"), help: "Delay before every answer.") var latencyMilliseconds = 0
    @Option(name: .customLong("bench-persons"), help: "Extra green persons HGP:BENCH-0001… (the benchmark).") var benchPersons = 0

    func run() async throws {
        guard let text = try? String(contentsOfFile: secretFile, encoding: .utf8),
              let secret = Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)), secret.count == 32 else {
            throw ValidationError("--secret-file \(secretFile): expected 64 hex digits")
        }
        let store = try PersonStore(path: database, benchPersons: benchPersons)
        let faults = FaultSwitches(initial: .init(mode: mode, latencyMilliseconds: latencyMilliseconds), controlFile: control)
        let nonces = NonceCache()
        let registration = (gate: gate, venue: venue)

        let router = Router()
        router.get(RouterPath(PlatformContract.healthPath)) { _, _ -> Response in
            let current = faults.current()
            try await current.delay()
            switch current.mode {
            case .normal: return json(.ok, #"{"status":"ok"}"#)
            case .malformed: return json(.ok, #"{"status": "#)
            case .error5xx, .down: return json(.serviceUnavailable, #"{"error":"unavailable"}"#)
            case .hang: try await Task.sleep(for: .seconds(120)); return json(.serviceUnavailable, #"{"error":"unavailable"}"#)
            }
        }
        router.post(RouterPath(PlatformContract.verifyPath)) { request, _ -> Response in
            if let faulty = try await faults.current().lookupResponse() { return faulty }
            let body = try await request.body.collect(upTo: 64 * 1024)
            guard let verify = try? JSONDecoder().decode(PlatformContract.VerifyRequest.self, from: Data(body.readableBytesView)),
                  verify.nonce.count == 32 else {
                return error(.badRequest, .badRequest)
            }
            guard PlatformContract.signatureMatches(verify.signature, canonical: verify.canonicalParameters, secret: secret),
                  verify.gateID == registration.gate else {
                return error(.unauthorized, .badSignature)
            }
            let now = Int(Date().timeIntervalSince1970)
            guard abs(verify.timestamp - now) <= PlatformContract.clockSkewSeconds else { return error(.unauthorized, .staleRequest) }
            guard nonces.insert(verify.nonce, now: now) else { return error(.unauthorized, .nonceReused) }
            guard verify.venueCode == registration.venue else { return error(.forbidden, .unknownVenue) }
            guard let person = try store.person(token: verify.token) else { return error(.notFound, .unknownToken) }
            let answer = PersonStore.answer(for: person, now: now)
            return json(.ok, String(decoding: try JSONEncoder().encode(answer), as: UTF8.self))
        }
        router.post(RouterPath(PlatformContract.lookupPath)) { request, _ -> Response in
            if let faulty = try await faults.current().lookupResponse() { return faulty }
            let body = try await request.body.collect(upTo: 64 * 1024)
            guard let lookup = try? JSONDecoder().decode(PlatformContract.LookupRequest.self, from: Data(body.readableBytesView)),
                  lookup.nonce.count == 32 else {
                return error(.badRequest, .badRequest)
            }
            guard PlatformContract.signatureMatches(lookup.signature, canonical: lookup.canonicalParameters, secret: secret),
                  lookup.gateID == registration.gate else {
                return error(.unauthorized, .badSignature)
            }
            let now = Int(Date().timeIntervalSince1970)
            guard abs(lookup.timestamp - now) <= PlatformContract.clockSkewSeconds else { return error(.unauthorized, .staleRequest) }
            guard nonces.insert(lookup.nonce, now: now) else { return error(.unauthorized, .nonceReused) }
            guard lookup.venueCode == registration.venue else { return error(.forbidden, .unknownVenue) }
            guard let person = try store.person(idNumber: lookup.idNumber, name: lookup.name) else { return error(.notFound, .unknownToken) }
            return json(.ok, String(decoding: try JSONEncoder().encode(PersonStore.answer(for: person, now: now)), as: UTF8.self))
        }

        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "healthgate-platform-sim"),
            onServerRunning: { channel in
                printLine("listening on 127.0.0.1:\(channel.localAddress?.port ?? 0)")
            })
        try await app.runService()
    }
}

enum FaultMode: String, ExpressibleByArgument, Codable, Sendable {
    case normal
    /// 500 on every lookup, 503 on the health probe.
    case error5xx = "error_5xx"
    /// Accept the connection and never answer (within two minutes): the gate's budget runs out.
    case hang
    /// 200 with a body that is not the contract, on the health probe too (a platform up but broken).
    case malformed
    /// 503 on everything: the platform overloaded.
    case down
}

/// The fault switches, from the command line and then the control file whenever its modification time changes.
final class FaultSwitches: Sendable {
    struct Current: Codable, Sendable {
        var mode: FaultMode
        var latencyMilliseconds: Int
        enum CodingKeys: String, CodingKey { case mode, latencyMilliseconds = "latency_ms" }
        func delay() async throws {
            if latencyMilliseconds > 0 { try await Task.sleep(for: .milliseconds(latencyMilliseconds)) }
        }

        /// What a lookup gets under this fault, after the latency; nil: the real answer.
        func lookupResponse() async throws -> Response? {
            try await delay()
            switch mode {
            case .normal: return nil
            case .error5xx: return json(.internalServerError, #"{"error":"unavailable"}"#)
            case .down: return json(.serviceUnavailable, #"{"error":"unavailable"}"#)
            case .hang:
                try await Task.sleep(for: .seconds(120))
                return json(.serviceUnavailable, #"{"error":"unavailable"}"#)
            case .malformed: return json(.ok, #"{"colour": "green", "subject": 42, "valid_until": "#)
            }
        }
    }
    private let controlFile: String?
    private let state: Mutex<(current: Current, modified: Int)>

    init(initial: Current, controlFile: String?) {
        self.controlFile = controlFile
        state = Mutex((initial, 0))
    }

    func current() -> Current {
        state.withLock { state in
            var info = stat()
            guard let controlFile, stat(controlFile, &info) == 0 else { return state.current }
            let modified = info.st_mtim.tv_sec * 1_000_000_000 + info.st_mtim.tv_nsec
            if modified != state.modified, let data = FileManager.default.contents(atPath: controlFile) {
                state.modified = modified
                if let parsed = try? JSONDecoder().decode(Current.self, from: data) {
                    state.current = parsed
                    printLine("faults: mode \(parsed.mode.rawValue), latency \(parsed.latencyMilliseconds) ms")
                } else {
                    printLine("faults: \(controlFile) is not {\"mode\": …, \"latency_ms\": …}; keeping mode \(state.current.mode.rawValue)")
                }
            }
            return state.current
        }
    }
}

/// Nonces seen within the clock-skew window: a replayed request is refused.
final class NonceCache: Sendable {
    private let seen = Mutex([String: Int]())
    func insert(_ nonce: String, now: Int) -> Bool {
        seen.withLock { seen in
            if seen.count > 10_000 { seen = seen.filter { now - $0.value <= PlatformContract.clockSkewSeconds } }
            guard seen[nonce] == nil else { return false }
            seen[nonce] = now
            return true
        }
    }
}

func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
}

func error(_ status: HTTPResponse.Status, _ code: PlatformContract.ErrorCode) -> Response {
    json(status, #"{"error":"\#(code.rawValue)"}"#)
}

/// One line to stdout at once (tests and the demo wait for "listening on").
func printLine(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}
