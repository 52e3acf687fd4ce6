/// Decides, frame by frame, whether the QR decoder needs to run and on which part of the frame.
/// Most frames at an entrance hold no code, and most frames are like the one before; decoding
/// every pixel of every frame is the hot path's whole cost. The planner looks at a sparse grid of
/// pixels (every `sampleStep`-th pixel of every `sampleStep`-th row: 1/16 of the frame by default) and:
/// - skips frames with no area of QR-like contrast (an empty entrance, sensor noise);
/// - limits the decoder to the bounding box of the contrasty blocks, plus a quiet-zone margin;
/// - reuses the last result while the frame has not changed, but decodes again at least every
///   `retryInterval` seconds, so a code held still that failed once (glare, blur) is retried.
/// Pure computation on the borrowed luma plane; no allocation per frame after the first.
public struct ScanPlanner {
    public struct Region: Equatable, Sendable {
        public var x: Int
        public var y: Int
        public var width: Int
        public var height: Int
        public init(x: Int, y: Int, width: Int, height: Int) {
            self.x = x
            self.y = y
            self.width = width
            self.height = height
        }
    }

    public enum Plan: Equatable, Sendable {
        /// Nothing new: reuse the previous result.
        case reuse
        /// No code can be in this frame.
        case skip
        /// Decode this region.
        case scan(Region)
    }

    public struct Settings: Sendable, Equatable {
        /// Block edge in pixels; contrast is measured per block.
        public var blockSize: Int
        /// Distance between sampled pixels inside a block.
        public var sampleStep: Int
        /// Max − min inside a block at or above which it may hold QR modules (phone screens give 60+).
        public var contrastThreshold: Int
        /// Fewest contrasty blocks that can hold the smallest readable code.
        public var minimumBlocks: Int
        /// A block mean moving more than this means the scene changed.
        public var changeThreshold: Int
        /// Longest time a frame's result is reused without decoding again.
        public var retryInterval: Double
        /// Margin around the contrasty blocks (the code's quiet zone and its partly-contrasty border blocks).
        public var margin: Int

        public init(blockSize: Int = 16, sampleStep: Int = 4, contrastThreshold: Int = 48, minimumBlocks: Int = 4,
                    changeThreshold: Int = 10, retryInterval: Double = 0.2, margin: Int = 24) {
            self.blockSize = blockSize
            self.sampleStep = sampleStep
            self.contrastThreshold = contrastThreshold
            self.minimumBlocks = minimumBlocks
            self.changeThreshold = changeThreshold
            self.retryInterval = retryInterval
            self.margin = margin
        }
    }

    public var settings: Settings
    private var means: [UInt8] = []
    private var previousMeans: [UInt8] = []
    private var havePrevious = false
    private var lastDecodeAt: Double = -.infinity
    private var haveResult = false

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// Plans the work for one frame. Call `decoded(at:)` after running the decoder on a `.scan` plan.
    public mutating func plan(_ frame: LumaFrame, now: Double) -> Plan {
        let block = settings.blockSize
        let columns = frame.width / block
        let rows = frame.height / block
        guard columns > 0, rows > 0, frame.pixels.count >= frame.bytesPerRow * (frame.height - 1) + frame.width else {
            return .scan(Region(x: 0, y: 0, width: frame.width, height: frame.height))
        }
        if means.count != columns * rows {
            // Both buffers are sized once and swapped each frame: no allocation on the hot path.
            means = [UInt8](repeating: 0, count: columns * rows)
            previousMeans = means
            havePrevious = false
        }
        var minColumn = columns, maxColumn = -1, minRow = rows, maxRow = -1, contrasty = 0
        var changed = !havePrevious
        let step = settings.sampleStep
        let samplesPerSide = (block + step - 1) / step
        let sampleCount = samplesPerSide * samplesPerSide
        let pixels = frame.pixels
        for row in 0..<rows {
            for column in 0..<columns {
                var low = 255, high = 0, sum = 0
                var y = row * block
                while y < row * block + block {
                    let base = y * frame.bytesPerRow + column * block
                    var x = 0
                    while x < block {
                        let value = Int(pixels[base + x])
                        if value < low { low = value }
                        if value > high { high = value }
                        sum += value
                        x += step
                    }
                    y += step
                }
                let index = row * columns + column
                let mean = UInt8(sum / sampleCount)
                if !changed && abs(Int(mean) - Int(previousMeans[index])) > settings.changeThreshold { changed = true }
                means[index] = mean
                if high - low >= settings.contrastThreshold {
                    contrasty += 1
                    minColumn = min(minColumn, column)
                    maxColumn = max(maxColumn, column)
                    minRow = min(minRow, row)
                    maxRow = max(maxRow, row)
                }
            }
        }
        swap(&means, &previousMeans)
        havePrevious = true

        if contrasty < settings.minimumBlocks {
            haveResult = false
            return .skip
        }
        if !changed && haveResult && now - lastDecodeAt < settings.retryInterval {
            return .reuse
        }
        let x = max(0, minColumn * block - settings.margin)
        let y = max(0, minRow * block - settings.margin)
        let right = min(frame.width, (maxColumn + 1) * block + settings.margin)
        let bottom = min(frame.height, (maxRow + 1) * block + settings.margin)
        return .scan(Region(x: x, y: y, width: right - x, height: bottom - y))
    }

    /// Records that the decoder ran on this frame's plan.
    public mutating func decoded(at now: Double) {
        lastDecodeAt = now
        haveResult = true
    }
}
