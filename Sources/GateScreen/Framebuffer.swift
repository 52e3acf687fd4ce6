import CFramebuffer
import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// A Linux framebuffer device (`/dev/fbN`: the Raspberry Pi's KMS fbdev emulation, `vfb` in the tests):
/// the mode from FBIOGET_VSCREENINFO, the stride from FBIOGET_FSCREENINFO, the memory mmapped, and each
/// canvas converted to the panel's pixel layout (16, 24 or 32 bits, channel offsets as the driver reports).
public final class Framebuffer {
    public let path: String
    public private(set) var width = 0
    public private(set) var height = 0
    public private(set) var bitsPerPixel = 0
    private var stride = 0
    private var fd: Int32 = -1
    private var memory: UnsafeMutableRawPointer?
    private var length = 0
    private var red = fb_bitfield(), green = fb_bitfield(), blue = fb_bitfield()

    public init(path: String) { self.path = path }
    deinit { close() }

    public var isOpen: Bool { memory != nil }

    public func open() throws(ScreenError) {
        close()
        let fd = Glibc.open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw ScreenError("\(path): open failed: \(String(cString: strerror(errno)))") }
        var variable = fb_var_screeninfo()
        var fixed = fb_fix_screeninfo()
        guard hg_ioctl(fd, UInt(FBIOGET_VSCREENINFO), &variable) >= 0,
              hg_ioctl(fd, UInt(FBIOGET_FSCREENINFO), &fixed) >= 0 else {
            Glibc.close(fd)
            throw ScreenError("\(path): not a framebuffer (FBIOGET_*SCREENINFO failed)")
        }
        let bpp = Int(variable.bits_per_pixel)
        guard [16, 24, 32].contains(bpp), fixed.visual == FB_VISUAL_TRUECOLOR else {
            Glibc.close(fd)
            throw ScreenError("\(path): \(bpp) bits per pixel, visual \(fixed.visual): only 16, 24 and 32-bit true colour are supported")
        }
        let length = Int(fixed.smem_len)
        let stride = Int(fixed.line_length)
        let needed = stride * Int(variable.yres_virtual > 0 ? variable.yres : variable.yres)
        guard length >= needed, stride >= Int(variable.xres) * bpp / 8 else {
            Glibc.close(fd)
            throw ScreenError("\(path): \(length) bytes of memory for \(variable.xres)x\(variable.yres) at stride \(stride)")
        }
        let mapped = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            Glibc.close(fd)
            throw ScreenError("\(path): mmap failed: \(String(cString: strerror(errno)))")
        }
        self.fd = fd
        self.memory = mapped
        self.length = length
        self.stride = stride
        width = Int(variable.xres)
        height = Int(variable.yres)
        bitsPerPixel = bpp
        red = variable.red; green = variable.green; blue = variable.blue
    }

    public func close() {
        if let memory { munmap(memory, length) }
        memory = nil
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Copies the canvas (its top-left part if larger) into the visible buffer (yoffset 0).
    public func show(_ canvas: Canvas) throws(ScreenError) {
        guard let memory else { throw ScreenError("\(path): not open") }
        let bytes = bitsPerPixel / 8
        let w = min(width, canvas.width), h = min(height, canvas.height)
        let (r, g, b) = (red, green, blue)
        @inline(__always) func channel(_ value: UInt8, _ field: fb_bitfield) -> UInt32 {
            (UInt32(value) >> (8 - min(8, field.length))) << field.offset
        }
        canvas.pixels.withUnsafeBufferPointer { source in
            let target = memory.assumingMemoryBound(to: UInt8.self)
            for y in 0..<h {
                let row = target + y * stride
                var i = y * canvas.width * 3
                for x in 0..<w {
                    let value = channel(source[i], r) | channel(source[i + 1], g) | channel(source[i + 2], b)
                    let p = row + x * bytes
                    p[0] = UInt8(value & 0xFF)
                    p[1] = UInt8((value >> 8) & 0xFF)
                    if bytes >= 3 { p[2] = UInt8((value >> 16) & 0xFF) }
                    if bytes == 4 { p[3] = 0xFF }
                    i += 3
                }
            }
        }
    }
}
