import HealthCode

@_cdecl("LLVMFuzzerTestOneInput")
public func zlibFuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    if let inflated = try? Zlib.inflate(bytes, maxOutput: HealthCodeLimits().maxInflatedBytes),
       inflated.count > HealthCodeLimits().maxInflatedBytes { fatalError("inflate exceeded its cap") }
    return 0
}
