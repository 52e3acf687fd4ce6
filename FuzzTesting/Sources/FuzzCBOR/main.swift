import HealthCode

@_cdecl("LLVMFuzzerTestOneInput")
public func cborFuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    // Oracle: a decoded item re-encodes to bytes that decode to the same item.
    if let value = try? CBORReader.decode(bytes), (try? CBORReader.decode(CBORWriter.encode(value))) != value {
        fatalError("CBOR round trip differs")
    }
    return 0
}
