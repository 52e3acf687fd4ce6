import Glibc
import GateCore

/// Prometheus text exposition format 0.0.4, just what node_exporter's textfile collector reads:
/// `# HELP` and `# TYPE` once per family, then its samples. Pure string building.
struct PrometheusTextBuilder {
    private(set) var text = ""

    mutating func family(_ name: String, _ type: String, _ help: String) {
        text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ value: String, labels: [(name: String, value: String)] = []) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.name)=\"\(Self.escapeLabel($0.value))\"" }.joined(separator: ",") + "}"
        }
        text += " \(value)\n"
    }

    mutating func histogram(_ name: String, _ help: String, _ histogram: LatencyHistogram) {
        family(name, "histogram", help)
        for (bound, count) in zip(histogram.upperBounds.map(Self.format) + ["+Inf"], histogram.cumulativeCounts) {
            sample(name + "_bucket", String(count), labels: [("le", bound)])
        }
        sample(name + "_sum", Self.format(histogram.sum))
        sample(name + "_count", String(histogram.count))
    }

    /// Label values escape backslash, double quote and newline.
    static func escapeLabel(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    /// HELP text escapes backslash and newline (quotes stay as they are).
    static func escapeHelp(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    /// Go's float syntax, which Prometheus parses: `+Inf`, `-Inf`, `NaN`, else Swift's shortest round-trip form.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return value.description
    }
}

extension GateMetrics {
    /// The whole metrics file. Families always appear in the same order; a gauge with no value yet
    /// (no temperature taken, no key with an expiry, no occupancy limit) is left out rather than faked.
    public func prometheusText() -> String {
        typealias B = PrometheusTextBuilder
        var out = PrometheusTextBuilder()
        out.family("healthgate_info", "gauge", "Gate identity and software version; always 1.")
        out.sample("healthgate_info", "1", labels: [("gate", gateID), ("version", version)])
        out.family("healthgate_start_time_seconds", "gauge", "When the daemon started, in Unix seconds.")
        out.sample("healthgate_start_time_seconds", B.format(startedAt))

        out.family("healthgate_admissions_total", "counter", "Visitors admitted after a code check.")
        out.sample("healthgate_admissions_total", String(admissions))
        out.family("healthgate_overrides_total", "counter", "Gate openings by staff override, without a code check.")
        out.sample("healthgate_overrides_total", String(overrides))
        out.family("healthgate_refusals_total", "counter", "Attempts refused.")
        out.sample("healthgate_refusals_total", String(refusals))
        out.family("healthgate_refusal_reasons_total", "counter",
                   "Refused attempts by reason; an attempt with several reasons counts under each.")
        for reason in Reason.allCases {
            out.sample("healthgate_refusal_reasons_total", String(refusalReasons[reason] ?? 0), labels: [("reason", reason.rawValue)])
        }

        let devices = Set(Self.knownDevices).union(faultsEntered.keys).union(devicesInFault).sorted()
        out.family("healthgate_device_fault", "gauge", "1 while the device is in fault, else 0.")
        for device in devices {
            out.sample("healthgate_device_fault", devicesInFault.contains(device) ? "1" : "0", labels: [("device", device)])
        }
        out.family("healthgate_device_faults_total", "counter", "Times the device went into fault.")
        for device in devices {
            out.sample("healthgate_device_faults_total", String(faultsEntered[device] ?? 0), labels: [("device", device)])
        }

        out.family("healthgate_frames_total", "counter", "Camera frames run through the QR scanner.")
        out.sample("healthgate_frames_total", String(framesProcessed))
        out.histogram("healthgate_decode_duration_seconds", "Time to scan one frame for QR codes.", decodeLatency)
        out.histogram("healthgate_decision_duration_seconds", "Time from a code being seen to the gate's decision.",
                      decisionLatency)

        if let lastTemperatureCelsius {
            out.family("healthgate_temperature_celsius", "gauge", "Last body temperature measured.")
            out.sample("healthgate_temperature_celsius", B.format(lastTemperatureCelsius))
        }
        out.family("healthgate_occupancy", "gauge", "People inside by the gate's count.")
        out.sample("healthgate_occupancy", String(occupancy))
        if let occupancyLimit {
            out.family("healthgate_occupancy_limit", "gauge", "Occupancy at which the gate refuses with capacity_full.")
            out.sample("healthgate_occupancy_limit", String(occupancyLimit))
        }
        out.family("healthgate_clock_synchronised", "gauge", "1 when the kernel reports the system clock synchronised.")
        out.sample("healthgate_clock_synchronised", clockSynchronised ? "1" : "0")
        out.family("healthgate_fire_alarm", "gauge", "1 while the fire-alarm input holds the gate open.")
        out.sample("healthgate_fire_alarm", fireAlarm ? "1" : "0")
        out.family("healthgate_trust_keys", "gauge", "Issuer keys in the trust store.")
        out.sample("healthgate_trust_keys", String(trustKeyCount))
        if let nearestKeyExpiry {
            out.family("healthgate_trust_key_next_expiry_timestamp_seconds", "gauge",
                       "Earliest expiry among the trust store's keys, in Unix seconds.")
            out.sample("healthgate_trust_key_next_expiry_timestamp_seconds", B.format(nearestKeyExpiry))
        }
        if let bundle {
            out.family("healthgate_bundle_stale", "gauge", "1 while the county bundle is older than codes.max_bundle_age_h or none was applied.")
            out.sample("healthgate_bundle_stale", bundle.stale ? "1" : "0")
            if let version = bundle.version, let createdAt = bundle.createdAt {
                out.family("healthgate_bundle_version", "gauge", "Version of the applied county bundle.")
                out.sample("healthgate_bundle_version", String(version))
                out.family("healthgate_bundle_created_timestamp_seconds", "gauge", "Creation time of the applied county bundle, in Unix seconds.")
                out.sample("healthgate_bundle_created_timestamp_seconds", B.format(createdAt))
            }
        }
        if let platform {
            out.family("healthgate_platform_available", "gauge",
                       "1 while the health-code platform answers, 0 while platform.on_unavailable decides.")
            out.sample("healthgate_platform_available", platform.available ? "1" : "0", labels: [("policy", platform.policy)])
        }
        return out.text
    }
}
