/// Choices a board configuration names, kept here (no I/O) so that GateConfig parses them without linking the
/// drivers, as with `LineSpec`.

/// The QR decoders the firmware is built with, by the names `[scanner] decoders` uses.
public enum QRDecoder: String, Sendable, CaseIterable, Equatable {
    case zbar, zxing
}

/// `board.camera.pixel_format`. Forcing one is for cameras whose preferred format is poor, and lets the
/// VM suite run the YUYV path (a USB webcam's) against vivid, which offers GREY too.
public enum CameraPixelFormat: String, Sendable, Equatable, CaseIterable {
    case auto
    case grey = "GREY"
    case yuyv = "YUYV"
}
