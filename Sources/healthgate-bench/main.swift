// healthgate-bench: the hot path against the raw library it is built on, in one run (docs/performance.md).
//   healthgate-bench [--out DIR] [--healthgated PATH] [--daemon-frames 10000,100000] [--photos DIR] [--explore-photos]
//   --photos: the real photos (default: shared/qr-photos beside the checkout, i.e. ../shared/qr-photos from it)
//   --explore-photos: every decode attempt on every photo and their greedy cover, then exit (how the schedule was chosen)
import Foundation
import GateConfig
import GateHardware
import GateService
import HealthCode
import GateCore
import Logging

var arguments = CommandLine.arguments.dropFirst().makeIterator()
var outFolder = "bench-out"
var daemonBinary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("healthgated").path
var daemonCheckpoints = [10_000, 100_000]
var photoFolder: String?
var explore = false
var platformSimulator = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("healthgate-platform-sim").path
var platformOnly = false
while let argument = arguments.next() {
    switch argument {
    case "--platform-sim": platformSimulator = arguments.next() ?? platformSimulator
    case "--platform-only": platformOnly = true
    case "--out": outFolder = arguments.next() ?? outFolder
    case "--healthgated": daemonBinary = arguments.next() ?? daemonBinary
    case "--photos": photoFolder = arguments.next()
    case "--explore-photos": explore = true
    case "--daemon-frames":
        daemonCheckpoints = (arguments.next() ?? "").split(separator: ",").compactMap { Int($0) }
    default:
        print("usage: healthgate-bench [--out DIR] [--healthgated PATH] [--daemon-frames N,M] [--photos DIR] [--explore-photos] [--platform-sim PATH] [--platform-only]")
        exit(2)
    }
}

func step(_ text: String) {
    print("==> " + text)
    fflush(nil)  // progress shows at once when stdout is a pipe (make bench | tee)
}

photoFolder = photoFolder ?? Photo.findFolder(checkout: FileManager.default.currentDirectoryPath)
let out = URL(fileURLWithPath: outFolder).standardizedFileURL.path
try? FileManager.default.removeItem(atPath: out)
let work = FileManager.default.temporaryDirectory.appendingPathComponent("healthgate-bench-\(getpid())").path
try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: work) }

// MARK: Corpus
step("generating the corpus")
let issuers = try BenchIssuers(trustDirectory: out + "/trust")
let now = Int(Date().timeIntervalSince1970)
var payloads: [(kind: String, bytes: [UInt8])] = []
for index in 0..<40 {
    switch index % 10 {
    case 3: payloads.append(("hc1-es256", try issuers.es256.payload(now: now, certificateID: "BENCH\(index)")))
    case 7: payloads.append(("hc1-ps256", try issuers.ps256.payload(now: now, certificateID: "BENCH\(index)")))
    default: payloads.append(("hg1", try issuers.hg1Payload(now: now, index: index)))
    }
}
let corpus = try Corpus(payloads: payloads, emptyCount: 160)
try corpus.write(to: out + "/corpus")
print("    \(corpus.codeFrames.count) frames with a code (\(payloads.count) codes x \(Corpus.variantsPerCode) noise variants), " +
      "\(corpus.emptyFrames.count) empty frames -> \(out)/corpus (manifest.json)")

if platformOnly {
    try platformReport(simulator: platformSimulator, work: work)
    exit(0)
}

if explore {
    guard let photoFolder else { print("error: no qr-photos folder (pass --photos DIR)"); exit(1) }
    let photos = try Photo.load(folder: photoFolder)
    step("every decode attempt on the photos in \(photoFolder)")
    try explore(photos)
    step("... on the photos turned 20 degrees and scaled 0.75 (not tuned on)")
    try explore(photos.map { $0.transformed(degrees: 20, scale: 0.75) })
    step("... on the photos turned -35 degrees and scaled 1.2 (not tuned on)")
    try explore(photos.map { $0.transformed(degrees: -35, scale: 1.2) })
    step("... on the synthetic corpus, first noise variant of each code (not tuned on)")
    let synthetic = corpus.codeFrames.filter { $0.name.hasSuffix("-v0.pgm") }.map {
        Photo(name: $0.name, folder: "synthetic", image: $0.image, expected: $0.payload ?? [])
    }
    try explore(synthetic)
    step("... on all of them together")
    try explore(photos + photos.map { $0.transformed(degrees: 20, scale: 0.75) } + photos.map { $0.transformed(degrees: -35, scale: 1.2) } + synthetic)
    exit(0)
}

