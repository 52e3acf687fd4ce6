import HealthCode

@_cdecl("LLVMFuzzerTestOneInput")
public func claimsFuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    if let claims = try? CWTClaims(bytes, limits: HealthCodeLimits().cbor) {
        _ = (try? HG1Claims(claims))?.credential(keyID: "00")
        _ = (try? HC1Certificate(claims))?.credential(keyID: "00")
    }
    return 0
}
