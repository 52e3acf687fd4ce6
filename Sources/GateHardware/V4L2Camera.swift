import CV4L2
import GateCore
import Glibc
import LinuxSystem

/// Which camera to open and how. Defaults suit a USB UVC webcam reading codes at arm's length.
public struct CameraSettings: Sendable, Equatable {
    /// A device path (`/dev/video0`) or a name under `/dev/v4l/by-id/` (stable across reboots and ports).
    public var device: String
    public var width: Int
    public var height: Int
    /// Frames per second asked of the driver (`VIDIOC_S_PARM`); drivers that cannot set it keep their own.
    public var fps: Int
    /// mmap buffers queued to the driver.
    public var buffers: Int
    /// No frame for this long while streaming means the camera stalled: a fault that needs a reopen.
    public var timeoutMilliseconds: Int
    /// Which pixel format to ask for; `auto` takes GREY, then YUYV, then libv4l's conversion.
    public var pixelFormat: PixelFormat

    public typealias PixelFormat = CameraPixelFormat

    public init(
        device: String = "/dev/video0", width: Int = 640, height: Int = 480, fps: Int = 30, buffers: Int = 4,
        timeoutMilliseconds: Int = 2000, pixelFormat: PixelFormat = .auto
    ) {
        self.device = device
        self.width = width
        self.height = height
        self.fps = fps
        self.buffers = buffers
        self.timeoutMilliseconds = timeoutMilliseconds
        self.pixelFormat = pixelFormat
    }

    /// The path to open: names without a `/` are looked up under `/dev/v4l/by-id/`.
    public var devicePath: String {
        device.hasPrefix("/") ? device : "/dev/v4l/by-id/" + device
    }
}

/// The luma layouts the camera can hand out, best first.
enum LumaLayout: Equatable {
    /// 8-bit grey: the buffer is the luma plane, lent without a copy.
    case grey
    /// Packed Y0 U Y1 V: the Y bytes are gathered into one preallocated plane.
    case yuyv
    /// Planar YUV 4:2:0 converted by libv4l from anything else (e.g. MJPEG): its first plane is luma.
    case yuv420

    var fourcc: UInt32 {
        switch self {
        case .grey: return fourCC("GREY")
        case .yuyv: return fourCC("YUYV")
        case .yuv420: return fourCC("YU12")
        }
    }

    /// GREY, then YUYV, among the formats the device itself produces; otherwise let libv4l convert.
    /// A forced format (`preferred` not `.auto`) is taken only when the device produces it; nil otherwise.
    static func choose(nativeFormats: [UInt32], preferred: CameraSettings.PixelFormat = .auto) -> LumaLayout? {
        switch preferred {
        case .grey: return nativeFormats.contains(LumaLayout.grey.fourcc) ? .grey : nil
        case .yuyv: return nativeFormats.contains(LumaLayout.yuyv.fourcc) ? .yuyv : nil
        case .auto: break
        }
        if nativeFormats.contains(LumaLayout.grey.fourcc) { return .grey }
        if nativeFormats.contains(LumaLayout.yuyv.fourcc) { return .yuyv }
        return .yuv420
    }
}

/// A V4L2 pixel-format code from its four ASCII letters.
func fourCC(_ code: String) -> UInt32 {
    code.utf8.prefix(4).enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
}

/// Gathers the Y bytes of packed YUYV rows into `plane` (`width` bytes per row). Returns false, touching
/// nothing, when either buffer is too small for the geometry (a short frame from the driver).
func copyLuma(
    fromYUYV source: UnsafeRawBufferPointer, bytesPerRow: Int, width: Int, height: Int,
    into plane: UnsafeMutableRawBufferPointer
) -> Bool {
    guard width > 0, height > 0, bytesPerRow >= 2 * width,
        source.count >= bytesPerRow * (height - 1) + 2 * width, plane.count >= width * height,
        let from = source.baseAddress, let to = plane.baseAddress
    else { return false }
    let input = from.assumingMemoryBound(to: UInt8.self)
    let output = to.assumingMemoryBound(to: UInt8.self)
    for row in 0..<height {
        let inRow = input + row * bytesPerRow
        let outRow = output + row * width
        for x in 0..<width { outRow[x] = inRow[2 * x] }
    }
    return true
}

/// A V4L2 capture device through libv4l2, streaming into mmap buffers.
///
/// The luma plane of each frame is lent to the caller while its buffer is dequeued, then the buffer goes
/// back to the driver. `open()` and `close()` may be called any number of times; the daemon reopens with
/// back-off after any `DeviceError` (`DeviceSupervisor`).
public final class V4L2Camera: Camera {
    public let settings: CameraSettings
    public var path: String { settings.devicePath }

    private var fd: Int32 = -1
    private var mapped: [UnsafeMutableRawBufferPointer] = []
    private var layout = LumaLayout.grey
    private var width = 0
    private var height = 0
    private var bytesPerRow = 0
    /// YUYV only: the plane the Y bytes are gathered into, allocated once per open.
    private var lumaPlane: UnsafeMutableRawBufferPointer?
    private var lastFrameAt: Int64 = 0

