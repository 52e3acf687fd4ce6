import EntryLog
import Foundation
import GateCore
import GateHardware
import GateTooling
import HealthCode
import Testing

// Issue 6 end to end: the real healthgated on the simulated board, once per venue profile, over the
// same five visitors. Codes are signed with a real issuer key and rendered as real QR frames; the
// simulated devices are the only stand-ins.

struct ProfileVisitor: Sendable {
    var name: String
    var claims: @Sendable (Double) -> HG1Claims   // given "now"
    var temperature: Double
}

@Suite(.serialized) struct VenueProfileTests {
    static let region = "330100"

    static func claims(_ subject: String, now: Double, natHoursAgo: Double?, doses: Int, outside: Bool) -> HG1Claims {
        HG1Claims(issuer: region, issuedAt: Int64(now) - 10, expiresAt: Int64(now) + 600, colour: .green,
                  subjectID: HG1Claims.subjectID(from: subject), maskedName: "李*", maskedIDNumber: "3301**********0000",
                  nucleicAcidTest: natHoursAgo.map { NucleicAcidTest(sampledAt: now - $0 * 3600, result: .negative) },
                  vaccination: Vaccination(doses: doses, seriesDoses: 2), arrivedFromOutsideProvince: outside)
    }

    /// A: everything in order. B: from outside the province, no test. C: not vaccinated.
    /// D: from outside the province, test 60 h old. E: a fever.
    static let visitors: [ProfileVisitor] = [
        ProfileVisitor(name: "A", claims: { claims("A", now: $0, natHoursAgo: 10, doses: 3, outside: false) }, temperature: 36.5),
        ProfileVisitor(name: "B", claims: { claims("B", now: $0, natHoursAgo: nil, doses: 3, outside: true) }, temperature: 36.5),
        ProfileVisitor(name: "C", claims: { claims("C", now: $0, natHoursAgo: 10, doses: 0, outside: false) }, temperature: 36.5),
        ProfileVisitor(name: "D", claims: { claims("D", now: $0, natHoursAgo: 60, doses: 3, outside: true) }, temperature: 36.5),
        ProfileVisitor(name: "E", claims: { claims("E", now: $0, natHoursAgo: 10, doses: 3, outside: false) }, temperature: 38.6),
    ]

    typealias Outcome = (EntryRecord.Decision, [Reason])
    static let admitted: Outcome = (.admitted, [])
    static let prompted: Outcome = (.admitted, [.vaccinationPrompt])
    static let fever: Outcome = (.refused, [.fever])

    static let expectations: [(VenueProfile, [Outcome])] = [
        (.station, [admitted, (.refused, [.natMissing]), prompted, (.refused, [.natExpired]), fever]),
        (.market, [admitted, admitted, prompted, admitted, fever]),
        (.hospital, [admitted, (.refused, [.natMissing]), prompted, (.refused, [.natExpired]), fever]),
        (.school, [admitted, (.refused, [.natMissing]), (.refused, [.notVaccinated]), (.refused, [.natExpired]), fever]),
        (.elderlyCare, [admitted, (.refused, [.natMissing]), (.refused, [.notVaccinated]), (.refused, [.natExpired]), fever]),
        (.hotel, [admitted, (.refused, [.natMissing]), prompted, (.refused, [.natExpired]), fever]),
        (.scenicSpot, [admitted, (.refused, [.natMissing]), prompted, admitted, fever]),
        (.largeEvent, [admitted, (.refused, [.natMissing]), (.refused, [.notVaccinated]), (.refused, [.natExpired]), fever]),
    ]

    @Test(arguments: expectations.map(\.0))
    func eachProfileDecidesAsItsRulesSay(_ profile: VenueProfile) throws {
        let expected = Self.expectations.first { $0.0 == profile }!.1
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hg-venue-\(profile.rawValue)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("trust"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        let key = try HG1IssuerKey(region: Self.region)
        try key.trustEntry.write(to: folder.appendingPathComponent("trust/\(key.trustEntryFileName)"), atomically: true, encoding: .utf8)
        let now = Date().timeIntervalSince1970
        var script = "blank 5\n"
        for visitor in Self.visitors {
            let payload = try key.sign(visitor.claims(now))
            let image = try QRRenderer.render(Array(payload.utf8))
            try Data(PGM.encode(image)).write(to: folder.appendingPathComponent("\(visitor.name).pgm"))
            script += "say Visitor \(visitor.name)\ntemperature \(visitor.temperature)\nframe \(visitor.name).pgm 5\nblank 12\ntemperature none\nblank 25\n"
        }
        try script.write(to: folder.appendingPathComponent("scenario.txt"), atomically: true, encoding: .utf8)
        let config = folder.appendingPathComponent("healthgate.toml")
        try """
            [gate]
            venue = "\(profile.rawValue)"
            [timing]
            relay_pulse_ms = 200
            admitted_hold_ms = 300
            refused_hold_ms = 300
            remeasure_delay_ms = 150
            [codes]
            trust_dir = "\(folder.path)/trust"
            assume_clock_synchronised = true
            presentation_absence_ms = 1500
            [log]
            database = "\(folder.path)/entries.sqlite"
            [paths]
            status_file = "\(folder.path)/status.json"
            requests_dir = "\(folder.path)/requests"
            [board]
            profile = "simulated"
            [board.simulated]
            scenario = "\(folder.path)/scenario.txt"
            fps = 50
            """.write(to: config, atomically: true, encoding: .utf8)

        let daemon = try run(Paths.binaries.appendingPathComponent("healthgated"), ["--config", config.path])
        #expect(daemon.status == 0, "healthgated failed: \(daemon.stderr)")
        let attempts = try EntryLogReader(path: folder.appendingPathComponent("entries.sqlite").path)
            .entries(EntryFilter(kind: .attempt, limit: nil)).map(\.record)
        #expect(attempts.count == expected.count)
        for (index, (row, outcome)) in zip(attempts, expected).enumerated() {
            #expect(row.decision == outcome.0 && row.reasons == outcome.1,
                    "\(profile.rawValue), visitor \(Self.visitors[index].name): \(row.decision.rawValue) \(row.reasons)")
            #expect(!row.rules.isEmpty, "every decision explains itself")
        }
        // 预检分诊: at a hospital the fever shows the fever-clinic pattern (yellow on with red blinking).
        let feverSegment = daemon.stdout.components(separatedBy: "── Visitor E").last ?? ""
        #expect(feverSegment.contains("gpio yellow=1") == (profile == .hospital))
    }
}
