import Foundation
import HealthCode

/// Any P-256 public key will do as the pinned county key (FuzzTesting/TrustStore's HG1 key): mutations never
/// carry a valid signature, so the payload parser is fuzzed directly too (gatectl bundle inspect reads a
/// payload before, or without, checking its signature).
let fuzzCountyKey = try! CountyBundle.countyKey(pem: String(contentsOfFile: String(#filePath.split(separator: "/Sources/").first ?? "")
    + "/TrustStore/hg1-110105-6ac668db32c32754.pem", encoding: .utf8))

@_cdecl("LLVMFuzzerTestOneInput")
public func bundleFuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    // Nobody holds that key's private half: nothing the fuzzer makes may verify.
    if (try? VerifiedBundle(bytes: bytes, countyKey: fuzzCountyKey)) != nil { fatalError("an input verified against a key nobody holds") }
    if let bundle = try? CountyBundle(payload: bytes) {
        // What parses must encode and parse back to the same bundle (countyctl relies on it).
        guard let again = try? CountyBundle(payload: bundle.payload), again == bundle else { fatalError("bundle payload does not round-trip") }
        for list in bundle.revocationLists { _ = try? RevocationList(bytes: list) }
    }
    return 0
}