// MARK: Per-frame cost
let passes = 3
step("raw zbar baseline (\(passes) passes over the corpus)")
let baselineCode = measureBaseline(corpus.codeFrames, passes: passes)
let baselineEmpty = measureBaseline(corpus.emptyFrames, passes: passes)

let order = CameraOrder(corpus, holdFrames: 8, gapFrames: 30)
step("scanner stage in camera order (\(order.slots.count) frames x 3 rounds) and on first sight")
let stage = try measureScannerStage(order, rounds: 3)
let firstSight = try measureFirstSight(corpus.codeFrames, passes: passes)
let firstSightEmpty = try measureFirstSight(corpus.emptyFrames, passes: passes)

// The other decoder configurations on the same frames: each decoder alone, and the other order.
step("zxing-cpp alone and the other decoder configurations on the corpus")
let zxingAlone = try ZxingScanner()
func measureZxingAlone(_ frames: [Corpus.Frame], _ zxingAlone: ZxingScanner) -> (times: [Double], detected: Int, codesFound: Set<Int>) {
    var times: [Double] = [], detected = 0, codesFound = Set<Int>()
    for pass in 0..<passes {
        for frame in frames {
            let started = monotonic()
            let codes = withFrame(frame.image) { zxingAlone.scan($0) }
            times.append(monotonic() - started)
            if pass == 0, let payload = frame.payload, codes.contains(where: { $0.payload == payload }) {
                detected += 1
                if let code = frame.code { codesFound.insert(code) }
            }
        }
    }
    return (times, detected, codesFound)
}
let zxingCode = measureZxingAlone(corpus.codeFrames, zxingAlone), zxingEmpty = measureZxingAlone(corpus.emptyFrames, zxingAlone)
let otherConfigurations: [[QRDecoder]] = [[.zbar], [.zxing], [.zxing, .zbar]]
let otherStages = try otherConfigurations.map { try measureStage(order, decoders: $0) }

var photoRows: [PhotoRow] = []
var untunedPhotoRows: [PhotoRow] = []
var photos: [Photo] = []
if let photoFolder {
    photos = try Photo.load(folder: photoFolder)
    step("real photos: \(photos.count) from \(photoFolder), each decoder alone (3 passes) and the stage (each photo held 20 frames at 20 fps)")
    let rawZbar = RawZbar()
    photoRows.append(measurePhotosAlone(photos, name: "raw zbar (baseline)", passes: passes) { rawZbar.scan($0.image, expecting: $0.expected) })
    photoRows.append(measurePhotosAlone(photos, name: "raw zxing-cpp (default hints)", passes: passes) { photo in
        photo.found(withFrame(photo.image) { zxingAlone.scan($0) })
    })
    for decoders in [[QRDecoder.zbar], [.zxing], BoardConfiguration.Scanner.defaultDecoders, [.zxing, .zbar]] {
        let label = "stage [" + decoders.map(\.rawValue).joined(separator: ", ") + "]" +
            (decoders == BoardConfiguration.Scanner.defaultDecoders ? " (default)" : "")
        photoRows.append(try measurePhotoStage(photos, name: label, decoders: decoders))
    }
    // Frames the schedule was not tuned on: every photo turned and scaled (bilinear, so also softer).
    for (degrees, scale) in [(20.0, 0.75), (-35.0, 1.2)] {
        let turned = photos.map { $0.transformed(degrees: degrees, scale: scale) }
        let suffix = " @\(Int(degrees))deg x\(scale)"
        var rows = [
            measurePhotosAlone(turned, name: "raw zbar" + suffix, passes: 1) { rawZbar.scan($0.image, expecting: $0.expected) },
            measurePhotosAlone(turned, name: "raw zxing-cpp" + suffix, passes: 1) { photo in
                photo.found(withFrame(photo.image) { zxingAlone.scan($0) })
            },
            try measurePhotoStage(turned, name: "stage [zbar]" + suffix, decoders: [.zbar]),
            try measurePhotoStage(turned, name: "stage (default)" + suffix, decoders: BoardConfiguration.Scanner.defaultDecoders),
        ]
        // Named by the original photo, so the table's per-folder counts apply.
        for index in rows.indices {
            rows[index].found = Set(rows[index].found.map { String($0[..<($0.range(of: "-r")?.lowerBound ?? $0.endIndex)]) })
        }
        untunedPhotoRows.append(contentsOf: rows)
    }
} else {
    step("real photos: skipped, no shared/qr-photos beside the checkout (pass --photos DIR)")
}

