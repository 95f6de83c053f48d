#ifndef SEGPIPE_CPREFETCH_H
#define SEGPIPE_CPREFETCH_H

/// Asks the CPU to start loading the cache line at `address` for reading, without waiting for it: hash tables
/// larger than the cache issue it a few keys ahead, so several misses overlap instead of one after another.
/// A hint only; any address is allowed.
static inline void segpipe_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
