/// One rule's outcome, kept so every decision can explain itself (`gatectl log` prints them).
public struct RuleResult: Sendable, Equatable {
    public enum Outcome: String, Sendable { case pass, fail, skip }
    public var rule: String
    public var outcome: Outcome
    public var reason: Reason?

    public init(_ rule: String, _ outcome: Outcome, _ reason: Reason? = nil) {
        self.rule = rule
        self.outcome = outcome
        self.reason = reason
    }
    /// `rule=outcome`, the form stored in the entry log.
    public var summary: String { "\(rule)=\(outcome.rawValue)" }
}

/// The venue rules applied to a verified (or refused) code, before any temperature is taken.
/// Pure: everything it needs is an argument, so the tests drive it with tables.
public enum CodePolicy {
    /// Evaluates every rule (even after one failed, so the explanation is complete).
    /// - Parameters:
    ///   - occupancy: people inside now.
    public static func evaluate(verdict: CodeVerdict, replayed: Bool, rules: VenueRules, occupancy: Int,
                                now: EpochSeconds) -> [RuleResult] {
        var results: [RuleResult] = []
        // The code itself: envelope, signature, issuer, validity window, clock.
        if verdict.reasons.isEmpty {
            results.append(RuleResult("code", .pass))
        } else {
            for reason in verdict.reasons { results.append(RuleResult("code", .fail, reason)) }
        }
        results.append(replayed ? RuleResult("anti_passback", .fail, .replayed) : RuleResult("anti_passback", .pass))

        guard let credential = verdict.credential else {
            // Nothing readable to apply venue rules to.
            results.append(RuleResult("colour", .skip))
            results.append(RuleResult("nucleic_acid", .skip))
            results.append(RuleResult("vaccination", .skip))
            results.append(capacityRule(rules: rules, occupancy: occupancy))
            return results
        }

        switch credential.colour {
        case .green: results.append(RuleResult("colour", .pass))
        case .yellow: results.append(RuleResult("colour", .fail, .yellowCode))
        case .red: results.append(RuleResult("colour", .fail, .redCode))
        }
        results.append(nucleicAcidRule(credential: credential, rules: rules, now: now))
        results.append(vaccinationRule(credential: credential, rules: rules))
        results.append(capacityRule(rules: rules, occupancy: occupancy))
        return results
    }

    static func nucleicAcidRule(credential: HealthCredential, rules: VenueRules, now: EpochSeconds) -> RuleResult {
        let name = "nucleic_acid"
        switch rules.nucleicAcidScope {
        case .off:
            return RuleResult(name, .skip)
        case .outsideProvince where !credential.arrivedFromOutsideProvince:
            return RuleResult(name, .skip)
        case .everyone, .outsideProvince:
            guard let test = credential.nucleicAcidTest else { return RuleResult(name, .fail, .natMissing) }
            if test.result == .positive { return RuleResult(name, .fail, .natPositive) }
            let ageHours = (now - test.sampledAt) / 3600
            // A sample time more than an hour in the future is as untrustworthy as a stale one. Written as
            // "inside the window" so a time that is not a number fails instead of passing both comparisons.
            guard ageHours >= -1 && ageHours <= Double(rules.nucleicAcidMaxAgeHours) else {
                return RuleResult(name, .fail, .natExpired)
            }
            return RuleResult(name, .pass)
        }
    }

    static func vaccinationRule(credential: HealthCredential, rules: VenueRules) -> RuleResult {
        let name = "vaccination"
        let vaccinated = credential.vaccination?.isComplete ?? false
        switch rules.vaccination {
        case .off: return RuleResult(name, .skip)
        case .prompt: return vaccinated ? RuleResult(name, .pass) : RuleResult(name, .pass, .vaccinationPrompt)
        case .require: return vaccinated ? RuleResult(name, .pass) : RuleResult(name, .fail, .notVaccinated)
        }
    }

    static func capacityRule(rules: VenueRules, occupancy: Int) -> RuleResult {
        guard let maximum = rules.maximumOccupancy else { return RuleResult("capacity", .skip) }
        return occupancy >= maximum ? RuleResult("capacity", .fail, .capacityFull) : RuleResult("capacity", .pass)
    }
}

/// What a thermometer measurement means for the visitor, after body-temperature compensation.
public enum TemperatureSample: Sendable, Equatable {
    /// Estimated body temperature in °C.
    case body(Double)
    /// Reading outside the valid range: nobody in front of the sensor, or a reflection. Re-measure.
    case noPerson(objectCelsius: Double)
    /// The thermometer failed (NACK, EIO, PEC mismatch…); the text names bus and address.
    case fault(String)
}

/// Converts a forehead (object) reading to an estimated body temperature: body = slope × object + offset.
/// Forehead skin reads below core temperature; the installer calibrates `offset` (docs/configuration.md).
public struct BodyTemperatureModel: Sendable, Equatable {
    public var slope: Double
    public var offsetCelsius: Double
    /// Estimated body temperatures outside this range mean "no person in front / re-measure".
    public var validRange: ClosedRange<Double>

    public init(slope: Double = 1.0, offsetCelsius: Double = 0.0, validRange: ClosedRange<Double> = 34.0...43.0) {
        self.slope = slope
        self.offsetCelsius = offsetCelsius
        self.validRange = validRange
    }

    public func sample(objectCelsius: Double) -> TemperatureSample {
        let body = slope * objectCelsius + offsetCelsius
        return validRange.contains(body) ? .body((body * 10).rounded() / 10) : .noPerson(objectCelsius: objectCelsius)
    }
}
