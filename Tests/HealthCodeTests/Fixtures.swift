import Crypto
import Foundation
import GateCore
import GateTooling
import HealthCode
import X509
import _CryptoExtras

/// A fresh trust-store directory under the temporary directory, removed by `remove()`.
struct TrustDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("trust-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: path + "/" + name, atomically: false, encoding: .utf8)
    }

    func add(_ key: HG1IssuerKey) throws { try write(key.trustEntryFileName, key.trustEntry) }
    func add(_ signer: HC1Signer, as name: String = "dsc-\(UUID().uuidString).pem") throws { try write(name, signer.certificatePEM) }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The tooling's HC1 issuer under the name the tests use.
typealias HC1Signer = HC1TestSigner

extension String {
    var bytes: [UInt8] { Array(utf8) }
}

/// A synchronised clock at the given epoch second.
func syncedClock(_ now: Double) -> ClockReading { ClockReading(now: now, synchronised: true) }
