import GateCore

/// Everything `/etc/healthgate/healthgate.toml` says, validated. The annotated example is
/// `config/healthgate.toml`; docs/configuration.md documents every key and default.
public struct GateConfiguration: Sendable, Equatable {
    public struct Gate: Sendable, Equatable {
        public var id: String
        /// IANA zone for the daily occupancy reset and for gatectl's local times; nil = the system zone.
        public var timeZone: String?
        public var venue: VenueProfile
    }

    public struct Codes: Sendable, Equatable {
        public var trustDirectory: String
        public var unsyncedClock: UnsyncedClockPolicy
        /// Treat the clock as synchronised whatever the kernel says (a gate with a trusted RTC or GPS,
        /// or a demo machine without NTP). Off by default: validity is checked only against a synced clock.
        public var assumeClockSynchronised: Bool
        /// Longest HG1 lifetime (exp − iat) accepted: screen codes are short-lived so screenshots go stale.
        public var maxHG1LifetimeSeconds: Int
        /// HMAC key of HC1 subject pseudonyms (64 hex digits), created 0600 on first start when missing; every gate
        /// of a deployment needs the same one for traces across venues. Default beside the database.
        public var subjectKey: String
        /// County bundles (docs/codes.md, "Bundles"): the pinned county key (PEM); bundles are off when the file is absent.
        public var countyKey: String = "/etc/healthgate/county.pem"
        /// Where new bundles are dropped; refused ones move to `rejected/` inside it.
        public var bundleSpool: String = "/var/lib/healthgate/spool"
        /// Where the applied bundle is kept (`current.hgb`), re-applied at start.
        public var bundleDirectory: String = "/var/lib/healthgate/bundle"
        /// The applied bundle itself, as the daemon keeps it (and gatectl reads it).
        public var keptBundleFile: String { bundleDirectory + "/current.hgb" }
        public var maxBundleAgeHours: Int = 24
        public var staleBundle: StaleBundlePolicy = .refuse
    }

    /// What a gate does once its bundle is older than `max_bundle_age_h` (or none was ever applied).
    public enum StaleBundlePolicy: String, Sendable, CaseIterable {
        /// Refuse codes that pass every rule with `stale_bundle`; the gate shows `fault` (source `trust`).
        case refuse
        /// Keep admitting on the old keys and lists; warn in the journal and the status.
        case warn
    }

    public struct Occupancy: Sendable, Equatable {
        /// Local time of day ("HH:MM") at which the count returns to zero.
        public var resetHour: Int
        public var resetMinute: Int
    }

    public struct Log: Sendable, Equatable {
        public var database: String
        public var retentionDays: Int
        /// Signed chain heads appended hourly and at stop (docs/entry-log.md, "Anchors"); default beside the database.
        public var anchorFile: String
        /// The gate's anchor signing key, created 0600 on first start; default beside the database.
        public var anchorKey: String
    }

    public struct Paths: Sendable, Equatable {
        public var statusFile: String
        /// node_exporter textfile collector output; nil = no metrics file.
        public var metricsFile: String?
        /// Directory `gatectl open` drops override requests into.
        public var requestsDirectory: String
        public var boardDirectory: String
    }

    /// `[platform]`: online verification of platform tokens (docs/platform-api.md); nil = no platform path.
    public struct Platform: Sendable, Equatable {
        /// Base URL, `https://…` (plain `http://` only to a loopback address: the reference platform).
        public var url: String
        /// The venue's registration with the platform (场所码), sent with every request.
        public var venueCode: String
        /// Payloads starting with one of these are platform tokens (a prefix such as `HGP:` or a URL such as
        /// `https://hc.example.gov.cn/c/`).
        public var tokenPrefixes: [String]
        /// The gate's signing secret: root-owned, readable by the daemon only; never logged.
        public var secretFile: String
        /// Extra CA certificates (PEM) for a platform with a private CA; nil = the system's trust roots.
        public var caFile: String?
        /// The time budget of one verification, one retry included (300…30000 ms).
        public var budgetMilliseconds: Int
        /// Seconds between health probes while the platform is unavailable (recovery without visitors).
        public var probeIntervalSeconds: Int
    }

    public var gate: Gate
    /// Rules, timings, the thermometer's calibration, anti-passback and presentation filtering: the controller's.
    public var controller: ControllerSettings
    public var codes: Codes
    public var occupancy: Occupancy
    public var log: Log
    public var paths: Paths
    public var board: BoardConfiguration
    /// Group whose members may use `gatectl open`.
    public var overrideGroup: String
    public var platform: Platform? = nil
    /// What the visitor is told beside the lamps (docs/configuration.md, [screen] and [voice]).
    public var screen = ScreenConfiguration()
    public var voice = VoiceConfiguration()
}

/// The board: which drivers, and their devices and lines. A named profile (`board/<profile>.toml`)
/// supplies defaults; the main file overrides any key.
public struct BoardConfiguration: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable { case simulated, linux }

    public struct Camera: Sendable, Equatable {
        public var device: String
        public var width: Int
        public var height: Int
        public var fps: Int
        /// zbar scan density (1 = every line; higher is faster, misses small codes).
        public var scanDensity: Int
        /// `auto`, or a format the camera must produce (GREY, YUYV).
        public var pixelFormat: CameraPixelFormat = .auto
    }

    public struct Thermometer: Sendable, Equatable {
        public var bus: String
        public var address: Int
        public var pec: Bool
        public var samples: Int
    }

    public struct GPIO: Sendable, Equatable {
        public var debounceMilliseconds: Int
        public var fireAlarmNormallyClosed: Bool
        /// Line per function, from e.g. `relay = "!GPIO17"` (`!` = active-low; `gpiochip0:17` = chip and offset).
        public var lines: [String: LineSpec]
    }

    public struct Simulated: Sendable, Equatable {
        /// The scenario script the simulated camera, thermometer and inputs play (docs/simulated-board.md).
        public var scenario: String
        public var fps: Int
        /// What the daemon does when the scenario ends.
        public var atEnd: AtEnd
        public enum AtEnd: String, Sendable, Equatable, CaseIterable { case stop, loop, idle }
    }

    /// `[scanner]`: which QR decoders the scanner stage runs, in order (PlannedScanner.schedule).
    public struct Scanner: Sendable, Equatable {
        public var decoders: [QRDecoder]
        /// zbar first (cheap, reads most clear codes), zxing-cpp where zbar finds nothing (docs/performance.md).
        public static let defaultDecoders: [QRDecoder] = [.zbar, .zxing]
        public init(decoders: [QRDecoder] = Scanner.defaultDecoders) { self.decoders = decoders }
    }

    public var profile: String
    public var kind: Kind
    public var camera: Camera
    public var thermometer: Thermometer
    public var gpio: GPIO
    public var simulated: Simulated?
    /// Part of the board because `BoardFactory` builds the scanner with the camera; read from `[scanner]`.
    public var scanner = Scanner()
    /// `[id_reader] device`: the resident-ID-card reader's serial line (`/dev/ttyUSB0`, or `simulated` on the
    /// simulated board); nil: no ID-card path.
    public var idReaderDevice: String? = nil

    public static let outputFunctions = ["relay", "green", "yellow", "red", "buzzer"]
    public static let inputFunctions = ["exit_sensor", "fire_alarm", "staff_button"]
}
