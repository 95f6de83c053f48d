#ifndef SEGPIPE_CBYTESCAN_H
#define SEGPIPE_CBYTESCAN_H

#include <stdint.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// A bit for each of the 64 bytes at `bytes` that equals `a`, `b` or `c`: bit `i` is set when `bytes[i]` matches.
/// Reads all 64 bytes, so they must be readable. With SSE2 (every x86-64 processor) sixteen bytes are compared at
/// a time; elsewhere one at a time, with the same result.
static inline uint64_t segpipe_match_mask64(const uint8_t *bytes, uint8_t a, uint8_t b, uint8_t c) {
#if defined(__SSE2__)
    const __m128i va = _mm_set1_epi8((char)a);
    const __m128i vb = _mm_set1_epi8((char)b);
    const __m128i vc = _mm_set1_epi8((char)c);
    uint64_t mask = 0;
    for (int block = 0; block < 4; block++) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(bytes + 16 * block));
        const __m128i hits = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)),
                                          _mm_cmpeq_epi8(v, vc));
        mask |= (uint64_t)(uint16_t)_mm_movemask_epi8(hits) << (16 * block);
    }
    return mask;
#else
    uint64_t mask = 0;
    for (int index = 0; index < 64; index++) {
        const uint8_t byte = bytes[index];
        if (byte == a || byte == b || byte == c) mask |= (uint64_t)1 << index;
    }
    return mask;
#endif
}

#endif
