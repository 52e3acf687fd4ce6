import HealthCode

@_cdecl("LLVMFuzzerTestOneInput")
public func base45Fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    // Oracle: whatever decodes must encode back to the same text (Base45 is bijective on valid input).
    if let decoded = try? Base45.decode(bytes), Base45.encode(decoded) != bytes { fatalError("Base45 round trip differs") }
    return 0
}
