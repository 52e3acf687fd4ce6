import AsyncHTTPClient
import Crypto
import GateCore
import NIOCore
import NIOSSL
import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The gate's side of docs/platform-api.md: recognises platform tokens, asks the platform with a signed request
/// inside the time budget (one retry inside it), caches answers for their validity, and probes an unavailable
/// platform until it answers. It never blocks the caller: `lookup` starts a task and returns at once; answers
/// come back as controller events through `takeEvents()`, which the frame loop drains every turn.
public final class PlatformClient: Sendable {
    public struct Settings: Sendable, Equatable {
        public var baseURL: String
        public var gateID: String
        public var venueCode: String
        public var tokenPrefixes: [String]
        public var budgetMilliseconds: Int
        public var probeIntervalSeconds: Int
        /// PEM file of extra CA certificates; nil = the system's roots.
        public var caFile: String?
        public init(baseURL: String, gateID: String, venueCode: String, tokenPrefixes: [String], budgetMilliseconds: Int,
                    probeIntervalSeconds: Int, caFile: String?) {
            self.baseURL = baseURL
            self.gateID = gateID
            self.venueCode = venueCode
            self.tokenPrefixes = tokenPrefixes
            self.budgetMilliseconds = budgetMilliseconds
            self.probeIntervalSeconds = probeIntervalSeconds
            self.caFile = caFile
        }
    }

    /// Why one HTTP exchange did not give an answer the gate can use.
    enum Failure: Error {
        /// Worth the retry: connection refused or reset, timeout, 5xx, a body that is not the contract.
        case transient(String)
        /// The platform refused the gate itself (signature, clock, venue): a retry would be refused the same way.
        case refused(String)
    }

    private struct State {
        var events: [GateEvent] = []
        var cache: [String: (verdict: CodeVerdict, validUntil: EpochSeconds)] = [:]
        var available = true
        var probing = false
        var nextProbe: Double = 0
    }

    public let settings: Settings
    private let secret: [UInt8]
    /// The deployment's subject key: an ID card's number is known to the log only as HMAC under it.
    private let pseudonymKey: SymmetricKey
    private let http: HTTPClient
    private let state = Mutex(State())
    /// Bounds the cache: a gate sees a few thousand people a day; past this, expired entries go first, then all.
    private static let cacheLimit = 4096

    public init(settings: Settings, secret: [UInt8], pseudonymKey: [UInt8]) throws {
        self.settings = settings
        self.secret = secret
        self.pseudonymKey = SymmetricKey(data: pseudonymKey)
        var configuration = HTTPClient.Configuration()
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile {
            // Added to the system roots (a private CA), never replacing verification.
            tls.additionalTrustRoots = [.file(caFile)]
        }
        configuration.tlsConfiguration = tls
        // Redirects would send a signed request somewhere the configuration never named.
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .milliseconds(Int64(settings.budgetMilliseconds)))
        // A refused connection fails now: the client's own retry (once, inside the budget) is the only one, so a
        // platform that is down costs a visitor milliseconds, not the whole budget.
        configuration.connectionPool.retryConnectionEstablishment = false
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    deinit { try? http.syncShutdown() }

    /// Whether this payload is a platform token (one of `token_prefixes`).
    public func recognises(_ payload: [UInt8]) -> Bool {
        settings.tokenPrefixes.contains { payload.starts(with: Array($0.utf8)) }
    }

    /// nil: not a platform token (the offline verifier's). Else `.codePresented` from the cache, or
    /// `.verificationPending` with the lookup started in the background.
    public func lookup(payload: [UInt8], clock: ClockReading) -> GateEvent? {
        guard recognises(payload), let token = String(validating: payload, as: UTF8.self) else { return nil }
        let fingerprint = Hex.encode(SHA256.hash(data: payload))
        let cached: CodeVerdict? = state.withLock { state in
            guard let entry = state.cache[fingerprint] else { return nil }
            if entry.validUntil > clock.now { return entry.verdict }
            state.cache[fingerprint] = nil
            return nil
        }
        if let cached { return .codePresented(cached) }
        let pending = CodeVerdict(format: .platform, credential: nil, reasons: [], keyID: nil, detail: "", fingerprint: fingerprint)
        let wallStart = clock.now
        Task { [self] in
            let event = await ask(fingerprint: fingerprint, format: .platform, wallStart: wallStart) { now in
                let body = PlatformContract.VerifyRequest(gateID: settings.gateID, venueCode: settings.venueCode, token: token,
                                                          timestamp: Int(now), nonce: Self.nonce(), secret: secret)
                return (PlatformContract.verifyPath, try JSONEncoder().encode(body))
            }
            state.withLock { $0.events.append(contentsOf: event) }
        }
        return .verificationPending(pending)
    }

