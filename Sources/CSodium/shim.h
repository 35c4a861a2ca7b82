#ifndef TRADEWIND_CSODIUM_SHIM_H
#define TRADEWIND_CSODIUM_SHIM_H

#include <sodium.h>

// crypto_generichash_state is declared with 64-byte alignment, which Swift cannot
// import as a value type. These helpers take the state as an opaque pointer to
// memory the caller allocates with tw_generichash_statebytes() bytes and
// tw_generichash_statealignment() alignment.

static inline size_t tw_generichash_statebytes(void) {
    return sizeof(crypto_generichash_state);
}

static inline size_t tw_generichash_statealignment(void) {
    return _Alignof(crypto_generichash_state);
}

static inline int tw_generichash_init(void *state, const unsigned char *key,
                                      size_t keylen, size_t outlen) {
    return crypto_generichash_init((crypto_generichash_state *)state, key, keylen, outlen);
}

static inline int tw_generichash_update(void *state, const unsigned char *in,
                                        unsigned long long inlen) {
    return crypto_generichash_update((crypto_generichash_state *)state, in, inlen);
}

static inline int tw_generichash_final(void *state, unsigned char *out, size_t outlen) {
    return crypto_generichash_final((crypto_generichash_state *)state, out, outlen);
}

#endif
