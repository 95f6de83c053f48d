import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// A pointer that may cross into `concurrentPerform` workers; each worker writes disjoint elements.
struct SharedPointer<Element>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Element>
    init(_ base: UnsafeMutablePointer<Element>) { self.base = base }
    subscript(index: Int) -> Element {
        get { base[index] }
        nonmutating set { base[index] = newValue }
    }
}

/// A read-only pointer that may cross into `concurrentPerform` workers.
struct SharedConstPointer<Element>: @unchecked Sendable {
    let base: UnsafePointer<Element>
    init(_ base: UnsafePointer<Element>) { self.base = base }
    subscript(index: Int) -> Element { base[index] }
}

/// Fixed-size chunking of a row range, independent of the thread count, so per-chunk partial results
/// reduced in chunk order give the same bits for any number of threads.
enum Parallel {
    /// Rows per chunk for O(d)-per-row passes.
    static let chunkSize = 8192

    /// The default worker count: two, or fewer if fewer processors are online.
    static var defaultThreadCount: Int {
        #if canImport(Glibc)
            let online = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
            return max(1, min(2, online))
        #else
            return 2
        #endif
    }

    static func chunkCount(_ rowCount: Int, chunkSize: Int = chunkSize) -> Int {
        (rowCount + chunkSize - 1) / chunkSize
    }

    /// Runs `body(chunk)` for every chunk in `0..<chunkCount`, spread over `threadCount` workers.
    static func forEachChunk(_ chunkCount: Int, threadCount: Int, _ body: @Sendable (Int) -> Void) {
        let workers = min(max(1, threadCount), chunkCount)
        if workers <= 1 {
            for chunk in 0..<chunkCount { body(chunk) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var chunk = worker
            while chunk < chunkCount {
                body(chunk)
                chunk += workers
            }
        }
    }
}