step("pipeline on the simulated board (two rounds of the codes at 30 fps, SQLite entry log)")
let pipelineOrder = CameraOrder(corpus, holdFrames: 8, gapFrames: 15, rounds: 2)
try writeScenario(pipelineOrder, corpusFolder: out + "/corpus", to: work + "/scenario.txt", temperature: 36.6)
/// The benchmark's gate: short holds, the clock taken as synchronised, everything under `folder`. The
/// in-process pipeline parses it; the memory run writes it to a file for the real daemon.
func configurationText(gateID: String, scenario: String, fps: Int, atEnd: String, folder: String, replayWindow: Int) -> String {
    """
    [gate]
    id = "\(gateID)"
    venue = "market"
    [timing]
    relay_pulse_ms = 150
    admitted_hold_ms = 200
    refused_hold_ms = 200
    remeasure_delay_ms = 100
    [codes]
    trust_dir = "\(issuers.trustDirectory)"
    assume_clock_synchronised = true
    presentation_absence_ms = 200
    replay_window_s = \(replayWindow)
    [log]
    database = "\(folder)/entries.sqlite"
    [paths]
    status_file = "\(folder)/status.json"
    requests_dir = "\(folder)/requests"
    [board]
    profile = "simulated"
    [board.simulated]
    scenario = "\(scenario)"
    fps = \(fps)
    at_end = "\(atEnd)"
    """
}

func configuration(scenario: String, fps: Int, atEnd: String, folder: String, replayWindow: Int = 0) throws -> GateConfiguration {
    try ConfigLoader.parse(text: configurationText(gateID: "bench-gate", scenario: scenario, fps: fps, atEnd: atEnd,
                                                   folder: folder, replayWindow: replayWindow), file: "bench.toml")
}
let pipelineConfig = try configuration(scenario: work + "/scenario.txt", fps: 30, atEnd: "stop", folder: work)
// Two rounds over every code with anti-passback off, so each presentation opens the relay: more latency samples.
// The daemon's own log handler at its default level; its lines go to /dev/null, not the table.
LoggingSystem.bootstrap { label in StderrLogHandler(label: label, level: .info) }
let savedStderr = dup(2)
let devNull = open("/dev/null", O_WRONLY)
dup2(devNull, 2)
let pipelineResult: PipelineResult
// The same pipeline with zbar alone (the stage before zxing-cpp), for frame-to-relay in the same run.
let zbarOnlyPipelineResult: PipelineResult
do {
    pipelineResult = try measurePipeline(pipelineOrder, configuration: pipelineConfig, logger: Logger(label: "healthgated"))
    try FileManager.default.createDirectory(atPath: work + "/zbar-only", withIntermediateDirectories: true)
    var zbarOnlyConfig = try configuration(scenario: work + "/scenario.txt", fps: 30, atEnd: "stop", folder: work + "/zbar-only")
    zbarOnlyConfig.board.scanner = .init(decoders: [.zbar])
    zbarOnlyPipelineResult = try measurePipeline(pipelineOrder, configuration: zbarOnlyConfig, logger: Logger(label: "healthgated"))
    dup2(savedStderr, 2)
} catch {
    dup2(savedStderr, 2)
    throw error
}

