import GateHardware
import CQrencode
import Glibc

public enum QRErrorCorrection: String, Sendable, CaseIterable {
    case low = "L", medium = "M", quartile = "Q", high = "H"
    var level: QRecLevel {
        switch self {
        case .low: QR_ECLEVEL_L
        case .medium: QR_ECLEVEL_M
        case .quartile: QR_ECLEVEL_Q
        case .high: QR_ECLEVEL_H
        }
    }
}

public enum QREncodingMode: String, Sendable, CaseIterable {
    /// Every byte in 8-bit mode.
    case byte
    /// libqrencode's optimised segments: Base45 text lands in alphanumeric mode (smaller codes).
    case alphanumeric
}

/// How to place a QR in a camera-like frame. Each knob is a plain number so benchmarks can sweep it.
public struct QRRenderOptions: Sendable {
    public var frameWidth = 640
    public var frameHeight = 480
    /// Pixels per module.
    public var moduleSize = 4.0
    /// Centre of the code in the frame; nil = frame centre.
    public var centreX: Double?
    public var centreY: Double?
    public var rotationDegrees = 0.0
    /// Box-blur radius in pixels (0 = sharp).
    public var blurRadius = 0
    /// 1 = black on white; 0.2 = dark grey on light grey.
    public var contrast = 1.0
    /// 0…1: strength of a bright elliptical glare spot over the code's centre (phone screens).
    public var glare = 0.0
    /// Light modules on a dark ground (some apps in dark mode).
    public var inverted = false
    public var errorCorrection = QRErrorCorrection.medium
    public var mode = QREncodingMode.alphanumeric

    public init() {}
}

public enum QRRenderer {
    public enum RenderError: Error, Equatable, Sendable {
        case encodingFailed(String)
    }

    /// The module matrix: `modules[y * size + x]` is true for a dark module (no quiet zone).
    public static func encode(_ payload: [UInt8], mode: QREncodingMode, errorCorrection: QRErrorCorrection) throws(RenderError) -> (size: Int, modules: [Bool]) {
        let code: UnsafeMutablePointer<QRcode>?
        switch mode {
        case .byte:
            code = payload.withUnsafeBufferPointer { QRcode_encodeData(Int32($0.count), $0.baseAddress, 0, errorCorrection.level) }
        case .alphanumeric:
            guard !payload.contains(0) else { throw .encodingFailed("alphanumeric mode cannot carry NUL bytes") }
            code = (payload + [0]).withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { QRcode_encodeString($0.baseAddress, 0, errorCorrection.level, QR_MODE_8, 1) }
            }
        }
        guard let code else { throw .encodingFailed("libqrencode refused the payload (errno \(errno))") }
        defer { QRcode_free(code) }
        let size = Int(code.pointee.width)
        let modules = (0..<size * size).map { code.pointee.data[$0] & 1 == 1 }
        return (size, modules)
    }

    public static func render(_ payload: [UInt8], options: QRRenderOptions = QRRenderOptions()) throws(RenderError) -> LumaImage {
        let (size, modules) = try encode(payload, mode: options.mode, errorCorrection: options.errorCorrection)
        let contrast = min(max(options.contrast, 0), 1)
        var dark = 128 - 127 * contrast
        var light = 128 + 127 * contrast
        if options.inverted { swap(&dark, &light) }
        let width = options.frameWidth, height = options.frameHeight
        let centreX = options.centreX ?? Double(width) / 2
        let centreY = options.centreY ?? Double(height) / 2
        let angle = -options.rotationDegrees * .pi / 180
        let (cosA, sinA) = (cos(angle), sin(angle))
        let half = Double(size) / 2
        var values = [Double](repeating: light, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                // Inverse mapping: frame pixel → module coordinates (rotation about the code's centre).
                let dx = Double(x) + 0.5 - centreX, dy = Double(y) + 0.5 - centreY
                let mx = (dx * cosA - dy * sinA) / options.moduleSize + half
                let my = (dx * sinA + dy * cosA) / options.moduleSize + half
                guard mx >= 0, my >= 0, mx < Double(size), my < Double(size) else { continue }
                if modules[Int(my) * size + Int(mx)] { values[y * width + x] = dark }
            }
        }
        if options.blurRadius > 0 { values = boxBlur(values, width: width, height: height, radius: options.blurRadius) }
        if options.glare > 0 {
            let radius = Double(size) * options.moduleSize * 0.35
            for y in 0..<height {
                for x in 0..<width {
                    let dx = (Double(x) - centreX) / radius, dy = (Double(y) - centreY) / (radius * 0.6)
                    let falloff = max(0, 1 - (dx * dx + dy * dy))
                    values[y * width + x] += 255 * options.glare * falloff
                }
            }
        }
        return LumaImage(width: width, height: height, pixels: values.map { UInt8(min(max($0.rounded(), 0), 255)) })
    }

    static func boxBlur(_ input: [Double], width: Int, height: Int, radius: Int) -> [Double] {
        var horizontal = input
        for y in 0..<height {
            for x in 0..<width {
                let lo = max(0, x - radius), hi = min(width - 1, x + radius)
                var sum = 0.0
                for i in lo...hi { sum += input[y * width + i] }
                horizontal[y * width + x] = sum / Double(hi - lo + 1)
            }
        }
        var output = horizontal
        for y in 0..<height {
            let lo = max(0, y - radius), hi = min(height - 1, y + radius)
            for x in 0..<width {
                var sum = 0.0
                for j in lo...hi { sum += horizontal[j * width + x] }
                output[y * width + x] = sum / Double(hi - lo + 1)
            }
        }
        return output
    }
}
