import GateCore
import Glibc
import Synchronization

/// Polls a `SAMIDCardReader` on its own thread (a text read takes ~0.1 s at 115200 baud: too long for the frame
/// loop) and hands over each card once when it is put on the reader. A card left lying there is not reported
/// again until it has been taken off. Reader failures are reported once each, and the line is reopened.
public final class IDCardPoller: @unchecked Sendable {
    public enum Report: Sendable, Equatable {
        case card(IDCard)
        case failed(String)
        case recovered
    }

    private let reader: SAMIDCardReader
    private let reports = Mutex<[Report]>([])
    private let running = Atomic<Bool>(true)
    private var thread: pthread_t?
    public let intervalMilliseconds: Int

    public init(path: String, intervalMilliseconds: Int = 250) {
        reader = SAMIDCardReader(path: path)
        self.intervalMilliseconds = intervalMilliseconds
    }

    public var path: String { reader.line.path }

    public func start() {
        let box = Unmanaged.passRetained(self)
        var handle = pthread_t()
        pthread_create(&handle, nil, { context in
            let poller = Unmanaged<IDCardPoller>.fromOpaque(context!).takeRetainedValue()
            poller.loop()
            return nil
        }, box.toOpaque())
        thread = handle
    }

    public func stop() {
        guard running.exchange(false, ordering: .relaxed) else { return }
        if let thread { pthread_join(thread, nil) }
    }

    /// What happened since the last call, in order.
    public func take() -> [Report] {
        reports.withLock { reports in
            guard !reports.isEmpty else { return [] }
            defer { reports.removeAll() }
            return reports
        }
    }

    private func loop() {
        var onReader: IDCard?
        var failing = false
        while running.load(ordering: .relaxed) {
            do {
                try reader.open()
                let card = try reader.poll()
                if failing {
                    failing = false
                    reports.withLock { $0.append(.recovered) }
                }
                if let card, card != onReader { reports.withLock { $0.append(.card(card)) } }
                onReader = card
                usleep(useconds_t(intervalMilliseconds * 1000))
            } catch {
                reader.close()
                if !failing {
                    failing = true
                    reports.withLock { $0.append(.failed(error.description)) }
                }
                // Back off: an unplugged reader is retried every two seconds, not spun on.
                for _ in 0..<20 where running.load(ordering: .relaxed) { usleep(100_000) }
            }
        }
        reader.close()
    }
}