// MARK: Verification throughput
step("verification throughput")
let store = TrustStore(directory: issuers.trustDirectory)
let trustProblems = store.reload()
guard trustProblems.isEmpty else { throw BenchError("trust store: \(trustProblems)") }
let verifier = CodeVerifier(trustStore: store, configuration: VerifierConfiguration())
func verificationsPerSecond(_ payload: [UInt8]) throws -> Double {
    let clock = ClockReading(now: Date().timeIntervalSince1970, synchronised: true)
    let verdict = verifier.verify(payload: payload, clock: clock)
    guard verdict.isValid else { throw BenchError("bench payload does not verify: \(verdict.reasons)") }
    var count = 0
    let started = monotonic()
    while monotonic() - started < 1.0 {
        for _ in 0..<10 { _ = verifier.verify(payload: payload, clock: clock) }
        count += 10
    }
    return Double(count) / (monotonic() - started)
}
let throughput: [(String, Double)] = [
    ("HG1 (ES256)", try verificationsPerSecond(payloads[0].bytes)),
    ("HC1 ES256", try verificationsPerSecond(payloads[3].bytes)),
    ("HC1 PS256", try verificationsPerSecond(payloads[7].bytes)),
]

// MARK: Daemon memory
var daemonMemory: [(frames: Int, memory: ResidentMemory, seconds: Double)] = []
var daemonNote = ""
var simulatedFramesKB = 0
var daemonMappings: [(mapping: String, kB: Int)] = []
if !daemonCheckpoints.isEmpty {
    step("healthgated on a looping scenario at 1000 fps until \(daemonCheckpoints.map(String.init).joined(separator: ", ")) frames")
    let folder = work + "/daemon"
    try FileManager.default.createDirectory(atPath: folder + "/requests", withIntermediateDirectories: true)
    // A visitor every 38 frames (three codes, then replayed: each attempt is a committed row). One frame
    // per code and the board's own noise for the gaps: the simulated board keeps every frame it plays in
    // memory (0.3 MB each), which a camera does not; `simulatedFramesKB` is that share of the RSS.
    let loopCodes = [0, 3, 7].compactMap { code in corpus.codeFrames.first { $0.code == code } }
    var script = ""
    for frame in loopCodes {
        script += "temperature 36.6\nframe \(out)/corpus/\(frame.name) 8\ntemperature none\nblank 30\n"
    }
    try script.write(toFile: folder + "/scenario.txt", atomically: true, encoding: .utf8)
    simulatedFramesKB = (loopCodes.count + 4) * Corpus.width * Corpus.height / 1024
    // Anti-passback at its default, as a deployed gate runs.
    let text = configurationText(gateID: "bench-daemon", scenario: folder + "/scenario.txt", fps: 1000, atEnd: "loop",
                                 folder: folder, replayWindow: 600)
    try text.write(toFile: folder + "/healthgate.toml", atomically: true, encoding: .utf8)
    if FileManager.default.isExecutableFile(atPath: daemonBinary) {
        (daemonMemory, daemonMappings) = try measureDaemonMemory(binary: daemonBinary, config: folder + "/healthgate.toml", statusFile: folder + "/status.json",
                                               checkpoints: daemonCheckpoints, timeout: 600)
    } else {
        daemonNote = "healthgated not found at \(daemonBinary)"
    }
}

