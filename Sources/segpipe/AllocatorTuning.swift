internal import CAllocator
import Foundation

/// How the process asks glibc's allocator to keep memory it has freed, set once before any work starts.
///
/// The stages allocate and free many arrays of a few to tens of megabytes (a column of a million customers, a part
/// of a CSV file, a slice of orders). By default glibc maps each one from the kernel on its own and gives it back
/// when freed, or trims its heaps once free space at their top passes a threshold, so the next array's pages
/// fault in and are zeroed again; on two cores of a virtual machine that showed as system time in every stage.
/// With arrays up to 32 MiB served from the allocator's heaps (the most glibc allows) and those heaps kept rather
/// than trimmed, freed memory is reused: a 1M-customer run measured 0.4 s faster (extract and features the most),
/// with a peak about 250 MiB higher (docs/benchmarks.md). `MALLOC_MMAP_THRESHOLD_` or `MALLOC_TRIM_THRESHOLD_` in
/// the environment are left to glibc: whoever sets either keeps the allocator as they configured it.
enum AllocatorTuning {
    /// Allocations up to this size come from the heaps (glibc refuses more than 32 MiB on 64-bit systems).
    static let mmapThreshold: Int32 = 32 << 20
    /// Free space at the top of a heap is only given back to the kernel beyond this.
    static let trimThreshold: Int32 = 1 << 30

    /// Applies the settings unless the environment configures glibc's allocator itself; returns how many of the
    /// two settings the allocator accepted (0 without glibc, or when the environment's are kept).
    @discardableResult
    static func apply(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        guard environment["MALLOC_MMAP_THRESHOLD_"] == nil, environment["MALLOC_TRIM_THRESHOLD_"] == nil else {
            return 0
        }
        return Int(segpipe_keep_freed_memory(mmapThreshold, trimThreshold))
    }
}
