import Columnar
import Dispatch
import Synchronization

/// Runs two independent pieces of work at the same time (on two cores when there are two) and returns both
/// results; the first error thrown wins, in argument order.
///
/// For stage work that splits into two halves with no shared mutable state, such as cleaning the orders and the
/// email events against the same customer ids.
func concurrently<First: Sendable, Second: Sendable>(
    _ first: @Sendable () throws(PipelineError) -> First,
    _ second: @Sendable () throws(PipelineError) -> Second
) throws(PipelineError) -> (First, Second) {
    let firstResult = Mutex<Result<First, PipelineError>?>(nil)
    let secondResult = Mutex<Result<Second, PipelineError>?>(nil)
    DispatchQueue.concurrentPerform(iterations: 2) { index in
        if index == 0 {
            let result: Result<First, PipelineError>
            do throws(PipelineError) { result = .success(try first()) } catch { result = .failure(error) }
            firstResult.withLock { $0 = result }
        } else {
            let result: Result<Second, PipelineError>
            do throws(PipelineError) { result = .success(try second()) } catch { result = .failure(error) }
            secondResult.withLock { $0 = result }
        }
    }
    guard let one = firstResult.withLock({ $0 }), let two = secondResult.withLock({ $0 }) else {
        throw PipelineError(.internal, "concurrent work ended without a result")
    }
    return (try one.get(), try two.get())
}

/// A ``StringInterner`` that is only read from here on, so concurrent lookups are safe.
struct FrozenInterner: @unchecked Sendable {
    let interner: StringInterner
}
