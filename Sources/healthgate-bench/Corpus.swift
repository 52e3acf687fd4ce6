import Foundation
import GateCore
import GateHardware
import GateTooling

/// The benchmark's frames, 640x480 Y800: phones showing a code in an entrance scene, and the empty
/// entrance. Deterministic (fixed seeds) apart from the signatures. Written to disk as PGM with a
/// manifest so any other decoder can be run on exactly the same frames.
struct Corpus {
    static let width = 640, height = 480
    /// Frames per code on disk: the same phone under fresh sensor noise (what a held phone gives).
    static let variantsPerCode = 4

    struct CodeSpec: Codable {
        var kind: String
        var moduleSize: Double
        var contrast: Double
        var blurRadius: Int
        var rotationDegrees: Double
        var glareSpot: Double
        var glareStripes: Bool
        var centreX: Double
        var centreY: Double
    }

    struct Frame {
        var name: String
        var image: LumaImage
        /// The payload a decoder should find; nil for the empty entrance.
        var payload: [UInt8]?
        /// Which code (index into `codes`), for frames with one.
        var code: Int?
    }

    var codeFrames: [Frame] = []
    var emptyFrames: [Frame] = []
    var specs: [CodeSpec] = []

    /// `payloads[i]` with its kind (hg1, hc1-es256, hc1-ps256).
    init(payloads: [(kind: String, bytes: [UInt8])], emptyCount: Int) throws {
        var random = SplitMix64(seed: 0x6265_6e63_68)  // the same corpus on every run
        let scene = Self.entranceScene()
        for (index, payload) in payloads.enumerated() {
            let (size, _) = try QRRenderer.encode(payload.bytes, mode: .alphanumeric, errorCorrection: .medium)
            // Several module sizes; the largest still fits the frame with its quiet zone.
            let wanted = [2.0, 2.5, 3.0, 4.0, 5.0][index % 5]
            let spec = CodeSpec(
                kind: payload.kind, moduleSize: min(wanted, 400 / Double(size + 8)),
                contrast: [0.35, 0.5, 0.7][index % 3], blurRadius: index % 3 == 0 ? 1 : 0,
                rotationDegrees: Double((index * 7) % 13 - 6), glareSpot: index % 4 == 1 ? 0.25 : 0,
                glareStripes: index % 4 == 2, centreX: 250 + Double((index * 37) % 140), centreY: 200 + Double((index * 23) % 80))
            specs.append(spec)
            let phone = try Self.phone(payload.bytes, size: size, spec: spec, scene: scene)
            for variant in 0..<Self.variantsPerCode {
                codeFrames.append(Frame(name: String(format: "code-%02d-%@-v%d.pgm", index, payload.kind, variant),
                                        image: Self.sensor(phone, random: &random), payload: payload.bytes, code: index))
            }
        }
        for index in 0..<emptyCount {
            emptyFrames.append(Frame(name: String(format: "empty-%03d.pgm", index), image: Self.sensor(scene, random: &random),
                                     payload: nil, code: nil))
        }
    }

    /// A dim entrance: a wall lit from one side, a floor, a door frame (edges of modest contrast).
    static func entranceScene() -> [Double] {
        var pixels = [Double](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                var value = 70 + Double(x) / 12
                if y > 400 { value += 25 }
                if (80..<104).contains(x) || (536..<560).contains(x) || (y < 40 && (80..<560).contains(x)) { value -= 30 }
                pixels[y * width + x] = value
            }
        }
        return pixels
    }

    /// The code on a phone screen held in the scene: rendered (blur, rotation, contrast, glare spot),
    /// cut to the screen, glare stripes across it.
    static func phone(_ payload: [UInt8], size: Int, spec: CodeSpec, scene: [Double]) throws -> [Double] {
        var options = QRRenderOptions()
        options.moduleSize = spec.moduleSize
        options.contrast = spec.contrast
        options.blurRadius = spec.blurRadius
        options.rotationDegrees = spec.rotationDegrees
        options.glare = spec.glareSpot
        options.centreX = spec.centreX
        options.centreY = spec.centreY
        let rendered = try QRRenderer.render(payload, options: options)
        // The screen: the code and its 4-module quiet zone, enlarged to cover the rotation.
        let half = (Double(size) / 2 + 4) * spec.moduleSize * 1.15
        var pixels = scene
        for y in 0..<height {
            for x in 0..<width where abs(Double(x) - spec.centreX) <= half && abs(Double(y) - spec.centreY) <= half {
                var value = Double(rendered.pixels[y * width + x])
                if spec.glareStripes && (x + y / 2) % 64 < 14 { value += 45 }
                pixels[y * width + x] = value
            }
        }
        return pixels
    }

    /// Sensor noise (triangular, ±8 levels) and a frame-wide flicker of ±2 levels.
    static func sensor(_ clean: [Double], random: inout SplitMix64) -> LumaImage {
        let flicker = Double(Int(random.next() % 5) - 2)
        let pixels = clean.map { value -> UInt8 in
            let noise = Double(Int(random.next() % 9) + Int(random.next() % 9) - 8)
            return UInt8(min(max((value + flicker + noise).rounded(), 0), 255))
        }
        return LumaImage(width: width, height: height, pixels: pixels)
    }

    /// Writes every frame as PGM and a manifest (name, expected payload, how it was made).
    func write(to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var manifest: [[String: Any]] = []
        for frame in codeFrames + emptyFrames {
            try Data(PGM.encode(frame.image)).write(to: URL(fileURLWithPath: folder + "/" + frame.name))
            var entry: [String: Any] = ["file": frame.name]
            if let payload = frame.payload, let code = frame.code {
                entry["payload"] = String(decoding: payload, as: UTF8.self)
                let spec = specs[code]
                entry["kind"] = spec.kind
                entry["module_px"] = spec.moduleSize
                entry["contrast"] = spec.contrast
                entry["blur_radius"] = spec.blurRadius
                entry["rotation_deg"] = spec.rotationDegrees
                entry["glare_spot"] = spec.glareSpot
                entry["glare_stripes"] = spec.glareStripes
            } else {
                entry["payload"] = NSNull()
            }
            manifest.append(entry)
        }
        let data = try JSONSerialization.data(withJSONObject: ["width": Self.width, "height": Self.height, "format": "Y800 (PGM P5)",
                                                               "frames": manifest], options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: folder + "/manifest.json"))
    }
}
