// swift-tools-version:6.1
// healthgate: firmware for health-code entrance gates.
// Module boundaries follow docs/architecture.md: GateCore is pure (no I/O), HealthCode has no
// storage or hardware, GateHardware holds every driver, the executables only wire things together.
import PackageDescription

let package = Package(
    name: "healthgate",
    products: [
        .executable(name: "healthgated", targets: ["healthgated"]),
        .executable(name: "gatectl", targets: ["gatectl"]),
        .executable(name: "healthgate-dev", targets: ["healthgate-dev"]),
        .executable(name: "healthgate-uplink", targets: ["healthgate-uplink"]),
        .library(name: "HealthCode", targets: ["HealthCode"]),
        .library(name: "GateCore", targets: ["GateCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        // Already resolved through swift-certificates; named here for the DSC fallback parser (TrustStore).
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        // Platform verification (issue 15): only PlatformClient and the reference platform link these.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Already resolved through async-http-client; named for NIODeadline and a private CA's TLS configuration.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // The county side only (CountyStore, healthgate-uplink, countyctl, county-bench): never the daemon or gatectl.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // System libraries, found through pkg-config (see .ci/run and Makefile for the -dev packages).
        .systemLibrary(name: "CZbar", pkgConfig: "zbar", providers: [.apt(["libzbar-dev"])]),
        .systemLibrary(name: "CGpiod", pkgConfig: "libgpiod", providers: [.apt(["libgpiod-dev"])]),
        .systemLibrary(name: "CV4L2", pkgConfig: "libv4l2", providers: [.apt(["libv4l-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CQrencode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        .systemLibrary(name: "CPng", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZxing", pkgConfig: "zxing", providers: [.apt(["libzxing-dev"])]),
        .systemLibrary(name: "CFreetype", pkgConfig: "freetype2", providers: [.apt(["libfreetype-dev"])]),
        .systemLibrary(name: "CAlsa", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        // <linux/fb.h> only (kernel headers); the ioctls go through CLinux.
        .systemLibrary(name: "CFramebuffer"),
        // zxing-cpp is C++: a C API over it (exceptions caught at the boundary) for ZxingScanner.
        .target(name: "CZxingShim", dependencies: ["CZxing"]),
        // ioctl and adjtimex wrappers: Swift cannot call variadic ioctl(2) directly.
        .target(name: "CLinux"),
        // The thin layer over libc and the kernel that the drivers, the daemon and gatectl share: system
        // calls with typed errors, the kernel's clock and whether it is synchronised, local time.
        .target(name: "LinuxSystem", dependencies: ["GateCore", "CLinux"]),

        .target(name: "GateCore"),
        .target(
            name: "HealthCode",
            dependencies: [
                "GateCore", "CZlib", "LinuxSystem",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]),
        .target(
            name: "GateHardware",
            dependencies: ["GateCore", "CZbar", "CZxingShim", "CGpiod", "CV4L2", "CLinux", "LinuxSystem"]),
        .target(
            name: "EntryLog",
            dependencies: [
                "GateCore", "LinuxSystem",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),  // sqlite3_file_control (persistent WAL)
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // gatectl's log presentation: time expressions in the gate's zone, tables/TSV/JSON, labels (Foundation).
        .target(name: "EntryLogCLI", dependencies: ["EntryLog", "GateCore", "LinuxSystem"]),
        // Crash-consistency test helper and the 5M-row benchmark (docs/entry-log.md).
        .executableTarget(name: "entrylog-crash-writer", dependencies: ["EntryLog", "GateCore"]),
        .executableTarget(name: "entrylog-bench", dependencies: ["EntryLog", "GateCore"]),
        .target(
            name: "GateConfig",
            dependencies: ["GateCore", "TOMLKit"]),
        // The devices a configuration names, made in one place for the daemon and gatectl selftest.
        .target(name: "GateBoard", dependencies: ["GateCore", "GateConfig", "GateHardware", "GateScreen", "GateVoice"]),
        // The visitor's screen: FreeType text, layouts, the Linux framebuffer, PNG screens (docs/decisions.md).
        .target(name: "GateScreen", dependencies: ["GateCore", "GateHardware", "CFreetype", "CFramebuffer", "CLinux", "CZlib"]),
        // Spoken prompts: WAV clips played through ALSA on a thread of their own.
        .target(name: "GateVoice", dependencies: ["GateCore", "GateHardware", "CAlsa"]),
        // A PNG file as a luma image (gatectl code verify --image: a visitor's screenshot).
        .target(name: "PNGImage", dependencies: ["GateHardware", "CPng"]),
        // Demo, test and bench tooling: QR rendering and PGM frames. Never linked into the daemon or gatectl.
        .target(
            name: "GateTooling",
            dependencies: [
                "HealthCode", "GateHardware", "CQrencode",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]),
        .target(
            name: "GateService",
            dependencies: [
                "GateCore", "HealthCode", "GateHardware", "GateBoard", "EntryLog", "GateConfig", "LinuxSystem",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The province's health-code platform over HTTPS (docs/platform-api.md): token recognition, signed
        // requests, the time budget, the answer cache. The one target of the gate that links an HTTP client.
        .target(
            name: "PlatformClient",
            dependencies: [
                "GateCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),
        // The reference platform for the demo and the tests (loopback, SQLite, fault switches). Not in the .deb.
        .executableTarget(
            name: "healthgate-platform-sim",
            dependencies: [
                "PlatformClient", "GateCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .executableTarget(
            name: "healthgated",
            dependencies: [
                "GateService", "GateConfig", "GateCore", "PlatformClient", "LinuxSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // make bench: the hot path against raw zbar, latency, verification, daemon memory (docs/performance.md).
        // CBenchAlloc interposes malloc in the benchmark process only, to count allocations per frame.
        .target(name: "CBenchAlloc"),
        .executableTarget(
            name: "healthgate-bench",
            dependencies: [
                "CBenchAlloc", "CZbar", "GateCore", "GateHardware", "GateBoard", "GateConfig", "GateService", "GateTooling", "HealthCode", "EntryLog", "PNGImage",
                "PlatformClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]),
        // make bench: the cost of drawing the visitor's screen per panel, against a full-panel fill (docs/performance.md).
        .executableTarget(name: "screen-bench", dependencies: ["GateCore", "GateScreen"]),
        // The staff's tool, installed on every gate: no key generation, signing or forging in it.
        .executableTarget(
            name: "gatectl",
            dependencies: [
                "GateCore", "HealthCode", "GateHardware", "GateBoard", "EntryLog", "GateConfig", "EntryLogCLI", "LinuxSystem", "PNGImage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Developers' tool (demos, tests, the VM suite): issuer keys, signed and forged codes, QR frames.
        // Not in the .deb: a gate has no business minting codes.
        .executableTarget(
            name: "healthgate-dev",
            dependencies: [
                "GateCore", "HealthCode", "GateHardware", "GateTooling", "GateScreen", "GateVoice",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // The county's side of bundles (make, sign, revocation lists, a test key pair): never on a gate, not in the .deb.
        // The county's PostgreSQL: schema and migrations, the ingest function, trace/inspect/gates (docs/fleet.md).
        .target(
            name: "CountyStore",
            dependencies: [
                "EntryLog",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // On each gate, its own unit: ships the entry log and anchors to the county (the daemon keeps no network).
        .executableTarget(
            name: "healthgate-uplink",
            dependencies: [
                "CountyStore", "EntryLog", "GateConfig", "GateCore", "LinuxSystem", "TOMLKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // A throw-away PostgreSQL (initdb + pg_ctl) for the county tests and bench.
        .target(name: "CountyTooling", dependencies: ["CountyStore"]),
        // make bench: county ingest and trace figures (docs/fleet.md).
        .executableTarget(name: "county-bench", dependencies: ["CountyStore", "CountyTooling", "EntryLog", "GateCore"]),
        .executableTarget(
            name: "countyctl",
            dependencies: [
                "GateCore", "HealthCode", "CountyStore", "LinuxSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),

        .testTarget(name: "GateCoreTests", dependencies: ["GateCore"]),
        .testTarget(
            name: "HealthCodeTests", dependencies: ["HealthCode", "GateTooling", "GateHardware", "PNGImage"],
            resources: [.copy("Vectors")]),
        .testTarget(
            name: "GateHardwareTests", dependencies: ["GateHardware", "GateCore", "CLinux", "GateTooling", "PNGImage"],
            exclude: ["Photos/README.md"], resources: [.copy("Photos")]),
        .testTarget(name: "EntryLogTests", dependencies: ["EntryLog", "EntryLogCLI", "LinuxSystem", "entrylog-crash-writer"]),
        .testTarget(name: "GateScreenTests", dependencies: ["GateScreen", "GateVoice", "GateCore", "GateHardware", "PNGImage"]),
        .testTarget(name: "GateConfigTests", dependencies: ["GateConfig", "GateCore", "GateHardware"]),
        .testTarget(name: "GateServiceTests", dependencies: ["GateService", "GateBoard", "LinuxSystem", "GateTooling"]),
        .testTarget(name: "CountyTests", dependencies: ["CountyStore", "CountyTooling", "EntryLog", "GateCore", "healthgate-uplink", "countyctl"]),
        .testTarget(name: "EndToEndTests", dependencies: ["GateCore", "GateHardware", "HealthCode", "EntryLog", "GateTooling"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
