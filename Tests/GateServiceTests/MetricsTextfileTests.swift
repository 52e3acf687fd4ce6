import Foundation
import GateCore
import LinuxSystem
import Testing
@testable import GateService

@Suite struct GateMetricsTests {
    /// A busy few seconds at a gate. Durations are powers of two so sums print exactly.
    static func busyGate() -> GateMetrics {
        var metrics = GateMetrics(gateID: "north \"A\"\\1", version: "0.1.0", startedAt: 1_790_000_000)
        metrics.record(EntryRecord(time: 1_790_000_010, kind: .attempt, decision: .admitted, temperature: 36.5,
                                   occupancyAfter: 3, clockSynchronised: true))
        metrics.observeDecisionLatency(seconds: 0.25)
        metrics.record(EntryRecord(time: 1_790_000_020, kind: .attempt, decision: .refused,
                                   reasons: [.expired, .fever, .expired], temperature: 38.2, remeasuredTemperature: 38.125,
                                   clockSynchronised: true))
        metrics.observeDecisionLatency(seconds: 2)
        metrics.record(EntryRecord(time: 1_790_000_030, kind: .attempt, decision: .override, occupancyAfter: 4,
                                   clockSynchronised: true))
        metrics.record(EntryRecord(time: 1_790_000_040, kind: .event, decision: .none, event: "fault",
                                   clockSynchronised: false))
        for seconds in [0.00390625, 0.015625, 0.0009765625, 3] { metrics.recordFrame(decodeSeconds: seconds) }
        metrics.setFault(device: "camera", active: true)
        metrics.setFault(device: "camera", active: false)
        metrics.setFault(device: "camera", active: true)
        metrics.setFault(device: "thermometer", active: true)
        metrics.setFault(device: "thermometer", active: true)
        metrics.setFault(device: "scanner", active: true)
        metrics.setFault(device: "scanner", active: false)
        metrics.occupancyLimit = 120
        metrics.trustKeyCount = 3
        metrics.nearestKeyExpiry = 1_800_000_000
        return metrics
    }

    @Test func counters() {
        let metrics = Self.busyGate()
        #expect(metrics.admissions == 1)
        #expect(metrics.refusals == 1)
        #expect(metrics.overrides == 1)
        // The duplicated reason on one attempt counts once; the event row changes no decision counter.
        #expect(metrics.refusalReasons == [.expired: 1, .fever: 1])
        #expect(metrics.faultsEntered == ["camera": 2, "thermometer": 1, "scanner": 1])
        #expect(metrics.devicesInFault == ["camera", "thermometer"])
        #expect(metrics.lastTemperatureCelsius == 38.125)
        #expect(metrics.occupancy == 4)
        #expect(metrics.clockSynchronised == false)
        #expect(metrics.decisionLatency.count == 2)
    }

