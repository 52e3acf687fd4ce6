/// What the gate takes from a resident ID card: the name and the number, nothing else (no address, no photo).
/// Its description masks both, so a log line or a debug print can never carry the raw number.
public struct IDCard: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var number: String

    public init(name: String, number: String) {
        self.name = name
        self.number = number
    }

    /// `张*`, `张**` for three characters: the first kept, the rest hidden.
    public var maskedName: String { name.isEmpty ? "" : String(name.prefix(1)) + String(repeating: "*", count: max(1, name.count - 1)) }
    /// `4403**********1234`: region and last four kept, as the platforms display it.
    public var maskedNumber: String {
        guard number.count == 18 else { return String(repeating: "*", count: number.count) }
        return String(number.prefix(4)) + String(repeating: "*", count: 10) + String(number.suffix(4))
    }
    public var description: String { "IDCard(\(maskedName), \(maskedNumber))" }

    /// GB 11643: 17 digits and a check character (0–9 or X) from the ISO 7064 MOD 11-2 checksum.
    public var numberIsValid: Bool {
        let characters = Array(number.uppercased())
        guard characters.count == 18, characters[0..<17].allSatisfy(\.isASCII), characters[0..<17].allSatisfy(\.isNumber) else { return false }
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(characters[0..<17], weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
        let check = Array("10X98765432")[sum % 11]
        return characters[17] == check
    }
}
