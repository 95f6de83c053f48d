#ifndef SEGPIPE_CSHA256_H
#define SEGPIPE_CSHA256_H

#include <stddef.h>
#include <stdint.h>

/// SHA-256 state, laid out by value so that Swift can copy it (copying a hasher forks the hash).
/// Large enough for OpenSSL's SHA256_CTX; the C side checks the size at compile time.
typedef struct {
    _Alignas(16) uint8_t opaque[128];
} segpipe_sha256_state;

void segpipe_sha256_init(segpipe_sha256_state *state);
void segpipe_sha256_update(segpipe_sha256_state *state, const void *bytes, size_t count);
/// Writes the 32-byte digest; `state` is consumed (copy it first to keep hashing).
void segpipe_sha256_final(segpipe_sha256_state *state, uint8_t digest[32]);

#endif