    @Test func rendersTheExpositionFormat() {
        // Typed explicitly: GRDB, visible through GateService, also makes string literals into SQL.
        let reasons: String = Reason.allCases.map { reason -> String in
            let count = [Reason.expired, .fever].contains(reason) ? 1 : 0
            return "healthgate_refusal_reasons_total{reason=\"\(reason.rawValue)\"} \(count)\n"
        }.joined()
        let expected = """
            # HELP healthgate_info Gate identity and software version; always 1.
            # TYPE healthgate_info gauge
            healthgate_info{gate="north \\"A\\"\\\\1",version="0.1.0"} 1
            # HELP healthgate_start_time_seconds When the daemon started, in Unix seconds.
            # TYPE healthgate_start_time_seconds gauge
            healthgate_start_time_seconds 1790000000.0
            # HELP healthgate_admissions_total Visitors admitted after a code check.
            # TYPE healthgate_admissions_total counter
            healthgate_admissions_total 1
            # HELP healthgate_overrides_total Gate openings by staff override, without a code check.
            # TYPE healthgate_overrides_total counter
            healthgate_overrides_total 1
            # HELP healthgate_refusals_total Attempts refused.
            # TYPE healthgate_refusals_total counter
            healthgate_refusals_total 1
            # HELP healthgate_refusal_reasons_total Refused attempts by reason; an attempt with several reasons counts under each.
            # TYPE healthgate_refusal_reasons_total counter
            \(reasons)# HELP healthgate_device_fault 1 while the device is in fault, else 0.
            # TYPE healthgate_device_fault gauge
            healthgate_device_fault{device="camera"} 1
            healthgate_device_fault{device="clock"} 0
            healthgate_device_fault{device="gpio"} 0
            healthgate_device_fault{device="log"} 0
            healthgate_device_fault{device="scanner"} 0
            healthgate_device_fault{device="thermometer"} 1
            healthgate_device_fault{device="trust"} 0
            # HELP healthgate_device_faults_total Times the device went into fault.
            # TYPE healthgate_device_faults_total counter
            healthgate_device_faults_total{device="camera"} 2
            healthgate_device_faults_total{device="clock"} 0
            healthgate_device_faults_total{device="gpio"} 0
            healthgate_device_faults_total{device="log"} 0
            healthgate_device_faults_total{device="scanner"} 1
            healthgate_device_faults_total{device="thermometer"} 1
            healthgate_device_faults_total{device="trust"} 0
            # HELP healthgate_frames_total Camera frames run through the QR scanner.
            # TYPE healthgate_frames_total counter
            healthgate_frames_total 4
            # HELP healthgate_decode_duration_seconds Time to scan one frame for QR codes.
            # TYPE healthgate_decode_duration_seconds histogram
            healthgate_decode_duration_seconds_bucket{le="0.001"} 1
            healthgate_decode_duration_seconds_bucket{le="0.0025"} 1
            healthgate_decode_duration_seconds_bucket{le="0.005"} 2
            healthgate_decode_duration_seconds_bucket{le="0.01"} 2
            healthgate_decode_duration_seconds_bucket{le="0.025"} 3
            healthgate_decode_duration_seconds_bucket{le="0.05"} 3
            healthgate_decode_duration_seconds_bucket{le="0.1"} 3
            healthgate_decode_duration_seconds_bucket{le="0.25"} 3
            healthgate_decode_duration_seconds_bucket{le="0.5"} 3
            healthgate_decode_duration_seconds_bucket{le="1.0"} 3
            healthgate_decode_duration_seconds_bucket{le="+Inf"} 4
            healthgate_decode_duration_seconds_sum 3.0205078125
            healthgate_decode_duration_seconds_count 4
            # HELP healthgate_decision_duration_seconds Time from a code being seen to the gate's decision.
            # TYPE healthgate_decision_duration_seconds histogram
            healthgate_decision_duration_seconds_bucket{le="0.05"} 0
            healthgate_decision_duration_seconds_bucket{le="0.1"} 0
            healthgate_decision_duration_seconds_bucket{le="0.25"} 1
            healthgate_decision_duration_seconds_bucket{le="0.5"} 1
            healthgate_decision_duration_seconds_bucket{le="1.0"} 1
            healthgate_decision_duration_seconds_bucket{le="2.5"} 2
            healthgate_decision_duration_seconds_bucket{le="5.0"} 2
            healthgate_decision_duration_seconds_bucket{le="10.0"} 2
            healthgate_decision_duration_seconds_bucket{le="+Inf"} 2
            healthgate_decision_duration_seconds_sum 2.25
            healthgate_decision_duration_seconds_count 2
            # HELP healthgate_temperature_celsius Last body temperature measured.
            # TYPE healthgate_temperature_celsius gauge
            healthgate_temperature_celsius 38.125
            # HELP healthgate_occupancy People inside by the gate's count.
            # TYPE healthgate_occupancy gauge
            healthgate_occupancy 4
            # HELP healthgate_occupancy_limit Occupancy at which the gate refuses with capacity_full.
            # TYPE healthgate_occupancy_limit gauge
            healthgate_occupancy_limit 120
            # HELP healthgate_clock_synchronised 1 when the kernel reports the system clock synchronised.
            # TYPE healthgate_clock_synchronised gauge
            healthgate_clock_synchronised 0
            # HELP healthgate_fire_alarm 1 while the fire-alarm input holds the gate open.
            # TYPE healthgate_fire_alarm gauge
            healthgate_fire_alarm 0
            # HELP healthgate_trust_keys Issuer keys in the trust store.
            # TYPE healthgate_trust_keys gauge
            healthgate_trust_keys 3
            # HELP healthgate_trust_key_next_expiry_timestamp_seconds Earliest expiry among the trust store's keys, in Unix seconds.
            # TYPE healthgate_trust_key_next_expiry_timestamp_seconds gauge
            healthgate_trust_key_next_expiry_timestamp_seconds 1800000000.0

            """
        #expect(Self.busyGate().prometheusText() == expected)
    }

    @Test func theCountyBundleIsShownWhenBundlesAreOn() {
        var metrics = GateMetrics(gateID: "g", version: "v", startedAt: 0)
        #expect(!metrics.prometheusText().contains("healthgate_bundle"), "bundles off: no bundle families")
        metrics.bundle = GateStatus.BundleStatus(version: nil, createdAt: nil, digest: nil, stale: true, policy: "refuse")
        #expect(metrics.prometheusText().contains("healthgate_bundle_stale 1\n"))
        #expect(!metrics.prometheusText().contains("healthgate_bundle_version"))
        metrics.bundle = GateStatus.BundleStatus(version: 12, createdAt: 1_790_000_000, digest: "ab", stale: false, policy: "warn")
        let text = metrics.prometheusText()
        #expect(text.contains("healthgate_bundle_stale 0\n"))
        #expect(text.contains("healthgate_bundle_version 12\n"))
        #expect(text.contains("healthgate_bundle_created_timestamp_seconds 1790000000.0\n"))
    }

