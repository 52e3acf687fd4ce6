import Foundation
import GateCore
import GateHardware
import GateTooling
import PNGImage

/// The real photos (../shared/qr-photos beside the checkout: 640x480 grey frames of zxing-cpp's QR test
/// samples, each with the text its code holds). A development set: the decoders' schedule was tuned on it.
struct Photo {
    var name: String
    /// The sample folder it came from (qrcode-1, qrcode-3, qrcode-5): the photo name up to its last "_".
    var folder: String
    var image: LumaImage
    var expected: [UInt8]

    /// Looks for `shared/qr-photos` in the checkout's parent, then in each parent of the working directory
    /// (the checkout may be anywhere; CI clones beside `shared/`). nil when none exists.
    static func findFolder(checkout: String) -> String? {
        var candidates = [URL(fileURLWithPath: checkout).deletingLastPathComponent().appendingPathComponent("shared/qr-photos").path]
        var folder = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        while folder.path != "/" {
            candidates.append(folder.appendingPathComponent("shared/qr-photos").path)
            folder.deleteLastPathComponent()
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/README.md") }
    }

    static func load(folder: String) throws -> [Photo] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".png") }.sorted()
        return try names.map { name in
            let stem = String(name.dropLast(4))
            let image = try PNGReader.decode(Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))))
            let text = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + stem + ".txt"))
            return Photo(name: stem, folder: String(stem[..<(stem.lastIndex(of: "_") ?? stem.endIndex)]), image: image, expected: Array(text))
        }
    }

    func found(_ codes: [ScannedCode]) -> Bool { codes.contains { $0.payload == expected } }

    /// This photo turned by `degrees` and scaled by `scale` about the frame's centre (bilinear, white outside,
    /// as the frames were padded): frames the schedule was not tuned on.
    func transformed(degrees: Double, scale: Double) -> Photo {
        let width = image.width, height = image.height
        var pixels = [UInt8](repeating: 255, count: width * height)
        let radians = degrees * .pi / 180, cosine = cos(radians) / scale, sine = sin(radians) / scale
        let centreX = Double(width) / 2, centreY = Double(height) / 2
        for y in 0..<height {
            for x in 0..<width {
                let dx = Double(x) - centreX, dy = Double(y) - centreY
                let sourceX = cosine * dx + sine * dy + centreX, sourceY = -sine * dx + cosine * dy + centreY
                let left = Int(sourceX.rounded(.down)), top = Int(sourceY.rounded(.down))
                guard left >= 0, top >= 0, left + 1 < width, top + 1 < height else { continue }
                let fx = sourceX - Double(left), fy = sourceY - Double(top)
                func at(_ px: Int, _ py: Int) -> Double { Double(image.pixels[py * width + px]) }
                let value = (at(left, top) * (1 - fx) + at(left + 1, top) * fx) * (1 - fy) +
                    (at(left, top + 1) * (1 - fx) + at(left + 1, top + 1) * fx) * fy
                pixels[y * width + x] = UInt8(max(0, min(255, value.rounded())))
            }
        }
        return Photo(name: name + "-r\(Int(degrees))s\(Int(scale * 100))", folder: folder,
                     image: LumaImage(width: width, height: height, pixels: pixels), expected: expected)
    }
}

/// One decode attempt, as the exploration tries them: which decoder, where, with what preprocessing.
struct Attempt: CustomStringConvertible {
    enum Decoder { case zbar, zxing(ZxingScanner.Options) }
    var decoder: Decoder
    /// The planner's region (nil when the planner skips the frame) or the whole frame.
    var wholeFrame: Bool

    var description: String {
        let area = wholeFrame ? "frame" : "region"
        switch decoder {
        case .zbar: return "zbar \(area)"
        case .zxing(let options):
            var text = "zxing \(area) \(options.binarizer)"
            if options.upscale == 2 { text += " x2" }
            if options.normalise { text += " norm" }
            if options.invert { text += " inv" }
            if !options.tryHarder { text += " fast" }
            return text
        }
    }
}

