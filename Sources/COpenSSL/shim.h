// COpenSSL: the system OpenSSL 3 (libssl-dev) for Swift.
//
// Used by TandemHA (heartbeat HMAC-SHA256, CRYPTO_memcmp, RAND_bytes) and later by TandemTLS.
// Macros and expression-constants do not import into Swift; each one needed gets a `static inline`
// wrapper named `COpenSSL_<original name>` below.
#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H

#include <openssl/opensslv.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

/// `OPENSSL_VERSION_NUMBER` of the headers the module was compiled against.
static inline unsigned long COpenSSL_OPENSSL_VERSION_NUMBER(void) {
    return (unsigned long)OPENSSL_VERSION_NUMBER;
}

/// `OPENSSL_free` is a macro over `CRYPTO_free` with file/line.
static inline void COpenSSL_OPENSSL_free(void *pointer) {
    OPENSSL_free(pointer);
}

/// `EVP_MAX_MD_SIZE`: the largest digest any EVP message digest produces.
static inline int COpenSSL_EVP_MAX_MD_SIZE(void) {
    return EVP_MAX_MD_SIZE;
}

#endif