// MARK: Report
func rate(_ detected: Int, _ total: Int) -> Double { total == 0 ? .nan : Double(detected) / Double(total) }
let baselineCodeSummary = Summary(baselineCode.times)
let baselineEmptySummary = Summary(baselineEmpty.times)
let codeFrameCount = corpus.codeFrames.count
let heldCodeFrames = order.slots.filter { $0.presentation != nil }.count
let rows: [Row] = [
    Row(stage: "raw zbar (baseline)", frames: "code", time: baselineCodeSummary,
        detection: rate(baselineCode.detected, codeFrameCount),
        detectionNote: "\(codeFrameCount) corpus code frames; codes found in at least one frame \(baselineCode.codesFound.count)/\(payloads.count)",
        allocationsPerFrame: nil, baseline: baselineCodeSummary),
    Row(stage: "raw zbar (baseline)", frames: "empty", time: baselineEmptySummary, detection: nil, detectionNote: "",
        allocationsPerFrame: nil, baseline: baselineEmptySummary),
    Row(stage: "scanner, first sight", frames: "code", time: Summary(firstSight.times),
        detection: rate(firstSight.detected, codeFrameCount), detectionNote: "\(codeFrameCount) corpus code frames",
        allocationsPerFrame: nil, baseline: baselineCodeSummary),
    Row(stage: "scanner, first sight", frames: "empty", time: Summary(firstSightEmpty.times), detection: nil, detectionNote: "",
        allocationsPerFrame: nil, baseline: baselineEmptySummary),
    Row(stage: "scanner, camera order", frames: "code", time: Summary(stage.codeTimes),
        detection: rate(stage.codeFramesDetected, heldCodeFrames), detectionNote: "\(heldCodeFrames) held code frames; presentations found \(stage.presentationsDetected.count)/\(order.presentations)",
        allocationsPerFrame: Double(stage.codeAllocations) / Double(max(1, stage.codeTimes.count)), baseline: baselineCodeSummary),
    Row(stage: "scanner, camera order", frames: "empty", time: Summary(stage.emptyTimes), detection: nil, detectionNote: "",
        allocationsPerFrame: Double(stage.emptyAllocations) / Double(max(1, stage.emptyTimes.count)), baseline: baselineEmptySummary),
    Row(stage: "pipeline to decision", frames: "code", time: Summary(pipelineResult.stage.codeTimes),
        detection: rate(pipelineResult.decisions, pipelineOrder.presentations),
        detectionNote: "\(pipelineResult.decisions) of \(pipelineOrder.presentations) presentations (2 rounds) decided (\(pipelineResult.admitted) admitted)",
        allocationsPerFrame: Double(pipelineResult.stage.codeAllocations) / Double(max(1, pipelineResult.stage.codeTimes.count)), baseline: baselineCodeSummary),
    Row(stage: "pipeline to decision", frames: "empty", time: Summary(pipelineResult.stage.emptyTimes), detection: nil, detectionNote: "",
        allocationsPerFrame: Double(pipelineResult.stage.emptyAllocations) / Double(max(1, pipelineResult.stage.emptyTimes.count)), baseline: baselineEmptySummary),
] + [
    Row(stage: "raw zxing-cpp (default hints)", frames: "code", time: Summary(zxingCode.times),
        detection: rate(zxingCode.detected, codeFrameCount),
        detectionNote: "\(codeFrameCount) corpus code frames; codes found in at least one frame \(zxingCode.codesFound.count)/\(payloads.count)",
        allocationsPerFrame: nil, baseline: baselineCodeSummary),
    Row(stage: "raw zxing-cpp (default hints)", frames: "empty", time: Summary(zxingEmpty.times), detection: nil, detectionNote: "",
        allocationsPerFrame: nil, baseline: baselineEmptySummary),
] + zip(otherConfigurations, otherStages).flatMap { decoders, result -> [Row] in
    let label = "stage [" + decoders.map(\.rawValue).joined(separator: ", ") + "], order"
    return [
        Row(stage: label, frames: "code", time: Summary(result.codeTimes), detection: rate(result.codeFramesDetected, heldCodeFrames),
            detectionNote: "\(heldCodeFrames) held code frames; presentations found \(result.presentationsDetected.count)/\(order.presentations)",
            allocationsPerFrame: Double(result.codeAllocations) / Double(max(1, result.codeTimes.count)), baseline: baselineCodeSummary),
        Row(stage: label, frames: "empty", time: Summary(result.emptyTimes), detection: nil, detectionNote: "",
            allocationsPerFrame: Double(result.emptyAllocations) / Double(max(1, result.emptyTimes.count)), baseline: baselineEmptySummary),
    ]
}
let latency = Summary(pipelineResult.frameToRelay)

var cpu = "unknown CPU"
if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
   let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }) {
    cpu = line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? cpu
}
print("")
print("healthgate bench: 640x480 Y800 frames, \(cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores")
print(pad("stage", 32) + pad("frames", 7) + pad("n", 6, right: true) + pad("median ms", 11, right: true) + pad("p99 ms", 9, right: true) +
      pad("x base med", 12, right: true) + pad("x base p99", 12, right: true) + pad("detection", 11, right: true) + pad("allocs/frame", 14, right: true))