/// Every attempt on every photo (found or not, time), then the greedy cover: the attempt that finds most,
/// then the one that adds most, ... The scanner stage's schedule (PlannedScanner.Step) was chosen from it.
func explore(_ photos: [Photo]) throws {
    let zbar = try ZbarScanner()
    let zxing = try ZxingScanner()
    var attempts: [Attempt] = []
    for wholeFrame in [false, true] {
        attempts.append(Attempt(decoder: .zbar, wholeFrame: wholeFrame))
        for binarizer in ZxingScanner.Binarizer.allCases {
            for upscale: Int32 in [1, 2] {
                for normalise in [false, true] {
                    for invert in [false, true] {
                        attempts.append(Attempt(decoder: .zxing(.init(binarizer: binarizer, invert: invert, upscale: upscale, normalise: normalise)),
                                                wholeFrame: wholeFrame))
                    }
                }
            }
        }
    }
    var regions: [ScanPlanner.Region?] = []
    for photo in photos {
        var planner = ScanPlanner()
        let plan = withFrame(photo.image) { planner.plan($0, now: 0) }
        if case .scan(let region) = plan { regions.append(region) } else { regions.append(nil) }
    }
    print("    planner: \(regions.filter { $0 != nil }.count)/\(photos.count) photos with a region; sizes " +
          regions.compactMap { $0.map { "\($0.width)x\($0.height)" } }.joined(separator: " "))
    var foundBy: [[Bool]] = []
    var times: [[Double]] = []
    for attempt in attempts {
        var found: [Bool] = [], spent: [Double] = []
        for (index, photo) in photos.enumerated() {
            let whole = ScanPlanner.Region(x: 0, y: 0, width: photo.image.width, height: photo.image.height)
            guard let region = attempt.wholeFrame ? whole : regions[index] else {
                found.append(false); spent.append(0); continue
            }
            let started = monotonic()
            let codes: [ScannedCode] = withFrame(photo.image) { frame in
                switch attempt.decoder {
                case .zbar: return zbar.scan(frame, region: region)
                case .zxing(let options): return zxing.scan(frame, region: region, options: options)
                }
            }
            spent.append(monotonic() - started)
            found.append(photo.found(codes))
        }
        foundBy.append(found)
        times.append(spent)
        let median = Summary(spent).median
        print("    \(pad(attempt.description, 40)) \(pad(String(found.filter { $0 }.count), 3, right: true))/\(photos.count)  median \(format(median * 1000, 2)) ms  " +
              String(found.map { $0 ? "#" : "." }))
    }
    var covered = [Bool](repeating: false, count: photos.count)
    print("    greedy cover:")
    while true {
        let gains = foundBy.map { found in zip(found, covered).filter { $0 && !$1 }.count }
        guard let best = gains.indices.max(by: { gains[$0] < gains[$1] }), gains[best] > 0 else { break }
        for index in photos.indices where foundBy[best][index] { covered[index] = true }
        print("      + \(pad(attempts[best].description, 40)) +\(gains[best]) -> \(covered.filter { $0 }.count)  median \(format(Summary(times[best]).median * 1000, 2)) ms")
    }
    print("    never found: " + photos.indices.filter { !covered[$0] }.map { photos[$0].name }.joined(separator: " "))
}

/// One row of the real-photo table: which photos a decoder (or the stage) read, and its time per frame.
struct PhotoRow {
    var stage: String
    var found: Set<String> = []
    var times: [Double] = []
    /// For the stage: frames from the photo's arrival to the first that read it, per photo read.
    var framesToRead: [Int] = []
}

/// Each decoder alone: one attempt per photo on the whole frame (`passes` times, for the timing).
/// `read` decodes the photo and says whether its code came out.
func measurePhotosAlone(_ photos: [Photo], name: String, passes: Int, read: (Photo) -> Bool) -> PhotoRow {
    var row = PhotoRow(stage: name)
    for pass in 0..<passes {
        for photo in photos {
            let started = monotonic()
            let found = read(photo)
            row.times.append(monotonic() - started)
            if pass == 0 && found { row.found.insert(photo.name) }
        }
    }
    return row
}

