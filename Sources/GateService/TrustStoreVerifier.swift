import GateConfig
import GateCore
import HealthCode

/// HealthCode's verifier over a trust-store directory, as the pipeline's `CodeVerifying`.
final class TrustStoreVerifier: CodeVerifying {
    private var verifier: CodeVerifier

    init(codes: GateConfiguration.Codes) {
        verifier = CodeVerifier(trustStore: TrustStore(directory: codes.trustDirectory),
                                configuration: VerifierConfiguration(unsyncedClockPolicy: codes.unsyncedClock,
                                                                     maxHG1Lifetime: Double(codes.maxHG1LifetimeSeconds)))
    }

    func verify(payload: [UInt8], clock: ClockReading) -> CodeVerdict {
        verifier.verify(payload: payload, clock: clock)
    }

    func reloadTrustIfChanged(force: Bool) -> [String] {
        let store = verifier.trustStore
        if force { return store.reload().map(\.description) }
        return store.reloadIfChanged() ? store.problems.map(\.description) : []
    }

    func reconfigure(_ codes: GateConfiguration.Codes) {
        if codes.trustDirectory != verifier.trustStore.directory {
            verifier = CodeVerifier(trustStore: TrustStore(directory: codes.trustDirectory), configuration: verifier.configuration)
        }
        verifier.configuration.unsyncedClockPolicy = codes.unsyncedClock
        verifier.configuration.maxHG1Lifetime = Double(codes.maxHG1LifetimeSeconds)
    }

    var trustKeyCount: Int { verifier.trustStore.keyCount }
    var nearestKeyExpiry: EpochSeconds? { verifier.trustStore.nearestExpiry }
}
