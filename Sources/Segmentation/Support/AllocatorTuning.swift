internal import CAllocator
import Foundation

/// How the process asks glibc's allocator to keep memory it has freed, set once before any work starts.
///
/// The stages allocate and free many arrays of a few to tens of megabytes (a column of a million customers, a part
/// of a CSV file, a slice of orders). By default glibc maps a block above its mmap threshold from the kernel on its
/// own and unmaps it when freed; freeing one raises the threshold to that block's size (at most 32 MiB) and the trim
/// threshold to twice that, and heaps are trimmed back to the kernel beyond it. Across a run's allocations of
/// varying sizes, many still came as fresh pages that fault in and are zeroed again: on two cores of a virtual
/// machine that showed as system time in every stage. With a fixed 32 MiB mmap threshold (the most glibc allows)
/// and heaps trimmed only beyond 1 GiB, freed memory is reused: 1M-customer runs measured 0.05–0.6 s faster (mean
/// 0.37 s over three alternating pairs; extract and features the most), with a peak about 250 MiB higher
/// (docs/benchmarks.md). Setting either option this way also turns off glibc's adjustment of both thresholds.
///
/// Whoever configures the allocator keeps it as configured: with `MALLOC_MMAP_THRESHOLD_` or
/// `MALLOC_TRIM_THRESHOLD_` in the environment, or either threshold in `GLIBC_TUNABLES`, nothing is changed.
public enum AllocatorTuning {
    /// Allocations up to this size come from the heaps (glibc refuses more than 32 MiB on 64-bit systems).
    public static let mmapThreshold: Int32 = 32 << 20
    /// Free space at the top of a heap is only given back to the kernel beyond this.
    public static let trimThreshold: Int32 = 1 << 30

    /// Whether the environment configures either threshold itself.
    public static func isConfigured(by environment: [String: String]) -> Bool {
        if environment["MALLOC_MMAP_THRESHOLD_"] != nil || environment["MALLOC_TRIM_THRESHOLD_"] != nil { return true }
        let tunables = environment["GLIBC_TUNABLES"] ?? ""
        return tunables.contains("glibc.malloc.mmap_threshold") || tunables.contains("glibc.malloc.trim_threshold")
    }

    /// Applies the settings unless `environment` (the process's when nil) configures the allocator itself; returns
    /// how many of the two settings the allocator accepted (0 without glibc, or when the environment's are kept).
    @discardableResult
    public static func apply(environment: [String: String]? = nil) -> Int {
        guard !isConfigured(by: environment ?? ProcessInfo.processInfo.environment) else { return 0 }
        return Int(segpipe_keep_freed_memory(mmapThreshold, trimThreshold))
    }
}
