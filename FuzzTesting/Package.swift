// swift-tools-version:6.1
// libFuzzer targets for every parser layer of HealthCode and for CodeVerifier.verify.
// Separate package (as swift-protobuf's FuzzTesting) so the fuzzer flags never touch the product build.
// Run with ./run.sh [SECONDS].
import PackageDescription

let package = Package(
    name: "FuzzTesting",
    dependencies: [
        .package(name: "healthgate", path: ".."),
    ],
    targets: [
        .executableTarget(name: "FuzzBase45", dependencies: [.product(name: "HealthCode", package: "healthgate")]),
        .executableTarget(name: "FuzzZlib", dependencies: [.product(name: "HealthCode", package: "healthgate")]),
        .executableTarget(name: "FuzzCBOR", dependencies: [.product(name: "HealthCode", package: "healthgate")]),
        .executableTarget(name: "FuzzCOSE", dependencies: [.product(name: "HealthCode", package: "healthgate")]),
        .executableTarget(name: "FuzzClaims", dependencies: [.product(name: "HealthCode", package: "healthgate")]),
        .executableTarget(name: "FuzzRevocation", dependencies: [.product(name: "HealthCode", package: "healthgate")]),
        .executableTarget(name: "FuzzBundle", dependencies: [.product(name: "HealthCode", package: "healthgate")]),
        .executableTarget(
            name: "FuzzVerify",
            dependencies: [
                .product(name: "HealthCode", package: "healthgate"),
                .product(name: "GateCore", package: "healthgate"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
