import HealthCode

@_cdecl("LLVMFuzzerTestOneInput")
public func coseFuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    if let message = try? COSESign1(bytes) {
        _ = message.keyID
        _ = try? message.algorithm()
        _ = message.signedBytes
    }
    return 0
}