    public init(settings: CameraSettings) {
        self.settings = settings
    }

    deinit { close() }

    /// What was negotiated, for logs and the selftest: format letters and size.
    public var negotiated: String {
        let code = layout.fourcc
        let letters = (0..<4).map { Character(Unicode.Scalar(UInt8(truncatingIfNeeded: code >> (8 * $0)))) }
        return "\(String(letters)) \(width)x\(height)"
    }

    public func open() throws(DeviceError) {
        close()
        guard settings.width > 0, settings.height > 0, (1...32).contains(settings.buffers), settings.fps > 0 else {
            throw failure("configure", "width, height and fps must be positive, buffers 1…32")
        }
        do throws(SystemCallError) {
            fd = try SystemCall.check(hg_v4l2_open(path), "v4l2_open")
            try checkCapabilities()
            try negotiateFormat()
            var parm = v4l2_streamparm()
            parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            parm.parm.capture.timeperframe = v4l2_fract(numerator: 1, denominator: UInt32(settings.fps))
            _ = hg_v4l2_ioctl(fd, HG_VIDIOC_S_PARM, &parm)  // optional: many drivers keep a fixed rate
            try mapBuffers()
            var type = Int32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
            try SystemCall.check(hg_v4l2_ioctl(fd, HG_VIDIOC_STREAMON, &type), "ioctl(VIDIOC_STREAMON)")
        } catch {
            close()
            throw DeviceError(.camera, path: path, error)
        }
        lastFrameAt = SystemCall.monotonicNanoseconds()
    }

    public func withNextFrame<R>(timeoutMilliseconds: Int, _ body: (LumaFrame) throws -> R) throws -> R? {
        guard fd >= 0 else { throw failure("capture", "not open") }
        var buffer = v4l2_buffer()
        buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        buffer.memory = V4L2_MEMORY_MMAP.rawValue
        do throws(SystemCallError) {
            let events = try SystemCall.poll(fd, events: Int16(POLLIN), timeoutMilliseconds: timeoutMilliseconds)
            if events == 0 {
                let silentMilliseconds = (SystemCall.monotonicNanoseconds() - lastFrameAt) / 1_000_000
                if silentMilliseconds >= settings.timeoutMilliseconds {
                    throw SystemCallError("poll (no frame for \(silentMilliseconds) ms)", errno: ETIMEDOUT)
                }
                return nil
            }
            // POLLERR comes with a disconnected or stopped device; DQBUF then says which errno.
            let result = hg_v4l2_ioctl(fd, HG_VIDIOC_DQBUF, &buffer)
            if result == -EAGAIN {
                if events & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 {
                    throw SystemCallError("poll (device reported an error)", errno: EIO)
                }
                return nil
            }
            try SystemCall.check(result, "ioctl(VIDIOC_DQBUF)")
        } catch {
            throw DeviceError(.camera, path: path, error)
        }
        lastFrameAt = SystemCall.monotonicNanoseconds()
        let result: R?
        do {
            result = try lend(buffer, body)
        } catch {
            try requeue(&buffer)
            throw error
        }
        try requeue(&buffer)
        return result
    }

    public func close() {
        if fd >= 0 {
            var type = Int32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
            _ = hg_v4l2_ioctl(fd, HG_VIDIOC_STREAMOFF, &type)
        }
        for buffer in mapped {
            _ = v4l2_munmap(buffer.baseAddress, buffer.count)
        }
        mapped = []
        if fd >= 0 {
            var request = v4l2_requestbuffers()
            request.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            request.memory = V4L2_MEMORY_MMAP.rawValue
            _ = hg_v4l2_ioctl(fd, HG_VIDIOC_REQBUFS, &request)  // count 0 frees the driver's buffers
            _ = v4l2_close(fd)
        }
        fd = -1
        lumaPlane?.deallocate()
        lumaPlane = nil
    }

    /// Builds the frame from a dequeued buffer and calls `body`; nil when the buffer holds no whole frame.
    private func lend<R>(_ buffer: v4l2_buffer, _ body: (LumaFrame) throws -> R) rethrows -> R? {
        guard Int(buffer.index) < mapped.count, buffer.flags & UInt32(V4L2_BUF_FLAG_ERROR) == 0 else { return nil }
        let memory = UnsafeRawBufferPointer(mapped[Int(buffer.index)])
        let used = min(Int(buffer.bytesused), memory.count)
        let sequence = UInt64(buffer.sequence)
        switch layout {
        case .grey, .yuv420:
            guard used >= bytesPerRow * height else { return nil }
            return try body(
                LumaFrame(
                    width: width, height: height, bytesPerRow: bytesPerRow,
                    pixels: UnsafeRawBufferPointer(rebasing: memory[0..<(bytesPerRow * height)]), sequence: sequence))
        case .yuyv:
            guard let plane = lumaPlane,
                copyLuma(
                    fromYUYV: UnsafeRawBufferPointer(rebasing: memory[0..<used]), bytesPerRow: bytesPerRow,
                    width: width, height: height, into: plane)
            else { return nil }
            return try body(
                LumaFrame(
                    width: width, height: height, bytesPerRow: width, pixels: UnsafeRawBufferPointer(plane),
                    sequence: sequence))
        }
    }

