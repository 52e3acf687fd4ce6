import GateConfig
import GateCore
import HealthCode

/// HealthCode's verifier over a trust-store directory, as the pipeline's `CodeVerifying`.
/// Public for the benchmark, which runs the pipeline with the daemon's own parts.
public final class TrustStoreVerifier: CodeVerifying {
    private var verifier: CodeVerifier

    /// `subjectKey`: the deployment's HC1 pseudonym key (`SubjectKey.loadOrCreate`); nil only for tools.
    public init(codes: GateConfiguration.Codes, subjectKey: SubjectKey?) {
        verifier = CodeVerifier(trustStore: TrustStore(directory: codes.trustDirectory),
                                revocation: RevocationStore(directory: codes.trustDirectory),
                                configuration: VerifierConfiguration(unsyncedClockPolicy: codes.unsyncedClock,
                                                                     maxHG1Lifetime: Double(codes.maxHG1LifetimeSeconds),
                                                                     subjectKey: subjectKey))
    }

    public func verify(payload: [UInt8], clock: ClockReading) -> CodeVerdict {
        verifier.verify(payload: payload, clock: clock)
    }

    public func reloadTrustIfChanged(force: Bool) -> [String] {
        let store = verifier.trustStore
        let revocationProblems = verifier.revocation.reloadIfChanged().map { "revocation list \($0)" }
        guard force || store.reloadIfChanged() else { return revocationProblems }
        if force { store.reload() }
        // Notices are keys that loaded with something skipped: logged with the problems, so they are not hidden.
        return revocationProblems + store.problems.map(\.description) + store.notices.map { "note: \($0)" }
    }

    public func reconfigure(_ codes: GateConfiguration.Codes) {
        if codes.trustDirectory != verifier.trustStore.directory {
            let previous = verifier
            verifier = CodeVerifier(trustStore: TrustStore(directory: codes.trustDirectory),
                                    revocation: RevocationStore(directory: codes.trustDirectory), configuration: verifier.configuration)
            // The applied bundle is not the directory's: it stays.
            verifier.trustStore.setBundleKeys(previous.trustStore.bundleKeys)
            verifier.revocation.setBundleLists(previous.revocation.bundleLists)
        }
        verifier.configuration.unsyncedClockPolicy = codes.unsyncedClock
        verifier.configuration.maxHG1Lifetime = Double(codes.maxHG1LifetimeSeconds)
    }

    /// Lists first, then keys: the loop is single-threaded, so no code is verified between the two.
    public func install(bundle: VerifiedBundle) {
        verifier.revocation.setBundleLists(bundle.lists)
        verifier.trustStore.setBundleKeys(bundle.keys)
    }

    public var trustKeyCount: Int { verifier.trustStore.keyCount }
    public var nearestKeyExpiry: EpochSeconds? { verifier.trustStore.nearestExpiry }
}
