import Glibc
import GateCore
import LinuxSystem
import Testing
@testable import GateService

/// A real AF_UNIX datagram socket standing in for systemd's notify socket: the notifier under test
/// talks to the kernel exactly as it does in production; only the receiver is ours.
final class NotifySocket {
    let descriptor: Int32
    /// The value `$NOTIFY_SOCKET` would hold.
    let address: String
    private let directory: String?

    /// Binds a socket at a filesystem path in a fresh directory, or in the abstract namespace.
    init(abstract: Bool) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(descriptor >= 0, "socket: errno \(errno)")
        if abstract {
            directory = nil
            address = "@healthgate-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        } else {
            var template = Array("/tmp/healthgate-notify-XXXXXX".utf8CString)
            let created = try #require(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) },
                                       "mkdtemp: errno \(errno)")
            let path = String(cString: created)
            directory = path
            address = path + "/notify"
        }
        var (storage, length) = try SystemdNotifier.address(address)
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        try #require(bound == 0, "bind \(address): errno \(errno)")
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(descriptor)
        if let directory {
            unlink(directory + "/notify")
            rmdir(directory)
        }
    }

    /// The next datagram as text, or nil after the 5 s timeout.
    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}

@Suite struct SystemdNotifierTests {
    @Test("each message arrives as one datagram", arguments: [false, true])
    func messagesReachTheSocket(abstract: Bool) throws {
        let listener = try NotifySocket(abstract: abstract)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
        #expect(notifier.isEnabled)

        let cases: [(send: () throws -> Bool, expected: String)] = [
            ({ try notifier.ready() }, "READY=1"),
            ({ try notifier.ready(status: "Gate open") }, "READY=1\nSTATUS=Gate open"),
            ({ try notifier.status("Waiting for camera /dev/video0") }, "STATUS=Waiting for camera /dev/video0"),
            ({ try notifier.watchdog() }, "WATCHDOG=1"),
            ({ try notifier.stopping(status: "Stopping: outputs safe") }, "STOPPING=1\nSTATUS=Stopping: outputs safe"),
        ]
        for (send, expected) in cases {
            #expect(try send())
            #expect(listener.receive() == expected)
        }
    }

    @Test func statusTextCannotInjectFields() throws {
        let listener = try NotifySocket(abstract: false)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
        try notifier.status("camera lost\nREADY=1\r\nWATCHDOG=1")
        #expect(listener.receive() == "STATUS=camera lost READY=1 WATCHDOG=1")
    }

    @Test("unset or empty NOTIFY_SOCKET sends nothing", arguments: [[:], ["NOTIFY_SOCKET": ""]])
    func disabledWithoutSocket(environment: [String: String]) throws {
        let notifier = SystemdNotifier(environment: environment)
        #expect(!notifier.isEnabled)
        #expect(try notifier.ready() == false)
        #expect(try notifier.watchdog() == false)
    }

    @Test("bad socket addresses are refused with the reason", arguments: [
        ("relative/notify", EAFNOSUPPORT),
        ("@", EINVAL),
        ("/", EINVAL),
        ("/" + String(repeating: "x", count: 107), ENAMETOOLONG),
    ])
    func badAddresses(path: String, expectedErrno: Int32) {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path])
        #expect(throws: SystemCallError("sun_path", path: path, errno: expectedErrno)) { try notifier.ready() }
    }

    @Test func longestPathFits() throws {
        // 107 bytes plus the NUL fill sun_path exactly; the abstract form may use all 108.
        #expect(try SystemdNotifier.address("/" + String(repeating: "x", count: 106)).length == 110)
        #expect(try SystemdNotifier.address("@" + String(repeating: "x", count: 107)).length == 110)
    }

    @Test func sendingToAMissingSocketFails() throws {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent-healthgate/notify"])
        let error = try #require(throws: SystemCallError.self) { try notifier.watchdog() }
        #expect(error.call == "sendto")
        #expect(error.errno == ENOENT)
    }

    @Test("watchdog interval follows sd_watchdog_enabled(3)", arguments: [
        (["WATCHDOG_USEC": "10000000"], Duration.seconds(10)),
        (["WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "4242"], Duration.seconds(10)),
        (["WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "4243"], nil),
        (["WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "nope"], nil),
        (["WATCHDOG_USEC": "0"], nil),
        (["WATCHDOG_USEC": "-5"], nil),
        (["WATCHDOG_USEC": "10s"], nil),
        (["WATCHDOG_PID": "4242"], nil),
        ([:], nil),
    ] as [([String: String], Duration?)])
    func watchdogInterval(environment: [String: String], expected: Duration?) {
        #expect(SystemdNotifier(environment: environment, processID: 4242).watchdogInterval == expected)
    }

    @Test func pacerPetsAtHalfTheInterval() throws {
        #expect(WatchdogPacer(interval: nil) == nil)
        #expect(WatchdogPacer(interval: .zero) == nil)
        var pacer = try #require(WatchdogPacer(interval: .seconds(10)))
        #expect(pacer.period == .seconds(5))
        let start = 1_000.0
        #expect(pacer.isDue(at: start))
        pacer.petted(at: start)
        #expect(!pacer.isDue(at: start + 4.999))
        #expect(pacer.isDue(at: start + 5))
        pacer.petted(at: start + 6)
        #expect(!pacer.isDue(at: start + 10))
        #expect(pacer.isDue(at: start + 11))
    }
}

@Suite struct ServiceStatusLineTests {
    static func status(state: GateState = .ready, faults: [GateStatus.Fault] = [], clock: Bool = true, fire: Bool = false,
                       occupancy: Int = 4, limit: Int? = 120) -> GateStatus {
        GateStatus(gateID: "g", pid: 1, state: state, occupancy: occupancy, occupancyLimit: limit, faults: faults,
                   clockSynchronised: clock, fireAlarm: fire, lastDecision: nil, startedAt: 0, updatedAt: 0,
                   framesProcessed: 0)
    }

    @Test("what matters comes first", arguments: [
        (status(), "Gate ready; occupancy 4/120, 7 admitted, 2 refused"),
        (status(limit: nil), "Gate ready; occupancy 4, 7 admitted, 2 refused"),
        (status(state: .fault, faults: [.init(source: .camera, message: "/dev/video0: open failed")]),
         "Fault: camera: /dev/video0: open failed; occupancy 4/120, 7 admitted, 2 refused"),
        (status(clock: false), "clock not synchronised; occupancy 4/120, 7 admitted, 2 refused"),
        (status(faults: [.init(source: .gpio, message: "x"), .init(source: .log, message: "y")], fire: true),
         "FIRE ALARM: gate held open; Fault: gpio: x; log: y; occupancy 4/120, 7 admitted, 2 refused"),
    ])
    func statusLine(status: GateStatus, expected: String) {
        #expect(ServiceReporter.statusLine(status, admissions: 7, refusals: 2) == expected)
    }
}
