import Dispatch
import Foundation
import Synchronization
import Testing

@testable import Segmentation

/// `concurrently` runs its two pieces at the same time at any depth, and returns their results or the first error.
@Suite struct ConcurrentlyTests {
    /// Both pieces wait for each other: true only when they ran at the same time (a serial run times out).
    static func rendezvous() throws(PipelineError) -> (Bool, Bool) {
        let first = DispatchSemaphore(value: 0)
        let second = DispatchSemaphore(value: 0)
        return try concurrently(
            { () throws(PipelineError) in
                first.signal()
                return second.wait(timeout: .now() + 10) == .success
            },
            { () throws(PipelineError) in
                second.signal()
                return first.wait(timeout: .now() + 10) == .success
            })
    }

    @Test func piecesRunAtTheSameTimeEvenInsideOtherParallelWork() throws {
        #expect(try Self.rendezvous() == (true, true))
        // Inside `concurrentMap`, as the CLV likelihood runs inside the features stage's column groups.
        let nested = try concurrentMap([0, 1]) { _ throws(PipelineError) in try Self.rendezvous() }
        #expect(nested.allSatisfy { $0 == (true, true) })
        // Inside `DispatchQueue.concurrentPerform` (which runs a nested concurrentPerform's iterations one after the
        // other), as extract reads its files side by side.
        let met = Mutex<[Bool]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            let both = (try? Self.rendezvous()).map { $0 == (true, true) } ?? false
            met.withLock { $0.append(both) }
        }
        #expect(met.withLock { $0 } == [true, true])
    }

    @Test func halvesSplitTheRangeAtTheMiddleAtAnyDepth() throws {
        let halves = try concurrentMap([10, 3]) { (count: Int) throws(PipelineError) in
            inHalves(count, from: 4) { range in range }
        }
        #expect(halves == [[0..<5, 5..<10], [0..<3]])
    }

    @Test(.enabled(if: ProcessInfo.processInfo.activeProcessorCount > 1, "needs two cores"))
    func mappedItemsRunAtTheSameTimeEvenInsideOtherParallelWork() throws {
        // Two items that wait for each other, mapped inside another map (as extract parses the parts of each file
        // while the files are read side by side).
        let nested = try concurrentMap([0, 1]) { _ throws(PipelineError) -> [Bool] in
            let semaphores = [DispatchSemaphore(value: 0), DispatchSemaphore(value: 0)]
            return try concurrentMap([0, 1]) { item throws(PipelineError) -> Bool in
                semaphores[item].signal()
                return semaphores[1 - item].wait(timeout: .now() + 10) == .success
            }
        }
        #expect(nested == [[true, true], [true, true]])
        let squares = try concurrentMap(Array(0..<1000)) { (value: Int) throws(PipelineError) -> Int in value * value }
        #expect(squares == (0..<1000).map { $0 * $0 })
        let error = #expect(throws: PipelineError.self) {
            _ = try concurrentMap(Array(0..<50)) { (value: Int) throws(PipelineError) -> Int in
                if value % 10 == 7 { throw PipelineError(.io, "item \(value)") }
                return value
            }
        }
        #expect(error?.message == "item 7")
    }

    @Test func resultsAndErrorsComeBackInArgumentOrder() throws {
        for round in 0..<500 {
            let (a, b) = try concurrently({ () throws(PipelineError) in round }, { () throws(PipelineError) in -round })
            #expect(a == round && b == -round)
        }
        let error = #expect(throws: PipelineError.self) {
            _ = try concurrently(
                { () throws(PipelineError) -> Int in throw PipelineError(.io, "first") },
                { () throws(PipelineError) -> Int in throw PipelineError(.internal, "second") })
        }
        #expect(error?.message == "first")
        let secondOnly = #expect(throws: PipelineError.self) {
            _ = try concurrently(
                { () throws(PipelineError) -> Int in 1 },
                { () throws(PipelineError) -> Int in throw PipelineError(.internal, "second") })
        }
        #expect(secondOnly?.message == "second")
    }
}
