import CLinux
import GateCore
import GateHardware
import Glibc
import Testing

/// The ID-card reader driver over a real kernel tty: a pseudo-terminal pair, the driver on the slave side with
/// its termios settings (115200 8N1 raw), a simulated SAM module speaking the protocol on the master side.
/// The module is a faithful fake of the reader's firmware (frames from public SDKs, docs/id-card.md); the tty,
/// termios, poll and the byte stream are the kernel's.
@Suite("SAM ID-card reader over a pty")
struct SAMIDCardReaderTests {
    static let elderly = IDCard(name: "王秀英", number: "11010519491231002X")

    @Test("frames: header, length, command, parameter, XOR checksum")
    func frameEncoding() throws {
        #expect(SAMProtocol.encode(.findCard) == [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x22])
        #expect(SAMProtocol.encode(.selectCard) == [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x02, 0x21])
        #expect(SAMProtocol.encode(.readText) == [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x30, 0x01, 0x32])
        let answer = SAMProtocol.encodeResponse(sw3: 0x9F)
        #expect(answer == [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04, 0x00, 0x00, 0x9F, 0x9B])
        #expect(try SAMProtocol.decodeResponse(answer).status == .cardFound)
        var corrupted = answer
        corrupted[9] = 0x90
        #expect(throws: SAMProtocol.FrameError.badChecksum) { try SAMProtocol.decodeResponse(corrupted) }
        #expect(throws: SAMProtocol.FrameError.badHeader) { try SAMProtocol.frameLength([0xAA, 0xAA, 0x00, 0x96, 0x69, 0x00, 0x04]) }
        #expect(throws: SAMProtocol.FrameError.badLength(0xFFFF)) { try SAMProtocol.frameLength(SAMProtocol.header + [0xFF, 0xFF]) }
    }

    @Test("the text block: UCS-2 name and number; a bad check digit is not a card")
    func textBlock() {
        let block = Self.elderly.textBlock()
        #expect(block.count == 256)
        #expect(IDCard.parse(text: block) == Self.elderly)
        #expect(IDCard.parse(text: IDCard(name: "王秀英", number: "110105194912310021").textBlock()) == nil)
        #expect(IDCard.parse(text: Array(block.prefix(100))) == nil)
    }

    @Test("masking: the description never shows the raw number")
    func masking() {
        #expect(Self.elderly.maskedName == "王**")
        #expect(Self.elderly.maskedNumber == "1101**********002X")
        #expect(!"\(Self.elderly)".contains("11010519491231002X"))
        #expect(!"\(Self.elderly)".contains("王秀英"))
    }

    @Test("no card, then a card: find → select → read over the tty")
    func readsCardOverPty() throws {
        let module = try SimulatedSAMModule()
        defer { module.stop() }
        #expect(module.devicePath.hasPrefix("/dev/pts/"))
        let reader = SAMIDCardReader(path: module.devicePath)
        try reader.open()
        defer { reader.close() }
        #expect(try reader.poll() == nil)
        module.present(Self.elderly)
        #expect(try reader.poll() == Self.elderly)
        #expect(module.commands == [.findCard, .findCard, .selectCard, .readText])
        module.present(nil)
        #expect(try reader.poll() == nil)
    }

    @Test("the tty is in raw 115200 8N1 after open")
    func termiosSettings() throws {
        let module = try SimulatedSAMModule()
        defer { module.stop() }
        let reader = SAMIDCardReader(path: module.devicePath)
        try reader.open()
        defer { reader.close() }
        // A second descriptor on the same tty reads back what the driver set.
        let fd = open(module.devicePath, O_RDWR | O_NOCTTY)
        #expect(fd >= 0)
        defer { close(fd) }
        var settings = termios()
        #expect(tcgetattr(fd, &settings) == 0)
        #expect(cfgetispeed(&settings) == speed_t(B115200))
        #expect(settings.c_cflag & tcflag_t(CSIZE) == tcflag_t(CS8))
        #expect(settings.c_cflag & tcflag_t(PARENB) == 0)
        #expect(settings.c_cflag & tcflag_t(CSTOPB) == 0)
        #expect(settings.c_lflag & tcflag_t(ICANON | ECHO) == 0)
    }

    @Test("a reader that does not answer is a clear error naming the device")
    func silentReader() throws {
        // The master side stays open and silent: nothing serves it.
        var name = [CChar](repeating: 0, count: 128)
        let master = hg_open_pty(&name, name.count)
        try #require(master >= 0)
        defer { close(master) }
        let path = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let reader = SAMIDCardReader(path: path)
        reader.answerTimeoutMilliseconds = 100
        try reader.open()
        defer { reader.close() }
        #expect {
            try reader.poll()
        } throws: { error in
            "\(error)".contains(path) && "\(error)".contains("no answer within 100 ms")
        }
    }
}
