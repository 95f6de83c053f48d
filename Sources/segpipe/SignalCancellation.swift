import Foundation
import Synchronization

/// Set by the first SIGINT or SIGTERM: the executable's only global state, an atomic flag.
private let cancellationRequested = Atomic<Bool>(false)

/// Turns SIGINT and SIGTERM into a cancellation request that the runner polls between stages and chunks.
///
/// The handler only stores to an atomic flag (async-signal-safe) and restores the default action, so a second
/// signal ends the process at once, as someone pressing Ctrl-C twice expects.
enum SignalCancellation {
    /// Installs the handlers for SIGINT and SIGTERM, and unblocks both in case the parent process blocked them.
    static func install() {
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        for number in [SIGINT, SIGTERM] {
            _ = signal(number) { received in
                cancellationRequested.store(true, ordering: .relaxed)
                _ = signal(received, SIG_DFL)
            }
            sigaddset(&unblocked, number)
        }
        pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
    }

    /// Whether a signal asked the run to stop.
    @Sendable static func isCancelled() -> Bool {
        cancellationRequested.load(ordering: .relaxed)
    }
}
