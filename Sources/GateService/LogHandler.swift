import Logging
#if canImport(Glibc)
import Glibc
#endif

/// swift-log handler writing one line per message to stderr. Under systemd (JOURNAL_STREAM set) each
/// line starts with a syslog priority prefix (`<3>`) that journald turns into the entry's priority;
/// on a terminal it starts with the local time instead. Metadata is `key=value`, never personal data.
public struct StderrLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let journal: Bool

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
        self.journal = getenv("JOURNAL_STREAM") != nil
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = journal ? "<\(Self.priority(event.level))>" : "\(Self.timestamp()) \(event.level) "
        line += event.message.description
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(Self.quoted("\(value)"))"
        }
        line += "\n"
        // One write(2) per line, so lines from a crash or another thread never interleave.
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }

    /// A value as one field: quoted when it holds a space, a quote, `=` or nothing, with `"` and `\` escaped
    /// and line breaks written as `\n`, so text typed by staff (a reason `drill" by=root`) cannot forge a
    /// field or a line.
    static func quoted(_ text: String) -> String {
        let plain = !text.isEmpty && !text.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\\" || $0.isNewline || $0.asciiValue.map { $0 < 0x20 } == true }
        if plain { return text }
        var out = "\""
        for character in text {
            switch character {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n", "\r\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if let ascii = character.asciiValue, ascii < 0x20 || ascii == 0x7F {
                    out += "\\x" + String(ascii, radix: 16)
                } else {
                    out.append(character)
                }
            }
        }
        return out + "\""
    }

    private static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    private static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var seconds = ts.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        strftime(&buffer, buffer.count, "%H:%M:%S", &parts)
        let millis = Int(ts.tv_nsec / 1_000_000)
        let prefix = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return prefix + "." + String(repeating: "0", count: millis < 10 ? 2 : millis < 100 ? 1 : 0) + String(millis)
    }
}