    /// The presentation handle of an ID card: `IDC:` and the keyed pseudonym of its number. The controller sees
    /// only this (as the payload it filters presentations on); the log keeps it as fingerprint and subject.
    public func presentationHandle(for card: IDCard) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(card.number.uppercased().utf8), using: pseudonymKey)
        return "IDC:" + Hex.encode(Array(mac).prefix(16))
    }

    /// Looks the card's holder up on the platform: always `.verificationPending` (ID answers are not cached: the
    /// card is shown once, and a cache would hold raw numbers). The pending verdict carries the masked name and
    /// number and the pseudonym, for a `register_and_admit` row.
    public func lookup(card: IDCard, clock: ClockReading) -> GateEvent {
        let handle = presentationHandle(for: card)
        let subject = String(handle.dropFirst(4))
        var pending = CodeVerdict(format: .idCard, credential: nil, reasons: [], keyID: nil, detail: "", fingerprint: subject)
        pending.registration = .init(maskedName: card.maskedName, maskedIDNumber: card.maskedNumber, subjectID: subject)
        let wallStart = clock.now
        Task { [self] in
            let event = await ask(fingerprint: subject, format: .idCard, wallStart: wallStart) { now in
                let nonce = Self.nonce()
                let body = PlatformContract.LookupRequest(gateID: settings.gateID, venueCode: settings.venueCode, idNumber: card.number,
                                                          name: card.name, timestamp: Int(now), nonce: nonce, secret: secret)
                return (PlatformContract.lookupPath, try JSONEncoder().encode(body))
            }
            state.withLock { $0.events.append(contentsOf: event) }
        }
        return .verificationPending(pending)
    }

    /// The events that arrived since the last call (answers, availability changes), in order.
    public func takeEvents() -> [GateEvent] {
        state.withLock { state in
            guard !state.events.isEmpty else { return [] }
            defer { state.events.removeAll(keepingCapacity: true) }
            return state.events
        }
    }

    /// Called every loop turn: while the platform is unavailable, a health probe every `probe_interval_s`.
    public func tick(monotonic: Double) {
        let due: Bool = state.withLock { state in
            guard !state.available, !state.probing, monotonic >= state.nextProbe else { return false }
            state.probing = true
            state.nextProbe = monotonic + Double(settings.probeIntervalSeconds)
            return true
        }
        guard due else { return }
        Task { [self] in
            let answered = await probe()
            state.withLock { state in
                state.probing = false
                if answered && !state.available {
                    state.available = true
                    state.events.append(.platformAvailable)
                }
            }
        }
    }

    public func shutdown() {
        try? http.syncShutdown()
    }

    // MARK: - The exchange

    private static func nonce() -> String {
        var nonce = [UInt8](repeating: 0, count: 16)
        for index in nonce.indices { nonce[index] = UInt8.random(in: 0...255) }
        return Hex.encode(nonce)
    }

    /// One verification inside the budget: `request` builds a freshly signed body (a new nonce and time) per try.
    private func ask(fingerprint: String, format: CodeFormat, wallStart: EpochSeconds,
                     request: @Sendable (EpochSeconds) throws -> (path: String, body: Data)) async -> [GateEvent] {
        let started = NIODeadline.now()
        let deadline = started + .milliseconds(Int64(settings.budgetMilliseconds))
        var lastProblem = ""
        for attempt in 0..<2 {
            // One retry, only when enough of the budget is left for it to have a chance.
            if attempt == 1 && deadline - NIODeadline.now() < .milliseconds(100) { break }
            let elapsed = Double((NIODeadline.now() - started).nanoseconds) / 1e9
            do {
                let (path, body) = try request(wallStart + elapsed)
                let answer = try await exchange(path: path, body: body, deadline: deadline)
                return markAvailable() + [.platformAnswered(verdict(answer, fingerprint: fingerprint, format: format, now: wallStart + elapsed))]
            } catch Failure.refused(let code) {
                if let verdict = visitorRefusal(code, fingerprint: fingerprint, format: format) { return markAvailable() + [.platformAnswered(verdict)] }
                lastProblem = "platform refused the gate's request: \(code) (check platform.secret_file, the clock, platform.venue_code)"
                break
            } catch Failure.transient(let problem) {
                lastProblem = problem
            } catch {
                lastProblem = "\(error)"
            }
        }
        state.withLock {
            $0.available = false
            $0.nextProbe = 0
        }
        return [.platformUnavailable(fingerprint: fingerprint, reason: lastProblem)]
    }

    private func markAvailable() -> [GateEvent] {
        state.withLock { state in
            let was = state.available
            state.available = true
            return was ? [] : [.platformAvailable]
        }
    }

    /// An error code that is about the token, not the gate: the visitor is refused, the platform is fine.
    private func visitorRefusal(_ code: String, fingerprint: String, format: CodeFormat) -> CodeVerdict? {
        let reason: Reason
        switch PlatformContract.ErrorCode(rawValue: code) {
        case .unknownToken: reason = .unknownToken
        case .tokenExpired: reason = .expired
        default: return nil
        }
        return CodeVerdict(format: format, credential: nil, reasons: [reason], keyID: nil,
                           detail: "platform: \(code)", fingerprint: fingerprint)
    }

    private func exchange(path: String, body: Data, deadline: NIODeadline) async throws -> PlatformContract.VerifyAnswer {
        var request = HTTPClientRequest(url: settings.baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await http.execute(request, deadline: deadline)
            bytes = try await response.body.collect(upTo: 64 * 1024)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw Failure.transient("no answer within \(settings.budgetMilliseconds) ms")
        } catch {
            throw Failure.transient("\(Self.describe(error))")
        }
        let data = Data(bytes.readableBytesView)
        switch response.status.code {
        case 200:
            guard let answer = try? JSONDecoder().decode(PlatformContract.VerifyAnswer.self, from: data) else {
                throw Failure.transient("malformed answer (HTTP 200, \(data.count) bytes)")
            }
            return answer
        case 500...599:
            throw Failure.transient("HTTP \(response.status.code)")
        default:
            let code = (try? JSONDecoder().decode(PlatformContract.ErrorAnswer.self, from: data))?.error ?? "HTTP \(response.status.code)"
            throw Failure.refused(code)
        }
    }

    private func probe() async -> Bool {
        let request = HTTPClientRequest(url: settings.baseURL + PlatformContract.healthPath)
        guard let response = try? await http.execute(request, timeout: .milliseconds(Int64(settings.budgetMilliseconds))) else { return false }
        // A 200 counts only with the contract's body: a platform answering garbage is not back.
        guard response.status.code == 200, let body = try? await response.body.collect(upTo: 4096),
              let health = try? JSONDecoder().decode([String: String].self, from: Data(body.readableBytesView)) else { return false }
        return health["status"] == "ok"
    }

    /// The answer as the verifier's verdict. Personal fields are checked to be masked: an unmasked ID number
    /// from a platform must never reach the entry log.
    func verdict(_ answer: PlatformContract.VerifyAnswer, fingerprint: String, format: CodeFormat = .platform,
                 now: EpochSeconds) -> CodeVerdict {
        func refused(_ detail: String) -> CodeVerdict {
            CodeVerdict(format: format, credential: nil, reasons: [.unreadable], keyID: nil, detail: "platform: \(detail)", fingerprint: fingerprint)
        }
        guard let colour = CodeColour(rawValue: answer.colour) else { return refused("unknown colour") }
        guard !answer.subject.isEmpty, answer.subject.count <= 128 else { return refused("no subject") }
        let nucleicAcid = answer.nucleicAcid.flatMap { test in
            NucleicAcidResult(rawValue: test.result).map { NucleicAcidTest(sampledAt: Double(test.sampledAt), result: $0) }
        }
        if answer.nucleicAcid != nil && nucleicAcid == nil { return refused("unknown nucleic-acid result") }
        let credential = HealthCredential(
            format: format, issuer: answer.issuer, keyID: "", issuedAt: nil, expiresAt: Double(answer.validUntil),
            colour: colour, subjectID: answer.subject,
            maskedName: answer.maskedName.flatMap(Self.masked), maskedIDNumber: answer.maskedID.flatMap(Self.masked),
            nucleicAcidTest: nucleicAcid,
            vaccination: answer.vaccination.map { Vaccination(doses: $0.doses, lastDoseAt: $0.lastDoseAt.map(Double.init)) })
        let reasons: [Reason] = Double(answer.validUntil) <= now ? [.expired] : []
        let verdict = CodeVerdict(format: format, credential: credential, reasons: reasons, keyID: nil,
                                  detail: reasons.isEmpty ? "" : "platform: answer no longer valid", fingerprint: fingerprint)
        if reasons.isEmpty && format == .platform { remember(verdict, fingerprint: fingerprint, validUntil: Double(answer.validUntil), now: now) }
        return verdict
    }

    /// A masked field has its middle hidden; one that is not masked is dropped rather than stored.
    static func masked(_ text: String) -> String? {
        text.contains("*") && text.count <= 64 ? text : nil
    }

    private func remember(_ verdict: CodeVerdict, fingerprint: String, validUntil: EpochSeconds, now: EpochSeconds) {
        state.withLock { state in
            if state.cache.count >= Self.cacheLimit {
                state.cache = state.cache.filter { $0.value.validUntil > now }
                if state.cache.count >= Self.cacheLimit { state.cache.removeAll() }
            }
            state.cache[fingerprint] = (verdict, validUntil)
        }
    }

    /// Connection errors as short text, without the request (it carries the token).
    private static func describe(_ error: Error) -> String {
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        if text.contains("remoteConnectionClosed") { return "connection closed by the platform" }
        return String(text.prefix(120))
    }
}
