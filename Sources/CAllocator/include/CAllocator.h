#ifndef SEGPIPE_CALLOCATOR_H
#define SEGPIPE_CALLOCATOR_H

#if defined(__linux__) && defined(__has_include)
#if __has_include(<malloc.h>)
#include <malloc.h>
#endif
#endif

/// Asks glibc's allocator to serve allocations up to `mmap_threshold` bytes from its heaps and to give free space at
/// the top of a heap back to the kernel only beyond `trim_threshold` bytes (`mallopt` with `M_MMAP_THRESHOLD` and
/// `M_TRIM_THRESHOLD`). Returns how many of the two settings the allocator accepted (glibc refuses an mmap
/// threshold above its limit, 32 MiB on 64-bit systems); 0 without glibc, where this does nothing.
static inline int segpipe_keep_freed_memory(int mmap_threshold, int trim_threshold) {
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
    return mallopt(M_MMAP_THRESHOLD, mmap_threshold) + mallopt(M_TRIM_THRESHOLD, trim_threshold);
#else
    (void)mmap_threshold;
    (void)trim_threshold;
    return 0;
#endif
}

#endif