for row in rows {
    let ratioMedian = row.baseline.map { row.time.median / $0.median } ?? .nan
    let ratioP99 = row.baseline.map { row.time.p99 / $0.p99 } ?? .nan
    print(pad(row.stage, 32) + pad(row.frames, 7) + pad(String(row.time.count), 6, right: true) +
          pad(format(row.time.median * 1000, 3), 11, right: true) + pad(format(row.time.p99 * 1000, 3), 9, right: true) +
          pad(format(ratioMedian, 3), 12, right: true) + pad(format(ratioP99, 3), 12, right: true) +
          pad(row.detection.map { format($0 * 100, 1) + "%" } ?? "", 11, right: true) +
          pad(row.allocationsPerFrame.map { format($0, 1) } ?? "", 14, right: true))
}
for row in rows where !row.detectionNote.isEmpty { print("  detection of \(row.stage): \(row.detectionNote)") }
print("  (scanner rows: the default decoders \(BoardConfiguration.Scanner.defaultDecoders.map(\.rawValue)); camera order: 1 round for the other configurations, 3 for the default)")
print("frame-to-relay (delivery -> relay command, simulated board): p50 \(format(latency.median * 1000, 3)) ms, " +
      "p99 \(format(latency.p99 * 1000, 3)) ms, max \(format(latency.max * 1000, 3)) ms (n = \(latency.count))")
let scanAtRelay = Summary(pipelineResult.scanBeforeRelay), decisionTime = Summary(pipelineResult.decisionTimes)
let zbarOnlyLatency = Summary(zbarOnlyPipelineResult.frameToRelay)
print("  of which: scan of that frame p50 \(format(scanAtRelay.median * 1000, 3)) ms, p99 \(format(scanAtRelay.p99 * 1000, 3)) ms; " +
      "code to relay (verify, decide, commit the row, relay) p50 \(format(decisionTime.median * 1000, 3)) ms, p99 \(format(decisionTime.p99 * 1000, 3)) ms")
print("  with [scanner] decoders = [\"zbar\"] in the same run: p50 \(format(zbarOnlyLatency.median * 1000, 3)) ms, " +
      "p99 \(format(zbarOnlyLatency.p99 * 1000, 3)) ms (n = \(zbarOnlyLatency.count)); p50 ratio default / zbar alone " +
      format(latency.median / zbarOnlyLatency.median, 3) + "; \(zbarOnlyPipelineResult.decisions) of \(pipelineOrder.presentations) presentations decided")
print("verifications per second: " + throughput.map { "\($0.0) \(Int($0.1))" }.joined(separator: ", "))
for sample in daemonMemory {
    print("healthgated after \(sample.frames) frames (\(format(sample.seconds, 0)) s): VmRSS \(format(Double(sample.memory.rssKB) / 1024, 1)) MB, " +
          "VmHWM \(format(Double(sample.memory.peakKB) / 1024, 1)) MB")
}
if !daemonMemory.isEmpty {
    print("  of which the simulated board's frames held in memory: \(format(Double(simulatedFramesKB) / 1024, 1)) MB")
    print("  resident by mapping at the end: " + daemonMappings.prefix(10).map { "\($0.mapping) \(format(Double($0.kB) / 1024, 1))" }.joined(separator: ", ") + " (MB)")
}
if !daemonNote.isEmpty { print("healthgated memory: not measured (\(daemonNote))") }

var photoJSON: [String: Any] = ["skipped": "no shared/qr-photos beside the checkout"]
if let photoFolder, let baseline = photoRows.first {
    print("")
    print("real photos (\(photoFolder)): found / \(photos.count), per sample folder; time per frame (decoders alone: one whole-frame " +
          "attempt per photo, 3 passes; stage: every held frame, most of them reusing the result), ratio to raw zbar on the same photos")
    photoJSON = ["folder": photoFolder, "photos": photos.count, "hold_frames": 20, "fps": 20,
                 "rows": printPhotoTable(photoRows, photos: photos, baseline: baseline)]
    let missed = photos.filter { photo in !photoRows.contains { $0.found.contains(photo.name) } }.map(\.name)
    print("  read by none: " + (missed.isEmpty ? "-" : missed.joined(separator: " ")))
    print("the same photos turned and scaled (not tuned on; times against raw zbar on the untransformed photos):")
    photoJSON["untuned"] = printPhotoTable(untunedPhotoRows, photos: photos, baseline: baseline)
} else {
    print("")
    print("real photos: skipped (no shared/qr-photos beside the checkout; pass --photos DIR)")
}

