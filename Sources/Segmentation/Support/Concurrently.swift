import Columnar
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs two independent pieces of work at the same time (on two cores when there are two) and returns both
/// results; the first error thrown wins, in argument order.
///
/// For stage work that splits into two halves with no shared mutable state, such as cleaning the orders and the
/// email events against the same customer ids. The first piece runs on the calling thread, the second on a thread
/// of its own: unlike `DispatchQueue.concurrentPerform`, which runs its iterations one after the other when it is
/// called from inside another one (the CLV likelihood's halves inside the features stage's column groups), this
/// stays two-way at any depth.
func concurrently<First: Sendable, Second: Sendable>(
    _ first: @Sendable () throws(PipelineError) -> First,
    _ second: @Sendable () throws(PipelineError) -> Second
) throws(PipelineError) -> (First, Second) {
    let secondResult = Mutex<Result<Second, PipelineError>?>(nil)
    let finished = DispatchSemaphore(value: 0)
    // `second` is handed to the thread in a box the thread empties before it signals, so no reference to it is
    // left (the Thread object may outlive this call) when `withoutActuallyEscaping` checks that it did not escape.
    let firstResult = withoutActuallyEscaping(second) { second -> Result<First, PipelineError> in
        let box = WorkBox(second)
        let runSecond: @Sendable () -> Void = {
            let result: Result<Second, PipelineError>
            do throws(PipelineError) { result = .success(try box.run()) } catch { result = .failure(error) }
            box.empty()
            secondResult.withLock { $0 = result }
            finished.signal()
        }
        // Without a spare thread (too many running, or none can be created), the second piece runs here after the
        // first.
        let started = HelperThread.start(runSecond)
        let result: Result<First, PipelineError>
        do throws(PipelineError) { result = .success(try first()) } catch { result = .failure(error) }
        if !started { runSecond() }
        finished.wait()
        return result
    }
    guard let two = secondResult.withLock({ $0 }) else {
        throw PipelineError(.internal, "concurrent work ended without a result")
    }
    return (try firstResult.get(), try two.get())
}

/// Starts the helper threads of ``concurrently(_:_:)`` and ``concurrentMap(_:_:)``: detached POSIX threads with an
/// 8 MiB stack, at most ``limit`` running at once across the process (so nested parallel work on a large machine
/// does not multiply threads without bound). `Foundation.Thread` is not used because it does not report a thread
/// that could not be created, and the caller would wait for it forever.
enum HelperThread {
    /// The most helper threads running at once: four per core.
    static let limit = 4 * max(1, ProcessInfo.processInfo.activeProcessorCount)
    private static let running = Atomic<Int>(0)