/// The scanner stage in camera order: each photo held for `holdFrames` at `fps` (the same frame, as the
/// simulated board plays it), then `gapFrames` of an empty grey entrance. Times are those of held frames.
func measurePhotoStage(_ photos: [Photo], name: String, decoders: [QRDecoder], holdFrames: Int = 20, gapFrames: Int = 10,
                       fps: Double = 20) throws -> PhotoRow {
    var row = PhotoRow(stage: name)
    var frameClock = 0.0
    let scanner = try PlannedScanner(decoders: decoders, clock: { frameClock })
    let empty = LumaImage(width: 640, height: 480, fill: 128)
    for photo in photos {
        for index in 0..<holdFrames {
            frameClock += 1 / fps
            let started = monotonic()
            let codes = withFrame(photo.image) { scanner.scan($0) }
            row.times.append(monotonic() - started)
            if photo.found(codes), !row.found.contains(photo.name) {
                row.found.insert(photo.name)
                row.framesToRead.append(index + 1)
            }
        }
        for _ in 0..<gapFrames {
            frameClock += 1 / fps
            _ = withFrame(empty) { scanner.scan($0) }
        }
    }
    return row
}

/// Camera-order rows of the synthetic corpus for a decoder configuration other than the default (the
/// default's rows are the main table's).
func measureStage(_ order: CameraOrder, decoders: [QRDecoder]) throws -> StageResult {
    var frameClock = 0.0
    return measureScannerStage(order, rounds: 1, scanner: try PlannedScanner(decoders: decoders, clock: { frameClock }),
                                   advance: { frameClock += 1.0 / 30 })
}

func printPhotoTable(_ rows: [PhotoRow], photos: [Photo], baseline: PhotoRow) -> [[String: Any]] {
    let folders = Array(Set(photos.map(\.folder))).sorted()
    let baselineTime = Summary(baseline.times)
    print(pad("decoder", 34) + pad("found", 7, right: true) + folders.map { pad($0, 11, right: true) }.joined() +
          pad("median ms", 11, right: true) + pad("p99 ms", 9, right: true) + pad("x base med", 12, right: true) +
          pad("x base p99", 12, right: true) + pad("frames to read", 16, right: true))
    var json: [[String: Any]] = []
    for row in rows {
        let time = Summary(row.times)
        let perFolder = folders.map { folder in
            (folder, photos.filter { $0.folder == folder && row.found.contains($0.name) }.count, photos.filter { $0.folder == folder }.count)
        }
        let toRead = row.framesToRead.isEmpty ? "" : "med \(Summary(row.framesToRead.map(Double.init)).median.formatted()) max \(row.framesToRead.max()!)"
        print(pad(row.stage, 34) + pad("\(row.found.count)/\(photos.count)", 7, right: true) +
              perFolder.map { pad("\($0.1)/\($0.2)", 11, right: true) }.joined() +
              pad(format(time.median * 1000, 3), 11, right: true) + pad(format(time.p99 * 1000, 3), 9, right: true) +
              pad(format(time.median / baselineTime.median, 3), 12, right: true) + pad(format(time.p99 / baselineTime.p99, 3), 12, right: true) +
              pad(toRead, 16, right: true))
        var entry: [String: Any] = [
            "stage": row.stage, "found": row.found.count, "photos": photos.count, "found_names": row.found.sorted(),
            "per_folder": Dictionary(uniqueKeysWithValues: perFolder.map { ($0.0, ["found": $0.1, "photos": $0.2]) }),
            "time": time.json, "ratio_median_to_baseline": time.median / baselineTime.median,
            "ratio_p99_to_baseline": time.p99 / baselineTime.p99,
        ]
        if !row.framesToRead.isEmpty { entry["frames_to_read"] = row.framesToRead }
        json.append(entry)
    }
    return json
}