    private func requeue(_ buffer: inout v4l2_buffer) throws(DeviceError) {
        do throws(SystemCallError) {
            try SystemCall.check(hg_v4l2_ioctl(fd, HG_VIDIOC_QBUF, &buffer), "ioctl(VIDIOC_QBUF)")
        } catch {
            throw DeviceError(.camera, path: path, error)
        }
    }

    private func checkCapabilities() throws(SystemCallError) {
        var capability = v4l2_capability()
        try SystemCall.check(hg_v4l2_ioctl(fd, HG_VIDIOC_QUERYCAP, &capability), "ioctl(VIDIOC_QUERYCAP)")
        let caps =
            capability.capabilities & UInt32(V4L2_CAP_DEVICE_CAPS) != 0
            ? capability.device_caps : capability.capabilities
        let needed = UInt32(V4L2_CAP_VIDEO_CAPTURE) | UInt32(V4L2_CAP_STREAMING)
        guard caps & needed == needed else {
            // Not a streaming capture node (e.g. a metadata node of a UVC camera, or vivid's output).
            throw SystemCallError("ioctl(VIDIOC_QUERYCAP): not a streaming capture device", errno: ENOTTY)
        }
    }

    private func negotiateFormat() throws(SystemCallError) {
        var native: [UInt32] = []
        var description = v4l2_fmtdesc()
        description.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        while hg_v4l2_ioctl(fd, HG_VIDIOC_ENUM_FMT, &description) == 0, description.index < 64 {
            if description.flags & UInt32(V4L2_FMT_FLAG_EMULATED) == 0 { native.append(description.pixelformat) }
            description.index += 1
        }
        guard let wanted = LumaLayout.choose(nativeFormats: native, preferred: settings.pixelFormat) else {
            throw SystemCallError("VIDIOC_ENUM_FMT: the device does not produce pixel_format \(settings.pixelFormat.rawValue)", errno: EINVAL)
        }
        var format = v4l2_format()
        format.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        format.fmt.pix.width = UInt32(settings.width)
        format.fmt.pix.height = UInt32(settings.height)
        format.fmt.pix.pixelformat = wanted.fourcc
        format.fmt.pix.field = V4L2_FIELD_NONE.rawValue
        try SystemCall.check(hg_v4l2_ioctl(fd, HG_VIDIOC_S_FMT, &format), "ioctl(VIDIOC_S_FMT)")
        guard format.fmt.pix.pixelformat == wanted.fourcc else {
            throw SystemCallError("ioctl(VIDIOC_S_FMT): driver refused the pixel format", errno: EINVAL)
        }
        layout = wanted
        width = Int(format.fmt.pix.width)
        height = Int(format.fmt.pix.height)
        let minimumRow = layout == .yuyv ? 2 * width : width
        bytesPerRow = max(Int(format.fmt.pix.bytesperline), minimumRow)
        if layout == .yuyv {
            lumaPlane = .allocate(byteCount: width * height, alignment: 16)
        }
    }

    private func mapBuffers() throws(SystemCallError) {
        var request = v4l2_requestbuffers()
        request.count = UInt32(settings.buffers)
        request.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        request.memory = V4L2_MEMORY_MMAP.rawValue
        try SystemCall.check(hg_v4l2_ioctl(fd, HG_VIDIOC_REQBUFS, &request), "ioctl(VIDIOC_REQBUFS)")
        for index in 0..<request.count {
            var buffer = v4l2_buffer()
            buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            buffer.memory = V4L2_MEMORY_MMAP.rawValue
            buffer.index = index
            try SystemCall.check(hg_v4l2_ioctl(fd, HG_VIDIOC_QUERYBUF, &buffer), "ioctl(VIDIOC_QUERYBUF)")
            let start = v4l2_mmap(nil, Int(buffer.length), PROT_READ | PROT_WRITE, MAP_SHARED, fd, Int64(buffer.m.offset))
            guard let start, start != MAP_FAILED else { throw SystemCallError("v4l2_mmap", errno: errno) }
            mapped.append(UnsafeMutableRawBufferPointer(start: start, count: Int(buffer.length)))
            try SystemCall.check(hg_v4l2_ioctl(fd, HG_VIDIOC_QBUF, &buffer), "ioctl(VIDIOC_QBUF)")
        }
    }

    private func failure(_ operation: String, _ message: String) -> DeviceError {
        DeviceError(device: .camera, path: path, operation: operation, message: message)
    }
}
