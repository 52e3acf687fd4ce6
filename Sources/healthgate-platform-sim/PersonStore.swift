import Crypto
import GateCore
import GRDB
import PlatformClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The reference platform's SQLite database of test persons (GRDB over the system libsqlite3, as the entry log).
/// Holds only what the contract answers with: masked name and ID, the platform's pseudonym, colour, tests.
/// Nucleic-acid times are stored as an age, so a seeded database gives the same answers on any day.
struct PersonStore: Sendable {
    struct Person: Codable, FetchableRecord, PersistableRecord, Sendable {
        static let databaseTableName = "person"
        var token: String
        var colour: String
        var issuer: String
        var subject: String
        var maskedName: String
        var maskedID: String
        var natAgeHours: Double?
        var natResult: String?
        var doses: Int
        var lastDoseDaysAgo: Int?
        /// How long an answer for the token holds (the gate caches it this long).
        var validSeconds: Int
        /// SHA-256 of "NUMBER|NAME" for people looked up by ID card (nil: phone users only). A real platform holds
        /// the register itself; the reference keeps only what lets it match a lookup.
        var idDigest: String? = nil
    }

    static func idDigest(number: String, name: String) -> String {
        Hex.encode(SHA256.hash(data: Array("\(number.uppercased())|\(name)".utf8)))
    }

    let queue: DatabaseQueue

    /// `benchPersons`: that many extra green persons, tokens `HGP:BENCH-0001`…, for the benchmark (each token
    /// once, so the gate's cache never answers in its place).
    init(path: String, benchPersons: Int = 0) throws {
        queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.create(table: Person.databaseTableName, ifNotExists: true) { table in
                table.column("token", .text).primaryKey()
                table.column("colour", .text).notNull().check { ["green", "yellow", "red"].contains($0) }
                table.column("issuer", .text).notNull()
                table.column("subject", .text).notNull()
                table.column("maskedName", .text).notNull()
                table.column("maskedID", .text).notNull()
                table.column("natAgeHours", .double)
                table.column("natResult", .text)
                table.column("doses", .integer).notNull()
                table.column("lastDoseDaysAgo", .integer)
                table.column("validSeconds", .integer).notNull()
                table.column("idDigest", .text).unique()
            }
            if try Person.fetchCount(db) == 0 {
                for person in Self.testPersons { try person.insert(db) }
            }
            for index in stride(from: 1, through: benchPersons, by: 1) {
                let token = "HGP:BENCH-" + String(repeating: "0", count: max(0, 4 - String(index).count)) + String(index)
                try Person(token: token, colour: "green", issuer: "440300", subject: "p-bench-\(index)", maskedName: "测*",
                           maskedID: "4403**********0000", natAgeHours: 10, natResult: "negative", doses: 3, lastDoseDaysAgo: 100,
                           validSeconds: 60).save(db)
            }
        }
    }

    func person(token: String) throws -> Person? {
        try queue.read { db in try Person.fetchOne(db, key: token) }
    }

    func person(idNumber: String, name: String) throws -> Person? {
        let digest = Self.idDigest(number: idNumber, name: name)
        return try queue.read { db in try Person.filter(Column("idDigest") == digest).fetchOne(db) }
    }

    /// The test persons every fresh database starts with (docs/platform-api.md lists them for the demo and tests).
    static let testPersons: [Person] = [
        Person(token: "HGP:GREEN-0001", colour: "green", issuer: "440300", subject: "p-5f1c0a9e", maskedName: "张*",
               maskedID: "4403**********1234", natAgeHours: 10, natResult: "negative", doses: 3, lastDoseDaysAgo: 120, validSeconds: 60),
        Person(token: "HGP:RED-0002", colour: "red", issuer: "440300", subject: "p-77b2d415", maskedName: "李*",
               maskedID: "4403**********5678", natAgeHours: 30, natResult: "negative", doses: 2, lastDoseDaysAgo: 300, validSeconds: 60),
        Person(token: "HGP:YELLOW-0003", colour: "yellow", issuer: "440300", subject: "p-0c93ee21", maskedName: "王*",
               maskedID: "4403**********9012", natAgeHours: 80, natResult: "negative", doses: 1, lastDoseDaysAgo: 400, validSeconds: 60),
        Person(token: "HGP:GREEN-0004", colour: "green", issuer: "440300", subject: "p-a41d6f08", maskedName: "赵*",
               maskedID: "4403**********3456", natAgeHours: 20, natResult: "negative", doses: 3, lastDoseDaysAgo: 90, validSeconds: 60),
        Person(token: "HGP:GREEN-0005", colour: "green", issuer: "440300", subject: "p-2be7c950", maskedName: "陈*",
               maskedID: "4403**********7890", natAgeHours: 5, natResult: "negative", doses: 3, lastDoseDaysAgo: 60, validSeconds: 60),
        // An elderly visitor without a smartphone: found by her resident ID card (no token is ever shown).
        Person(token: "ID:elderly-0006", colour: "green", issuer: "110105", subject: "p-e1d3b7a2", maskedName: "王**",
               maskedID: "1101**********002X", natAgeHours: 40, natResult: "negative", doses: 3, lastDoseDaysAgo: 200,
               validSeconds: 60, idDigest: idDigest(number: "11010519491231002X", name: "王秀英")),
    ]

    static func answer(for person: Person, now: Int) -> PlatformContract.VerifyAnswer {
        PlatformContract.VerifyAnswer(
            colour: person.colour, issuer: person.issuer, subject: person.subject,
            maskedName: person.maskedName, maskedID: person.maskedID,
            nucleicAcid: person.natAgeHours.flatMap { age in
                person.natResult.map { .init(sampledAt: now - Int(age * 3600), result: $0) }
            },
            vaccination: .init(doses: person.doses, lastDoseAt: person.lastDoseDaysAgo.map { now - $0 * 86_400 }),
            validUntil: now + person.validSeconds)
    }
}