    @Test func gaugesWithoutAValueAreLeftOut() {
        let text = GateMetrics(gateID: "g", version: "v", startedAt: 0).prometheusText()
        for absent in ["healthgate_temperature_celsius", "healthgate_occupancy_limit", "healthgate_trust_key_next_expiry"] {
            #expect(!text.contains(absent))
        }
        #expect(text.contains("healthgate_decode_duration_seconds_bucket{le=\"+Inf\"} 0\n"))
        #expect(text.contains("healthgate_decode_duration_seconds_sum 0.0\n"))
        #expect(text.hasSuffix("healthgate_trust_keys 0\n"))
    }

    /// Every family is announced once, before its samples, and every sample belongs to the family
    /// above it (a histogram's `_bucket`, `_sum` and `_count` included), as the text format requires.
    @Test func everySampleFollowsItsFamily() {
        var families: [String] = []
        var current: String?
        for line in Self.busyGate().prometheusText().split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let name = String(line.split(separator: " ")[2])
                #expect(!families.contains(name), "family \(name) declared twice")
                families.append(name)
                current = name
            } else if !line.hasPrefix("# HELP ") {
                let name = String(line.prefix { $0 != "{" && $0 != " " })
                guard let family = current else { Issue.record("\(name) before any TYPE line"); continue }
                #expect([family, family + "_bucket", family + "_sum", family + "_count"].contains(name),
                        "\(name) outside its family")
            }
        }
        #expect(families.count == 18)
    }

    @Test("label values escape backslash, quote and newline", arguments: [
        ("plain", "plain"),
        ("a\\b", "a\\\\b"),
        ("say \"hi\"", "say \\\"hi\\\""),
        ("two\nlines", "two\\nlines"),
        ("门禁 1", "门禁 1"),
    ])
    func labelEscaping(raw: String, escaped: String) {
        #expect(PrometheusTextBuilder.escapeLabel(raw) == escaped)
    }

    @Test("HELP text escapes backslash and newline but not quotes", arguments: [
        ("a \"b\"", "a \"b\""),
        ("c:\\d\ne", "c:\\\\d\\ne"),
    ])
    func helpEscaping(raw: String, escaped: String) {
        #expect(PrometheusTextBuilder.escapeHelp(raw) == escaped)
    }

    @Test("floats in Go syntax", arguments: [
        (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"), (Double.nan, "NaN"),
        (0.0025, "0.0025"), (36.6, "36.6"), (1, "1.0"), (1e-05, "1e-05"),
    ])
    func floatFormat(value: Double, text: String) {
        #expect(PrometheusTextBuilder.format(value) == text)
    }

    @Test func histogramEdges() {
        var histogram = LatencyHistogram(upperBounds: [0.5, 1])
        histogram.observe(.nan)
        #expect(histogram.count == 0)
        histogram.observe(-1)     // counts as 0
        histogram.observe(0.5)    // a bound is inclusive
        histogram.observe(.infinity)
        #expect(histogram.bucketCounts == [2, 0, 1])
        #expect(histogram.cumulativeCounts == [2, 2, 3])
        #expect(histogram.sum == .infinity)
    }
}

@Suite struct AtomicTextFileTests {
    /// A fresh directory under /tmp; the writer works on the real filesystem (no fake).
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("healthgate-metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        return url
    }

    @Test func replacesTheFileAtomically() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("healthgate.prom").path
        let writer = AtomicTextFile(path: path)
        try writer.write("healthgate_frames_total 1\n")

        // A reader holding the old file keeps reading the old text: the new one is a different inode,
        // not the old file truncated and rewritten under the reader's feet.
        let reader = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? reader.close() }
        try writer.write("healthgate_frames_total 2\n")

        #expect(String(decoding: try reader.readToEnd() ?? Data(), as: UTF8.self) == "healthgate_frames_total 1\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "healthgate_frames_total 2\n")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o644)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["healthgate.prom"])
    }

    /// The mode is set after open, so the process umask (the service runs with 0027) cannot narrow it.
    /// 0666 is what the test process's umask (022) would cut to 0644 if the writer relied on open(2).
    @Test func modeIsNotNarrowedByTheUmask() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("healthgate.prom").path
        try AtomicTextFile(path: path, mode: 0o666).write("x 1\n")
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o666)
    }

    @Test func temporaryFileIsHiddenFromTheCollector() {
        let writer = AtomicTextFile(path: "/var/lib/prometheus/node-exporter/healthgate.prom")
        #expect(writer.temporaryPath == "/var/lib/prometheus/node-exporter/.healthgate.prom.\(getpid()).tmp")
    }

    @Test func missingDirectoryIsReported() {
        let path = "/nonexistent-healthgate/healthgate.prom"
        let error = #expect(throws: SystemCallError.self) { try AtomicTextFile(path: path).write("x 1\n") }
        #expect(error?.call == "open")
        #expect(error?.errno == ENOENT)
    }

    @Test func failedRenameLeavesNoTemporaryFile() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // The target is a directory, so rename(2) fails after the temporary file was written.
        let target = directory.appendingPathComponent("healthgate.prom")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        let error = #expect(throws: SystemCallError.self) { try AtomicTextFile(path: target.path).write("x 1\n") }
        #expect(error?.call == "rename")
        #expect(error?.errno == EISDIR)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["healthgate.prom"])
    }
}
