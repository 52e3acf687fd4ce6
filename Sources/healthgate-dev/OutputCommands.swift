import ArgumentParser
import Foundation
import GateCore
import GateHardware
import GateTooling
import HealthCode

/// Where `issue` and `forge` put a payload: a file or stdout, and optionally a QR frame of it.
struct PayloadOutputOptions: ParsableArguments {
    @Option(help: "Write the payload to this file instead of stdout.")
    var outPayload: String?
    @Option(help: "Write a QR image (PGM, P5) of the payload.")
    var outImage: String?
    @OptionGroup var image: QRImageOptions

    func write(_ payload: String) throws {
        if let outPayload {
            do { try payload.write(toFile: outPayload, atomically: true, encoding: .utf8) } catch { throw fail("cannot write \(outPayload)") }
        } else {
            print(payload)
        }
        if let outImage { try image.write(payload, to: outImage) }
    }
}

/// How a payload is drawn: a QR in a camera-sized PGM frame.
struct QRImageOptions: ParsableArguments {
    @Option(help: "Image size WIDTHxHEIGHT.")
    var frame = "640x480"
    @Option(help: "Pixels per QR module in the image.")
    var moduleSize = 4.0

    func write(_ payload: String, to path: String) throws {
        guard path.hasSuffix(".pgm") else { throw fail("--out-image writes PGM only (name it .pgm)") }
        let size = frame.split(separator: "x").compactMap { Int($0) }
        guard size.count == 2, (64...4096).contains(size[0]), (64...4096).contains(size[1]) else { throw fail("--frame must be WIDTHxHEIGHT") }
        var options = QRRenderOptions()
        options.frameWidth = size[0]
        options.frameHeight = size[1]
        options.moduleSize = moduleSize
        // HG1/HC1 payloads use only QR's alphanumeric set (Base45 was made for it): the densest mode.
        let alphanumeric = Set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
        options.mode = payload.allSatisfy(alphanumeric.contains) ? .alphanumeric : .byte
        do {
            let image = try QRRenderer.render(Array(payload.utf8), options: options)
            try Data(PGM.encode(image)).write(to: URL(fileURLWithPath: path))
        } catch {
            throw fail("cannot write \(path): \(error)")
        }
    }
}

/// `healthgate-dev render`: any text as a QR frame — for demos and tests of what is *not* a health code.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render any text as a QR image (demos and tests: QRs that are not health codes).")

    @Option(help: "The text to encode.")
    var text: String
    @Option(help: "Write a QR image (PGM, P5).")
    var outImage: String
    @OptionGroup var image: QRImageOptions

    func run() throws {
        try image.write(text, to: outImage)
    }
}

/// `healthgate-dev forge`: what a forger does — edit the colour of a signed HG1 code and keep the old
/// signature. The result must be refused with `bad_signature`; the demo and the tests show that it is.
struct ForgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forge",
        abstract: "Demos and tests: change the colour of a signed HG1 code without re-signing it.",
        discussion: "The output is not a valid code: a gate refuses it with bad_signature.")

    @Option(help: "File holding a signed HG1 payload (from 'healthgate-dev issue --out-payload').")
    var payloadFile: String
    @Option(help: "The colour to write into the claims: green, yellow or red.")
    var colour: String
    @OptionGroup var output: PayloadOutputOptions

    func run() throws {
        guard let text = try? String(contentsOfFile: payloadFile, encoding: .utf8) else { throw fail("cannot read \(payloadFile)") }
        guard let newColour = CodeColour(rawValue: colour) else { throw fail("--colour must be green, yellow or red") }
        let payload = Array(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        guard payload.starts(with: CodeVerifier.hg1Prefix) else { throw fail("\(payloadFile): not an HG1 payload") }
        let forged: String
        do {
            let message = try Envelope.open(payload.dropFirst(CodeVerifier.hg1Prefix.count))
            var claims = try HG1Claims(CWTClaims(message.payload, limits: CBORLimits()))
            claims.colour = newColour
            let cose = CBORWriter.encode(.tagged(18, .array([
                .bytes(message.protectedBytes), message.unprotected, .bytes(CBORWriter.encode(claims.cwt)), .bytes(message.signature),
            ])))
            forged = Envelope.seal(prefix: "HG1:", cose: cose)
        } catch {
            throw fail("\(payloadFile): \(error)")
        }
        try output.write(forged)
    }
}
