/// Which GPIO line a gate signal is on, as written in a board profile:
/// `GPIO17` (a line name, searched on every chip), `gpiochip0:17` (a chip, by name, path or label, and an
/// offset on it); a leading `!` marks the line active-low.
public struct LineSpec: Sendable, Equatable, CustomStringConvertible {
    public enum Location: Sendable, Equatable {
        /// A line name such as `GPIO17` (Raspberry Pi kernels name the header lines so).
        case name(String)
        /// A chip (`gpiochip0`, `/dev/gpiochip0` or a label like `pinctrl-rp1`) and a line offset on it.
        case chip(String, offset: UInt32)
    }

    public var location: Location
    /// Logical "on" is a low level on the wire (most hobby relay boards; inputs that pull to ground).
    public var activeLow: Bool

    public init(_ location: Location, activeLow: Bool = false) {
        self.location = location
        self.activeLow = activeLow
    }

    /// Parses the board-profile form; throws with the text and what is wrong with it.
    public static func parse(_ text: String) throws(LineSpecError) -> LineSpec {
        var body = Substring(text)
        while body.first?.isWhitespace == true { body.removeFirst() }
        while body.last?.isWhitespace == true { body.removeLast() }
        let activeLow = body.first == "!"
        if activeLow { body.removeFirst() }
        guard !body.isEmpty else { throw LineSpecError(text: text, reason: "no line name or chip:offset") }
        guard !body.contains(where: { $0.isWhitespace || $0 == "!" }) else {
            throw LineSpecError(text: text, reason: "a line is one word: a name or chip:offset, \"!\" only in front")
        }
        guard let colon = body.lastIndex(of: ":") else {
            return LineSpec(.name(String(body)), activeLow: activeLow)
        }
        let chip = body[..<colon]
        let offsetText = body[body.index(after: colon)...]
        guard !chip.isEmpty else { throw LineSpecError(text: text, reason: "no chip before \":\"") }
        guard let offset = UInt32(offsetText) else {
            throw LineSpecError(text: text, reason: "\"\(offsetText)\" is not a line offset (0, 1, 2, …)")
        }
        return LineSpec(.chip(String(chip), offset: offset), activeLow: activeLow)
    }

    /// The board-profile form; `parse(description)` gives the same spec back.
    public var description: String {
        let prefix = activeLow ? "!" : ""
        switch location {
        case .name(let name): return prefix + name
        case .chip(let chip, let offset): return "\(prefix)\(chip):\(offset)"
        }
    }
}

public struct LineSpecError: Error, Equatable, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String { "invalid GPIO line \"\(text)\": \(reason)" }
}
