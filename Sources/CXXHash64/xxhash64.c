// XXH64, written from the xxHash specification (doc/xxhash_spec.md of the xxHash project): four 64-bit lanes
// consume 32-byte stripes, then the lanes are merged, the remaining bytes folded in and the result avalanched.
// Seed 0 throughout: the value equals `xxhsum -H1` and Python's `xxhash.xxh64`.

#include <string.h>

#include "CXXHash64.h"

static const uint64_t prime1 = 0x9E3779B185EBCA87ULL;
static const uint64_t prime2 = 0xC2B2AE3D27D4EB4FULL;
static const uint64_t prime3 = 0x165667B19E3779F9ULL;
static const uint64_t prime4 = 0x85EBCA77C2B2AE63ULL;
static const uint64_t prime5 = 0x27D4EB2F165667C5ULL;

static inline uint64_t rotate_left(uint64_t value, int bits) { return (value << bits) | (value >> (64 - bits)); }

/// A little-endian 64-bit load from any address.
static inline uint64_t load64(const uint8_t *bytes) {
    uint64_t value;
    memcpy(&value, bytes, sizeof value);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    value = __builtin_bswap64(value);
#endif
    return value;
}

static inline uint32_t load32(const uint8_t *bytes) {
    uint32_t value;
    memcpy(&value, bytes, sizeof value);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    value = __builtin_bswap32(value);
#endif
    return value;
}

static inline uint64_t lane_round(uint64_t lane, uint64_t input) {
    lane += input * prime2;
    lane = rotate_left(lane, 31);
    return lane * prime1;
}

static inline uint64_t merge_lane(uint64_t hash, uint64_t lane) {
    hash ^= lane_round(0, lane);
    return hash * prime1 + prime4;
}

/// Consumes whole stripes from `bytes`; returns how many bytes it used (a multiple of 32).
static size_t consume_stripes(uint64_t lanes[4], const uint8_t *bytes, size_t count) {
    uint64_t a = lanes[0], b = lanes[1], c = lanes[2], d = lanes[3];
    size_t used = 0;
    for (; used + 32 <= count; used += 32) {
        a = lane_round(a, load64(bytes + used));
        b = lane_round(b, load64(bytes + used + 8));
        c = lane_round(c, load64(bytes + used + 16));
        d = lane_round(d, load64(bytes + used + 24));
    }
    lanes[0] = a;
    lanes[1] = b;
    lanes[2] = c;
    lanes[3] = d;
    return used;
}

void segpipe_xxh64_init(segpipe_xxh64_state *state) {
    memset(state, 0, sizeof *state);
    state->lanes[0] = prime1 + prime2;
    state->lanes[1] = prime2;
    state->lanes[2] = 0;
    state->lanes[3] = 0 - prime1;
}

void segpipe_xxh64_update(segpipe_xxh64_state *state, const void *input, size_t count) {
    const uint8_t *bytes = input;
    if (count == 0) return;
    state->total += count;
    if (state->pending_count + count < 32) {
        memcpy(state->pending + state->pending_count, bytes, count);
        state->pending_count += (uint32_t)count;
        return;
    }
    if (state->pending_count > 0) {
        size_t fill = 32 - state->pending_count;
        memcpy(state->pending + state->pending_count, bytes, fill);
        consume_stripes(state->lanes, state->pending, 32);
        bytes += fill;
        count -= fill;
        state->pending_count = 0;
    }
    size_t used = consume_stripes(state->lanes, bytes, count);
    memcpy(state->pending, bytes + used, count - used);
    state->pending_count = (uint32_t)(count - used);
}

uint64_t segpipe_xxh64_digest(const segpipe_xxh64_state *state) {
    uint64_t hash;
    if (state->total >= 32) {
        const uint64_t *lanes = state->lanes;
        hash = rotate_left(lanes[0], 1) + rotate_left(lanes[1], 7) + rotate_left(lanes[2], 12)
            + rotate_left(lanes[3], 18);
        for (int lane = 0; lane < 4; lane++) hash = merge_lane(hash, lanes[lane]);
    } else {
        hash = prime5; // seed 0: the lanes were never used
    }
    hash += state->total;

    const uint8_t *rest = state->pending;
    size_t left = state->pending_count;
    for (; left >= 8; rest += 8, left -= 8) {
        hash ^= lane_round(0, load64(rest));
        hash = rotate_left(hash, 27) * prime1 + prime4;
    }
    if (left >= 4) {
        hash ^= (uint64_t)load32(rest) * prime1;
        hash = rotate_left(hash, 23) * prime2 + prime3;
        rest += 4;
        left -= 4;
    }
    for (; left > 0; rest++, left--) {
        hash ^= (uint64_t)(*rest) * prime5;
        hash = rotate_left(hash, 11) * prime1;
    }

    hash ^= hash >> 33;
    hash *= prime2;
    hash ^= hash >> 29;
    hash *= prime3;
    hash ^= hash >> 32;
    return hash;
}
