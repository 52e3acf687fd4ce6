@testable import GateConfig

/// The smallest valid configuration (the simulated board), which the config suites build on.
let simulatedBoardConfig = """
    [board]
    profile = "simulated"
    [board.simulated]
    scenario = "demo/scenario.txt"

    """

/// What ConfigLoader reports for `text`, one line per error; empty when it parsed.
func configErrors(_ text: String) -> [String] {
    do {
        _ = try ConfigLoader.parse(text: text, file: "test.toml")
        return []
    } catch {
        return error.errors.map(\.description)
    }
}
