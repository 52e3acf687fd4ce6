import TOMLKit

/// A parsed TOML file that can say on which line each key was written. TOMLKit reports lines for
/// syntax errors only, so key lines come from a scan of the text (table headers and `key =` lines):
/// enough for the flat, hand-written files a gate uses.
struct TOMLSource {
    let file: String
    let root: TOMLTable
    private let keyLines: [String: Int]

    init(file: String, text: String) throws(ConfigError) {
        self.file = file
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(file: file, line: error.source.begin.line, key: nil,
                              message: "not valid TOML: \(error.description)")
        } catch {
            throw ConfigError(file: file, line: nil, key: nil, message: "not valid TOML: \(error)")
        }
        keyLines = Self.scanKeyLines(text)
    }

    func line(of keyPath: String) -> Int? {
        keyLines[keyPath]
    }

    /// Maps `table.key` paths to the line that defines them. Tables map to their header line.
    static func scanKeyLines(_ text: String) -> [String: Int] {
        var lines: [String: Int] = [:]
        var table = ""
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let line = rawLine.trimmingSpaces()
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                let header = line.drop(while: { $0 == "[" }).prefix(while: { $0 != "]" })
                table = header.split(separator: ".").map { $0.trimmingSpaces().unquoted() }.joined(separator: ".")
                if lines[table] == nil { lines[table] = lineNumber }
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].split(separator: ".").map { $0.trimmingSpaces().unquoted() }.joined(separator: ".")
            let path = table.isEmpty ? key : "\(table).\(key)"
            if lines[path] == nil { lines[path] = lineNumber }
        }
        return lines
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        let trimmed = drop(while: { $0 == " " || $0 == "\t" || $0 == "\r" })
        return String(trimmed.reversed().drop(while: { $0 == " " || $0 == "\t" || $0 == "\r" }).reversed())
    }

    func unquoted() -> String {
        if count >= 2, let first = first, first == "\"" || first == "'", last == first {
            return String(dropFirst().dropLast())
        }
        return String(self)
    }
}
