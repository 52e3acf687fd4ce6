import HealthCode

@_cdecl("LLVMFuzzerTestOneInput")
public func revocationFuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    guard let list = try? RevocationList(bytes: bytes) else { return 0 }
    if list.byteCount != bytes.count { fatalError("a list holds exactly the bytes it was read from") }
    // Look up the input's last 16 bytes (the last entry of a well-formed file) in every section.
    let probe = Array(bytes.suffix(16))
    for section in list.sections { _ = list.contains(section.kind, kid: section.kid, hash: probe) }
    return 0
}
