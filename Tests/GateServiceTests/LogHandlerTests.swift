import Testing
@testable import GateService

/// Journal lines are `key=value` fields: staff-typed text must not forge a field or a line (issue 12, item 8).
@Suite struct LogHandlerTests {
    @Test(arguments: [
        ("button", "button"),
        ("staff button", "\"staff button\""),
        ("fire drill\" by=root note=\"", "\"fire drill\\\" by=root note=\\\"\""),
        ("a=b", "\"a=b\""),
        ("line\nforged=1", "\"line\\nforged=1\""),
        ("back\\slash", "\"back\\\\slash\""),
        ("", "\"\""),
    ])
    func valuesAreQuotedAndEscaped(value: String, field: String) {
        #expect(StderrLogHandler.quoted(value) == field)
    }
}
