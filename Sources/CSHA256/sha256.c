// SHA-256 from the system's libcrypto (OpenSSL), which picks the CPU's SHA extensions or AVX2 code at run
// time: several times faster than portable code for the multi-gigabyte checkpoint checksums.
// The low-level SHA256_* calls are deprecated in OpenSSL 3 in favour of EVP, but they keep a plain C struct
// as the state, which is what lets the Swift side be a copyable value type.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
#include <string.h>

#include "CSHA256.h"

_Static_assert(sizeof(SHA256_CTX) <= sizeof(segpipe_sha256_state), "SHA256_CTX does not fit the opaque state");

void segpipe_sha256_init(segpipe_sha256_state *state) {
    memset(state, 0, sizeof *state);
    SHA256_Init((SHA256_CTX *)state->opaque);
}

void segpipe_sha256_update(segpipe_sha256_state *state, const void *bytes, size_t count) {
    if (count > 0) SHA256_Update((SHA256_CTX *)state->opaque, bytes, count);
}

void segpipe_sha256_final(segpipe_sha256_state *state, uint8_t digest[32]) {
    SHA256_Final(digest, (SHA256_CTX *)state->opaque);
}
