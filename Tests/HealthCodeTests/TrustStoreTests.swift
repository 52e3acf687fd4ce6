import Foundation
import GateCore
import HealthCode
import Testing

/// The trust store reads a real temporary directory; no file-system fake.
@Suite struct TrustStoreTests {
    @Test func loadsKeysAndCertificatesAndReportsBadFilesByName() throws {
        let directory = try TrustDirectory()
        defer { directory.remove() }
        let key = try HG1IssuerKey(region: "110105")
        let expiry = Date(timeIntervalSince1970: 1_900_000_000)
        let signer = try HC1Signer(.es256, notValidAfter: expiry)
        try directory.add(key)
        try directory.add(signer, as: "dsc-at.pem")
        try directory.write("broken.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        try directory.write("hg1-beijing.pem", key.trustEntry)
        try directory.write("README.txt", "not a key, ignored")
        let store = TrustStore(directory: directory.path)
        #expect(store.keyCount == 2)
        #expect(store.problems.map(\.file).sorted() == ["broken.pem", "hg1-beijing.pem"])
        #expect(store.keys(for: key.keyID).first?.scope == .hg1(region: "110105"))
        #expect(store.keys(for: signer.keyID).first?.scope == .hc1(allowed: Set(HC1CertificateType.allCases)))
        #expect(store.nearestExpiry == 1_900_000_000)
    }

    @Test func reloadsOnlyWhenTheDirectoryChanges() throws {
        let directory = try TrustDirectory()
        defer { directory.remove() }
        let first = try HG1IssuerKey(region: "110105")
        try directory.add(first)
        let store = TrustStore(directory: directory.path)
        #expect(store.reloadIfChanged() == false)
        let second = try HG1IssuerKey(region: "310101")
        try directory.add(second)
        #expect(store.reloadIfChanged() == true)
        #expect(store.keyCount == 2)
        #expect(store.reloadIfChanged() == false)
        try FileManager.default.removeItem(atPath: directory.path + "/" + first.trustEntryFileName)
        #expect(store.reloadIfChanged() == true)
        #expect(store.keys(for: first.keyID).isEmpty)
    }

    /// Revoking a key by emptying or breaking its file revokes it (issue 12, item 10): fail closed.
    @Test(arguments: ["", "-----BEGIN PUBLIC KEY-----\nMFkw", "not a key"])
    func aFileBrokenOnReloadNoLongerHoldsItsKeys(content: String) throws {
        let directory = try TrustDirectory()
        defer { directory.remove() }
        let key = try HG1IssuerKey(region: "110105")
        try directory.add(key)
        let store = TrustStore(directory: directory.path)
        #expect(store.keys(for: key.keyID).count == 1)
        try directory.write(key.trustEntryFileName, content)
        #expect(store.reloadIfChanged())
        #expect(store.keys(for: key.keyID).isEmpty)
        #expect(store.problems.first?.file == key.trustEntryFileName)
        // The file written whole again: its key is back at the next reload.
        try directory.add(key)
        #expect(store.reloadIfChanged())
        #expect(store.keys(for: key.keyID).count == 1)
    }

    @Test func aDeletedDirectoryRevokesEveryKey() throws {
        let directory = try TrustDirectory()
        let key = try HG1IssuerKey(region: "110105")
        try directory.add(key)
        let store = TrustStore(directory: directory.path)
        #expect(store.keyCount == 1)
        directory.remove()
        #expect(store.reloadIfChanged())
        #expect(store.keyCount == 0)
        #expect(store.problems.map(\.file) == [directory.path])
    }

    @Test func aMissingDirectoryIsAProblemNotACrash() {
        let store = TrustStore(directory: "/nonexistent/healthgate-trust")
        #expect(store.keyCount == 0)
        #expect(store.problems.count == 1)
    }

    @Test func issuerKeyFileRoundTrips() throws {
        let key = try HG1IssuerKey(region: "440305")
        let reread = try HG1IssuerKey(privateKeyFile: key.privateKeyFile)
        #expect(reread.region == "440305")
        #expect(reread.keyID == key.keyID)
        #expect(throws: HG1IssuerKey.KeyFileError.missingRegionHeader) { try HG1IssuerKey(privateKeyFile: key.privateKey.pemRepresentation) }
        #expect(throws: HG1IssuerKey.KeyFileError.badRegion("44030")) { try HG1IssuerKey(region: "44030") }
    }
}
