import GateCore
import Testing
@testable import GateConfig

/// `[platform]` and `[id_reader]` (issue 15): defaults, the per-venue fallback, and the errors that name the key.
@Suite struct PlatformConfigTests {
    let simulated = simulatedBoardConfig

    func errors(_ text: String) -> [String] { configErrors(text) }

    @Test func noPlatformByDefault() throws {
        let config = try ConfigLoader.parse(text: simulated, file: "test.toml")
        #expect(config.platform == nil)
        #expect(config.board.idReaderDevice == nil)
        #expect(config.controller.platformUnavailablePolicy == .registerAndAdmit)  // market
    }

    @Test func platformKeysAndTheVenueDefault() throws {
        let config = try ConfigLoader.parse(text: """
            [gate]
            venue = "hospital"
            [platform]
            url = "https://hc.example.gov.cn/"
            venue_code = "V-1"
            token_prefixes = ["HGP:", "https://hc.example.gov.cn/c/"]
            budget_ms = 800
            """ + "\n" + simulated, file: "test.toml")
        let platform = try #require(config.platform)
        #expect(platform.url == "https://hc.example.gov.cn")
        #expect(platform.tokenPrefixes == ["HGP:", "https://hc.example.gov.cn/c/"])
        #expect(platform.secretFile == "/etc/healthgate/platform.secret")
        #expect(config.controller.platformBudgetMilliseconds == 800)
        #expect(config.controller.platformUnavailablePolicy == .offlineCodesOnly)
    }

    @Test func badPlatformKeysAreNamed() {
        let found = errors("""
            [platform]
            url = "http://hc.example.gov.cn"
            budget_ms = 100
            token_prefixes = [""]
            on_unavailable = "admit"
            """ + "\n" + simulated)
        #expect(found.contains { $0.contains("platform.url") && $0.contains("https://") })
        #expect(found.contains { $0.contains("platform.venue_code") && $0.contains("required") })
        #expect(found.contains { $0.contains("platform.budget_ms") })
        #expect(found.contains { $0.contains("platform.token_prefixes") })
        #expect(found.contains { $0.contains("platform.on_unavailable") && $0.contains("register_and_admit") })
    }

    @Test func loopbackHTTPIsTheReferencePlatformOnly() throws {
        let config = try ConfigLoader.parse(text: "[platform]\nurl = \"http://127.0.0.1:8089\"\nvenue_code = \"V\"\n" + simulated, file: "t.toml")
        #expect(config.platform?.url == "http://127.0.0.1:8089")
    }

    @Test func idReaderNeedsThePlatformAndADevice() {
        #expect(errors("[id_reader]\ndevice = \"/dev/ttyUSB0\"\n" + simulated).contains { $0.contains("id_reader.device") && $0.contains("[platform]") })
        #expect(errors("[platform]\nurl = \"http://127.0.0.1:1\"\nvenue_code = \"V\"\n[id_reader]\ndevice = \"ttyUSB0\"\n" + simulated)
            .contains { $0.contains("id_reader.device") && $0.contains("/dev/ttyUSB0") })
    }
}
