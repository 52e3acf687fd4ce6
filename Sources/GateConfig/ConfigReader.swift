import TOMLKit

/// Typed, validated access to TOML values. Every read records its key, so that afterwards any key
/// nobody asked for is reported as unknown (a typo must not silently fall back to a default).
final class ConfigReader {
    private let sources: [TOMLSource]
    private var consumed: Set<String> = []
    private(set) var errors: [ConfigError] = []

    /// `sources` are searched in order: the main file first, then the board profile.
    init(sources: [TOMLSource]) {
        self.sources = sources
    }

    private func lookup(_ path: String) -> (value: TOMLValueConvertible, source: TOMLSource)? {
        consumed.insert(path)
        let parts = path.split(separator: ".").map(String.init)
        for source in sources {
            var table: TOMLTable? = source.root
            for (index, part) in parts.enumerated() {
                guard let current = table, let value = current[part] else { break }
                if index == parts.count - 1 { return (value, source) }
                table = value.table
            }
        }
        return nil
    }

    func fail(_ path: String, _ message: String) {
        let source = sources.first { $0.line(of: path) != nil } ?? sources[0]
        errors.append(ConfigError(file: source.file, line: source.line(of: path), key: path, message: message))
    }

    private func typeError(_ path: String, expected: String, found value: TOMLValueConvertible, in source: TOMLSource) {
        errors.append(ConfigError(file: source.file, line: source.line(of: path), key: path,
                                  message: "expected \(expected), found \(Self.describe(value.tomlValue.type))"))
    }

    private static func describe(_ type: TOMLType) -> String {
        switch type {
        case .string: return "a string"
        case .int: return "an integer"
        case .double: return "a floating-point number"
        case .bool: return "a boolean"
        case .array: return "an array"
        case .table: return "a table"
        case .date: return "a date"
        case .time: return "a time"
        case .dateTime: return "a date-time"
        }
    }

    func string(_ path: String, default fallback: String) -> String {
        guard let (value, source) = lookup(path) else { return fallback }
        guard let string = value.string else { typeError(path, expected: "a string", found: value, in: source); return fallback }
        return string
    }

    func optionalString(_ path: String) -> String? {
        guard let (value, source) = lookup(path) else { return nil }
        guard let string = value.string else { typeError(path, expected: "a string", found: value, in: source); return nil }
        return string
    }

    func bool(_ path: String, default fallback: Bool) -> Bool {
        guard let (value, source) = lookup(path) else { return fallback }
        guard let bool = value.bool else { typeError(path, expected: "true or false", found: value, in: source); return fallback }
        return bool
    }

    func int(_ path: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
        guard let (value, source) = lookup(path) else { return fallback }
        guard let int = value.int else { typeError(path, expected: "an integer", found: value, in: source); return fallback }
        guard range.contains(int) else {
            fail(path, "must be between \(range.lowerBound) and \(range.upperBound) (got \(int))")
            return fallback
        }
        return int
    }

    func double(_ path: String, default fallback: Double, range: ClosedRange<Double>) -> Double {
        guard let (value, source) = lookup(path) else { return fallback }
        // An integer is a fine number here: `offset_c = 2` means 2.0.
        guard let double = value.double ?? value.int.map(Double.init) else {
            typeError(path, expected: "a number", found: value, in: source)
            return fallback
        }
        guard range.contains(double) else {
            fail(path, "must be between \(range.lowerBound) and \(range.upperBound) (got \(double))")
            return fallback
        }
        return double
    }

    func oneOf<T: RawRepresentable & CaseIterable>(_ path: String, default fallback: T) -> T where T.RawValue == String {
        guard let (value, source) = lookup(path) else { return fallback }
        guard let string = value.string else { typeError(path, expected: "a string", found: value, in: source); return fallback }
        guard let parsed = T(rawValue: string) else {
            fail(path, "must be one of \(T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")) (got \"\(string)\")")
            return fallback
        }
        return parsed
    }

    func doubles(_ path: String) -> [Double]? {
        guard let (value, source) = lookup(path) else { return nil }
        guard let array = value.array else { typeError(path, expected: "an array of numbers", found: value, in: source); return nil }
        var result: [Double] = []
        for element in array {
            guard let number = element.double ?? element.int.map(Double.init) else {
                typeError(path, expected: "an array of numbers", found: value, in: source)
                return nil
            }
            result.append(number)
        }
        return result
    }

    func strings(_ path: String) -> [String]? {
        guard let (value, source) = lookup(path) else { return nil }
        guard let array = value.array, array.allSatisfy({ $0.string != nil }) else {
            typeError(path, expected: "an array of strings", found: value, in: source)
            return nil
        }
        return array.compactMap { $0.string }
    }

    /// Reports every key present in any source that no read asked for.
    func reportUnknownKeys() {
        for source in sources {
            walk(source.root, prefix: "", source: source)
        }
    }

    private func walk(_ table: TOMLTable, prefix: String, source: TOMLSource) {
        for key in table.keys.sorted() {
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            guard let value = table[key] else { continue }
            if let sub = value.table, !consumed.contains(path) {
                if consumed.contains(where: { $0.hasPrefix(path + ".") }) {
                    walk(sub, prefix: path, source: source)
                } else {
                    errors.append(ConfigError(file: source.file, line: source.line(of: path), key: path, message: "unknown table"))
                }
            } else if !consumed.contains(path) {
                errors.append(ConfigError(file: source.file, line: source.line(of: path), key: path, message: "unknown key"))
            }
        }
    }
}
