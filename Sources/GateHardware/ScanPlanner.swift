/// Decides, frame by frame, whether the QR decoder needs to run and on which part of the frame.
/// Most frames at an entrance hold no code, and most frames are like the one before; decoding
/// every pixel of every frame is the hot path's whole cost. The planner looks at a sparse grid of
/// pixels (every `sampleStep`-th pixel of every `sampleStep`-th row: 1/16 of the frame by default) and:
/// - skips frames with no area of QR-like contrast (an empty entrance, sensor noise);
/// - limits the decoder to the largest cluster of contrasty blocks (a code is one compact blob; the
///   corner of a door frame elsewhere in the scene must not stretch the region across the frame),
///   plus a quiet-zone margin;
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
        /// Contrasty blocks up to this many blocks apart count as one cluster (one code).
        public var clusterGap: Int

        public init(blockSize: Int = 16, sampleStep: Int = 4, contrastThreshold: Int = 48, minimumBlocks: Int = 4,
                    changeThreshold: Int = 10, retryInterval: Double = 0.2, margin: Int = 24, clusterGap: Int = 2) {
            self.blockSize = blockSize
            self.sampleStep = sampleStep
            self.contrastThreshold = contrastThreshold
            self.minimumBlocks = minimumBlocks
            self.changeThreshold = changeThreshold
            self.retryInterval = retryInterval
            self.margin = margin
            self.clusterGap = clusterGap
        }
    }

    public var settings: Settings
    private var means: [UInt8] = []
    private var previousMeans: [UInt8] = []
    /// Per block: contrasty or not, then the cluster search's work list (both sized once).
    private var contrasty: [Bool] = []
    private var pending: [Int] = []
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
            contrasty = [Bool](repeating: false, count: columns * rows)
            pending = [Int](repeating: 0, count: columns * rows)
            havePrevious = false
        }
        var contrastyCount = 0
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
                contrasty[index] = high - low >= settings.contrastThreshold
                if contrasty[index] { contrastyCount += 1 }
            }
        }
        swap(&means, &previousMeans)
        havePrevious = true

        let cluster = contrastyCount < settings.minimumBlocks ? nil : largestCluster(columns: columns, rows: rows)
        guard let cluster, cluster.blocks >= settings.minimumBlocks else {
            haveResult = false
            return .skip
        }
        if !changed && haveResult && now - lastDecodeAt < settings.retryInterval {
            return .reuse
        }
        let x = max(0, cluster.minColumn * block - settings.margin)
        let y = max(0, cluster.minRow * block - settings.margin)
        let right = min(frame.width, (cluster.maxColumn + 1) * block + settings.margin)
        let bottom = min(frame.height, (cluster.maxRow + 1) * block + settings.margin)
        return .scan(Region(x: x, y: y, width: right - x, height: bottom - y))
    }

    private struct Cluster {
        var blocks = 0
        var minColumn = Int.max, maxColumn = -1, minRow = Int.max, maxRow = -1
    }

    /// The biggest group of contrasty blocks, where blocks up to `clusterGap` blocks apart belong together
    /// (a glare spot or blur can leave a few low-contrast blocks inside a code). Consumes `contrasty`.
    private mutating func largestCluster(columns: Int, rows: Int) -> Cluster? {
        let gap = settings.clusterGap
        var best: Cluster?
        for start in 0..<(columns * rows) where contrasty[start] {
            var cluster = Cluster()
            contrasty[start] = false
            pending[0] = start
            var count = 1
            while count > 0 {
                count -= 1
                let index = pending[count]
                let row = index / columns, column = index % columns
                cluster.blocks += 1
                cluster.minColumn = min(cluster.minColumn, column)
                cluster.maxColumn = max(cluster.maxColumn, column)
                cluster.minRow = min(cluster.minRow, row)
                cluster.maxRow = max(cluster.maxRow, row)
                for neighbourRow in max(0, row - gap)...min(rows - 1, row + gap) {
                    for neighbourColumn in max(0, column - gap)...min(columns - 1, column + gap) {
                        let neighbour = neighbourRow * columns + neighbourColumn
                        if contrasty[neighbour] {
                            // Each block enters the list once (cleared here), so it never outgrows its size.
                            contrasty[neighbour] = false
                            pending[count] = neighbour
                            count += 1
                        }
                    }
                }
            }
            if cluster.blocks > (best?.blocks ?? 0) { best = cluster }
        }
        return best
    }

    /// Records that the decoder ran on this frame's plan.
    public mutating func decoded(at now: Double) {
        lastDecodeAt = now
        haveResult = true
    }
}