// Issue 17's targets beside the figures of this run, each met or missed (docs/performance.md explains a miss).
var targets: [[String: Any]] = []
@MainActor func target(_ name: String, _ value: String, _ goal: String, _ met: Bool) {
    print("  \(met ? "met   " : "MISSED") \(pad(name, 44)) \(pad(value, 14, right: true))   target \(goal)")
    targets.append(["target": name, "value": value, "goal": goal, "met": met])
}
print("")
print("issue 17 targets (this run):")
if photoFolder != nil, let defaultRow = photoRows.first(where: { $0.stage.hasSuffix("(default)") }) {
    target("real photos read by the default stage", "\(defaultRow.found.count)/\(photos.count)", ">= 38/42", defaultRow.found.count >= 38)
}
let bestSingle = zip(otherConfigurations, otherStages).filter { $0.0.count == 1 }.map { $0.1.presentationsDetected.count }.max() ?? 0
target("synthetic presentations, default vs best single", "\(stage.presentationsDetected.count) vs \(bestSingle)", ">= best single",
       stage.presentationsDetected.count >= bestSingle)
let stageCode = Summary(stage.codeTimes), stageEmpty = Summary(stage.emptyTimes)
target("code frames, median / raw zbar", format(stageCode.median / baselineCodeSummary.median, 3), "<= 1.10", stageCode.median <= 1.10 * baselineCodeSummary.median)
target("code frames, p99 / raw zbar", format(stageCode.p99 / baselineCodeSummary.p99, 3), "<= 2.0", stageCode.p99 <= 2.0 * baselineCodeSummary.p99)
target("empty frames, median / raw zbar", format(stageEmpty.median / baselineEmptySummary.median, 4), "<= 0.01", stageEmpty.median <= 0.01 * baselineEmptySummary.median)
// "Unchanged" read as within 10 % of zbar alone in the same run: two runs of the same build differ by about that.
target("frame-to-relay p50 / [zbar] alone", format(latency.median / zbarOnlyLatency.median, 3), "<= 1.10 (unchanged)",
       latency.median <= 1.10 * zbarOnlyLatency.median)

var json: [String: Any] = [
    "machine": ["cpu": cpu, "cores": ProcessInfo.processInfo.activeProcessorCount],
    "corpus": ["folder": out + "/corpus", "code_frames": codeFrameCount, "codes": payloads.count, "empty_frames": corpus.emptyFrames.count,
               "camera_order": ["frames": order.slots.count, "hold_frames": 8, "gap_frames": 30, "presentations": order.presentations]],
    "per_frame": rows.map(\.json),
    "photos": photoJSON,
    "default_decoders": BoardConfiguration.Scanner.defaultDecoders.map(\.rawValue),
    "frame_to_relay": latency.json,
    "issue17_targets": targets,
    "frame_to_relay_zbar_only": zbarOnlyLatency.json,
    "frame_to_relay_scan": scanAtRelay.json,
    "code_to_relay": decisionTime.json,
    "verifications_per_second": Dictionary(uniqueKeysWithValues: throughput.map { ($0.0, $0.1) }),
    "healthgated_simulated_frames_kb": simulatedFramesKB,
    "healthgated_resident_by_mapping_kb": Dictionary(daemonMappings.map { ($0.mapping, $0.kB) }, uniquingKeysWith: +),
    "healthgated_memory": daemonMemory.map { ["frames": $0.frames, "seconds": $0.seconds].merging($0.memory.json) { $1 } },
]
if !daemonNote.isEmpty { json["healthgated_memory_note"] = daemonNote }
let data = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
try data.write(to: URL(fileURLWithPath: out + "/bench.json"))
print("written: \(out)/bench.json")
try measureRevocation(out: out, work: work)  // issue 16: 1M-entry revocation list (RevocationBench.swift)
try platformReport(simulator: platformSimulator, work: work)  // issue 15: platform verification (PlatformBench.swift)
