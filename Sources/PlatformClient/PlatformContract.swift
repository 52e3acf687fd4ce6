import Crypto
import GateCore

/// The wire contract of docs/platform-api.md, shared by the gate's client and the reference platform so the
/// two cannot drift apart. Times are Unix seconds (integers); names are snake_case on the wire.
public enum PlatformContract {
    public static let verifyPath = "/v1/codes/verify"
    public static let healthPath = "/v1/health"
    public static let lookupPath = "/v1/persons/lookup"
    /// Requests older or newer than this are refused `stale_request` (the nonce cache covers this window).
    public static let clockSkewSeconds = 300

    /// POST `verifyPath`. Every field but `signature` is signed.
    public struct VerifyRequest: Codable, Sendable, Equatable {
        public var gateID: String
        public var venueCode: String
        public var token: String
        public var timestamp: Int
        /// 16 random bytes as hex: the platform refuses a nonce it has seen within `clockSkewSeconds`.
        public var nonce: String
        public var signature: String

        enum CodingKeys: String, CodingKey {
            case gateID = "gate_id", venueCode = "venue_code", token, timestamp, nonce, signature
        }

        public init(gateID: String, venueCode: String, token: String, timestamp: Int, nonce: String, secret: [UInt8]) {
            self.gateID = gateID
            self.venueCode = venueCode
            self.token = token
            self.timestamp = timestamp
            self.nonce = nonce
            signature = ""
            signature = PlatformContract.sign(canonicalParameters, secret: secret)
        }

        /// `key=value` pairs sorted by key and joined with `&`, values as UTF-8 without escaping: what is signed.
        public var canonicalParameters: String {
            PlatformContract.canonical(["gate_id": gateID, "venue_code": venueCode, "token": token,
                                        "timestamp": String(timestamp), "nonce": nonce])
        }
    }

    /// POST `lookupPath`: a person without a phone, by the resident ID card the gate read. Answered like a token.
    /// The raw number travels only here, over TLS, to the platform that issued the person's code.
    public struct LookupRequest: Codable, Sendable, Equatable {
        public var gateID: String
        public var venueCode: String
        public var idNumber: String
        public var name: String
        public var timestamp: Int
        public var nonce: String
        public var signature: String

        enum CodingKeys: String, CodingKey {
            case gateID = "gate_id", venueCode = "venue_code", idNumber = "id_number", name, timestamp, nonce, signature
        }

        public init(gateID: String, venueCode: String, idNumber: String, name: String, timestamp: Int, nonce: String, secret: [UInt8]) {
            self.gateID = gateID
            self.venueCode = venueCode
            self.idNumber = idNumber
            self.name = name
            self.timestamp = timestamp
            self.nonce = nonce
            signature = ""
            signature = PlatformContract.sign(canonicalParameters, secret: secret)
        }

        public var canonicalParameters: String {
            PlatformContract.canonical(["gate_id": gateID, "venue_code": venueCode, "id_number": idNumber, "name": name,
                                        "timestamp": String(timestamp), "nonce": nonce])
        }

        /// Never the raw number in a description (a debug print, an error message).
        public var redacted: String { "LookupRequest(gate \(gateID), venue \(venueCode))" }
    }

    /// 200: the platform's answer for a token.
    public struct VerifyAnswer: Codable, Sendable, Equatable {
        public struct NucleicAcid: Codable, Sendable, Equatable {
            public var sampledAt: Int
            public var result: String
            enum CodingKeys: String, CodingKey { case sampledAt = "sampled_at", result }
            public init(sampledAt: Int, result: String) {
                self.sampledAt = sampledAt
                self.result = result
            }
        }
        public struct Vaccination: Codable, Sendable, Equatable {
            public var doses: Int
            public var lastDoseAt: Int?
            enum CodingKeys: String, CodingKey { case doses, lastDoseAt = "last_dose_at" }
            public init(doses: Int, lastDoseAt: Int?) {
                self.doses = doses
                self.lastDoseAt = lastDoseAt
            }
        }
        public var colour: String
        /// GB/T 2260 code of the issuing region.
        public var issuer: String
        /// Pseudonymous, stable per person (the platform's own keyed digest, never the ID number).
        public var subject: String
        public var maskedName: String?
        public var maskedID: String?
        public var nucleicAcid: NucleicAcid?
        public var vaccination: Vaccination?
        /// The answer (and the token's colour) holds until then: the gate caches it that long.
        public var validUntil: Int

        enum CodingKeys: String, CodingKey {
            case colour, issuer, subject, maskedName = "masked_name", maskedID = "masked_id"
            case nucleicAcid = "nucleic_acid", vaccination, validUntil = "valid_until"
        }

        public init(colour: String, issuer: String, subject: String, maskedName: String?, maskedID: String?,
                    nucleicAcid: NucleicAcid?, vaccination: Vaccination?, validUntil: Int) {
            self.colour = colour
            self.issuer = issuer
            self.subject = subject
            self.maskedName = maskedName
            self.maskedID = maskedID
            self.nucleicAcid = nucleicAcid
            self.vaccination = vaccination
            self.validUntil = validUntil
        }
    }

    /// 4xx and 5xx bodies: `{"error": "…"}`.
    public struct ErrorAnswer: Codable, Sendable, Equatable {
        public var error: String
        public init(error: String) { self.error = error }
    }

    /// The error codes of the contract and what the gate makes of each.
    public enum ErrorCode: String, Sendable, CaseIterable {
        /// 404: never issued or withdrawn (or, for an ID card, no such person) — refused `unknown_token`.
        case unknownToken = "unknown_token"
        /// 410: the token's own validity is over — refused `expired`.
        case tokenExpired = "token_expired"
        /// 401: the signature does not verify (wrong or rotated secret) — the gate's problem: platform unavailable.
        case badSignature = "bad_signature"
        /// 401: `timestamp` outside ±`clockSkewSeconds` (the gate's clock is wrong).
        case staleRequest = "stale_request"
        /// 401: the nonce was seen before (a replayed request).
        case nonceReused = "nonce_reused"
        /// 403: the venue code is not registered, or not for this gate.
        case unknownVenue = "unknown_venue"
        /// 400: a field is missing or malformed.
        case badRequest = "bad_request"
        /// 503: the platform is overloaded or down.
        case unavailable
    }

    public static func canonical(_ parameters: [String: String]) -> String {
        parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
    }

    /// HMAC-SHA256 of the canonical parameters with the gate's secret, lowercase hex.
    public static func sign(_ canonical: String, secret: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(canonical.utf8), using: SymmetricKey(data: secret))
        return Hex.encode(Array(mac))
    }

    /// Constant-time comparison of a received signature with the expected one.
    public static func signatureMatches(_ signature: String, canonical: String, secret: [UInt8]) -> Bool {
        guard let received = Hex.decode(signature) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(received, authenticating: Array(canonical.utf8), using: SymmetricKey(data: secret))
    }
}
