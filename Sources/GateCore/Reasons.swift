/// Machine-readable reasons attached to a refusal (or to an admission that carries a prompt).
/// The raw values are stable: they are stored in the entry log, printed by gatectl and
/// documented in docs/decisions.md. Add new cases at the end; never rename one.
public enum Reason: String, Sendable, Codable, CaseIterable, Hashable {
    // The code's colour.
    case redCode = "red_code"
    case yellowCode = "yellow_code"
    // Verification of the code itself.
    case expired
    case notYetValid = "not_yet_valid"
    case badSignature = "bad_signature"
    case unknownIssuer = "unknown_issuer"
    case keyUsage = "key_usage"            // HC1 signer not allowed to sign this certificate type
    case replayed
    case unreadable                        // a QR was seen but its payload is malformed
    case unsupportedFormat = "unsupported_format"
    case clockUnsynced = "clock_unsynced"
    // Measurement.
    case fever
    case noReading = "no_reading"          // thermometer saw no person (reading out of valid range)
    case sensorFault = "sensor_fault"
    case cameraFault = "camera_fault"
    case logFault = "log_fault"            // the entry could not be committed to the log
    // Venue rules (issue 6).
    case natMissing = "nat_missing"
    case natExpired = "nat_expired"
    case natPositive = "nat_positive"
    case notVaccinated = "not_vaccinated"
    case vaccinationPrompt = "vaccination_prompt"   // admitted, but the visitor is told to vaccinate
    case capacityFull = "capacity_full"
    /// The gate's outputs (relay, lamps) cannot be driven: nobody is admitted through a relay that may not move.
    case gpioFault = "gpio_fault"
    /// The code is authentic but a revocation list names it (its signature, UCI, fingerprint or subject; docs/codes.md).
    case revoked
    /// The signed bundle the gate holds is older than `codes.max_bundle_age_h` and `codes.stale_bundle` is `refuse`.
    case staleBundle = "stale_bundle"
    /// A platform token (or ID card) could not be checked online: no answer within `platform.budget_ms`, connection
    /// refused, a 5xx or a malformed answer; `platform.on_unavailable` decided (docs/platform-api.md).
    case platformUnavailable = "platform_unavailable"
    /// Admitted under `on_unavailable = "register_and_admit"` without an online check: recorded for later checking.
    case unverified
    /// The platform does not know this token (never issued, or withdrawn).
    case unknownToken = "unknown_token"
}

/// Colour of a health code as the issuing platform assigned it.
public enum CodeColour: String, Sendable, Codable, CaseIterable {
    case green, yellow, red
}

/// The wire format a payload was read as.
public enum CodeFormat: String, Sendable, Codable, CaseIterable {
    case hg1 = "HG1"       // the project's own signed colour code (docs/codes.md)
    case hc1 = "HC1"       // EU Digital COVID Certificate
    case platform          // a token the province's platform answers for (docs/platform-api.md)
    case idCard = "id_card"  // a resident ID card on the serial reader, looked up on the platform (docs/id-card.md)
    case unknown
}