    /// Runs `body` on a new thread and returns true, or returns false (and runs nothing) when the limit is reached
    /// or no thread can be created.
    static func start(_ body: @escaping @Sendable () -> Void) -> Bool {
        guard running.add(1, ordering: .relaxed).newValue <= limit else {
            running.subtract(1, ordering: .relaxed)
            return false
        }
        let context = Unmanaged.passRetained(Start(body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, 8 << 20)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let created = pthread_create(
            &thread, &attributes,
            { raw in
                guard let raw else { return nil }
                let start = Unmanaged<Start>.fromOpaque(raw).takeRetainedValue()
                start.body()
                HelperThread.running.subtract(1, ordering: .relaxed)
                return nil
            }, context)
        guard created == 0 else {
            Unmanaged<Start>.fromOpaque(context).release()
            running.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    private final class Start: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}

/// A piece of work handed to another thread, let go of once it has run (see ``concurrently(_:_:)``).
private final class WorkBox<Value>: @unchecked Sendable {
    private var work: (@Sendable () throws(PipelineError) -> Value)?

    init(_ work: @escaping @Sendable () throws(PipelineError) -> Value) {
        self.work = work
    }

    /// Runs the work (once, on the thread it was handed to).
    func run() throws(PipelineError) -> Value {
        guard let work else { throw PipelineError(.internal, "concurrent work ran twice") }
        return try work()
    }

    /// Drops the reference to the work; called by the same thread after ``run()``.
    func empty() {
        work = nil
    }
}

/// `body` over `0..<count` in one part, or in two halves on two cores once `count` reaches `threshold`; the parts'
/// results in range order. The split depends only on `count`, so sums combined from the parts do not depend on
/// scheduling.
func inHalves<Part: Sendable>(_ count: Int, from threshold: Int, _ body: @Sendable (Range<Int>) -> Part) -> [Part] {
    guard count >= threshold else { return [body(0..<count)] }
    let middle = count / 2
    let halves = try? concurrently(
        { () throws(PipelineError) in body(0..<middle) }, { () throws(PipelineError) in body(middle..<count) })
    return halves.map { [$0.0, $0.1] } ?? [body(0..<count)]
}

/// A ``StringInterner`` that is only read from here on, so concurrent lookups are safe.
struct FrozenInterner: @unchecked Sendable {
    let interner: StringInterner

    /// The ordinal of the string at `row` of `column` (with `offsets` and `bytes` its storage), without surrounding
    /// whitespace, or nil when it is not a key.
    @inline(__always)
    func ordinalTrimmed(
        _ row: Int, of column: StringColumn, _ offsets: UnsafeBufferPointer<Int>, _ bytes: UnsafeBufferPointer<UInt8>
    ) -> Int? {
        if let trimmed = Normalization.asciiTrimmed(
            UnsafeBufferPointer(rebasing: bytes[offsets[row]..<offsets[row + 1]]))
        {
            return interner.ordinal(of: trimmed)
        }
        return interner.ordinal(of: Normalization.trimmed(column[row]))
    }

    /// See ``StringInterner/prefetchTrimmed(_:_:_:)``, for an ``ordinalTrimmed(_:of:_:_:)`` a few rows later.
    @inline(__always)
    func prefetchTrimmed(_ row: Int, _ offsets: UnsafeBufferPointer<Int>, _ bytes: UnsafeBufferPointer<UInt8>) {
        interner.prefetchTrimmed(row, offsets, bytes)
    }
}

extension StringInterner {
    /// How many rows ahead a loop looking up or inserting one string per row prefetches.
    static let lookahead = 16

    /// Starts fetching the table slot of the string at `row` of a column stored as `offsets` and `bytes`, without
    /// surrounding whitespace (see ``prefetch(_:)``), for a lookup or insertion of it a few rows later; rows with
    /// other than ASCII spaces around them are not prefetched.
    @inline(__always)
    func prefetchTrimmed(_ row: Int, _ offsets: UnsafeBufferPointer<Int>, _ bytes: UnsafeBufferPointer<UInt8>) {
        let bytes = UnsafeBufferPointer(rebasing: bytes[offsets[row]..<offsets[row + 1]])
        if let trimmed = Normalization.asciiTrimmed(bytes) { prefetch(trimmed) }
    }
}

/// `items.map(transform)` with the calls spread over the cores (two here), results in item order; when calls
/// fail, the error of the first failing item is thrown.
///
/// For coarse, independent work such as reading or writing the several tables of a checkpoint. The calling thread
/// and one thread of its own per further core take the items in turn; like ``concurrently(_:_:)``, and unlike
/// `DispatchQueue.concurrentPerform`, this stays parallel when called from inside other parallel work (extract
/// parses the parts of each file this way while the files themselves are read side by side).
func concurrentMap<Element: Sendable, Transformed: Sendable>(
    _ items: [Element], _ transform: @Sendable (Element) throws(PipelineError) -> Transformed
) throws(PipelineError) -> [Transformed] {
    guard items.count > 1 else {
        var results: [Transformed] = []
        for item in items { results.append(try transform(item)) }
        return results
    }
    let helpers = min(items.count, max(1, ProcessInfo.processInfo.activeProcessorCount)) - 1
    let results = withoutActuallyEscaping(transform) { transform -> [Result<Transformed, PipelineError>?] in
        let work = SharedMap(items, transform)
        let finished = DispatchSemaphore(value: 0)
        var started = 0
        for _ in 0..<helpers {
            // A helper that cannot be started leaves its share to the others.
            let didStart = HelperThread.start {
                work.run()
                finished.signal()
            }
            if didStart { started += 1 }
        }
        work.run()
        for _ in 0..<started { finished.wait() }
        // Every helper has stopped using the transform: let go of it before `withoutActuallyEscaping` checks.
        return work.finish()
    }
    return try values(of: results)
}

/// Runs `body` for every index of `0..<count` on the cores (a ``ParallelFor`` for Columnar's readers).
func parallelFor(_ count: Int, _ body: @Sendable (Int) -> Void) {
    _ = try? concurrentMap(Array(0..<count)) { index throws(PipelineError) in body(index) }
}

/// The items of one ``concurrentMap(_:_:)``, handed out one at a time to the threads that share them.
private final class SharedMap<Element: Sendable, Transformed: Sendable>: @unchecked Sendable {
    private let items: [Element]
    private var transform: (@Sendable (Element) throws(PipelineError) -> Transformed)?
    /// The next item to take, and the results so far.
    private let state: Mutex<(next: Int, results: [Result<Transformed, PipelineError>?])>

    init(_ items: [Element], _ transform: @escaping @Sendable (Element) throws(PipelineError) -> Transformed) {
        self.items = items
        self.transform = transform
        state = Mutex((0, Array(repeating: nil, count: items.count)))
    }

    /// Takes items until none is left.
    func run() {
        guard let transform else { return }
        while true {
            let index = state.withLock { state -> Int in
                defer { state.next += 1 }
                return state.next
            }
            guard index < items.count else { return }
            let result: Result<Transformed, PipelineError>
            do throws(PipelineError) { result = .success(try transform(items[index])) } catch {
                result = .failure(error)
            }
            state.withLock { $0.results[index] = result }
        }
    }

    /// The results, once every thread's ``run()`` has returned; drops the transform.
    func finish() -> [Result<Transformed, PipelineError>?] {
        transform = nil
        return state.withLock { $0.results }
    }
}

/// The values of `results` in order, or the error of the first failed one.
private func values<Transformed>(of results: [Result<Transformed, PipelineError>?]) throws(PipelineError)
    -> [Transformed]
{
    var values: [Transformed] = []
    values.reserveCapacity(results.count)
    for result in results {
        guard let result else { throw PipelineError(.internal, "concurrent work ended without a result") }
        values.append(try result.get())
    }
    return values
}

/// `items.map(transform)` with every call on a thread of its own, all at once, results in item order; when calls
/// fail, the error of the first failing item is thrown.
///
/// For work that mostly waits on something else, such as a database connection per table: more calls than cores
/// then still overlap, where ``concurrentMap(_:_:)`` runs at most one call per core.
func concurrentlyWaiting<Element: Sendable, Transformed: Sendable>(
    _ items: [Element], _ transform: @escaping @Sendable (Element) throws(PipelineError) -> Transformed
) throws(PipelineError) -> [Transformed] {
    let results = Mutex<[Result<Transformed, PipelineError>?]>(Array(repeating: nil, count: items.count))
    let finished = DispatchSemaphore(value: 0)
    for (index, item) in items.enumerated() {
        let thread = Thread {
            let result: Result<Transformed, PipelineError>
            do throws(PipelineError) { result = .success(try transform(item)) } catch { result = .failure(error) }
            results.withLock { $0[index] = result }
            finished.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
    for _ in items { finished.wait() }
    return try values(of: results.withLock { $0 })
}
