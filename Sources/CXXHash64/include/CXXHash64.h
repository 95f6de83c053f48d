#ifndef SEGPIPE_CXXHASH64_H
#define SEGPIPE_CXXHASH64_H

#include <stddef.h>
#include <stdint.h>

/// Streaming XXH64 state (xxHash's 64-bit algorithm, seed 0), held by value so that Swift can copy it.
typedef struct {
    uint64_t lanes[4];
    uint64_t total;
    /// Bytes of an incomplete 32-byte stripe, waiting for the next update.
    uint8_t pending[32];
    uint32_t pending_count;
} segpipe_xxh64_state;

void segpipe_xxh64_init(segpipe_xxh64_state *state);
void segpipe_xxh64_update(segpipe_xxh64_state *state, const void *bytes, size_t count);
/// The hash of everything added so far; `state` is left unchanged.
uint64_t segpipe_xxh64_digest(const segpipe_xxh64_state *state);

#endif
