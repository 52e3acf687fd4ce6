import GateCore
import HealthCode

/// FuzzTesting/TrustStore holds the public keys the seed payloads were signed with, so mutations
/// reach the signature, key-usage and clock checks.
let fuzzVerifier = CodeVerifier(trustStore: TrustStore(directory: String(#filePath.split(separator: "/Sources/").first ?? "") + "/TrustStore"))

@_cdecl("LLVMFuzzerTestOneInput")
public func verifyFuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    let verdict = fuzzVerifier.verify(payload: bytes, clock: ClockReading(now: 1_764_400_000, synchronised: true))
    if verdict.isValid != verdict.reasons.isEmpty { fatalError("a verdict without reasons must carry a credential") }
    return 0
}
