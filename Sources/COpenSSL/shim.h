// COpenSSL: the system OpenSSL 3 (libssl-dev) for Swift.
//
// Used by TandemHA (heartbeat HMAC-SHA256, CRYPTO_memcmp, RAND_bytes) and TandemTLS (TLS termination).
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

// MARK: - TLS termination (TandemTLS)

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/// The `SSL_OP_*` bits TandemTLS sets on every server context: no compression (CRIME), no
/// renegotiation of any kind, the server's cipher order.
static inline uint64_t COpenSSL_TandemServerOptions(void) {
    return (uint64_t)(SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
}

static inline int COpenSSL_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

static inline long COpenSSL_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}

static inline long COpenSSL_SSL_SESS_CACHE_OFF(void) {
    return SSL_SESS_CACHE_OFF;
}

static inline int COpenSSL_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) {
    return (int)SSL_CTX_set1_groups_list(ctx, list);
}

static inline long COpenSSL_SSL_CTX_set_tlsext_servername_callback(
    SSL_CTX *ctx, int (*callback)(SSL *, int *, void *)) {
    return SSL_CTX_set_tlsext_servername_callback(ctx, callback);
}

static inline long COpenSSL_SSL_CTX_set_tlsext_servername_arg(SSL_CTX *ctx, void *arg) {
    return SSL_CTX_set_tlsext_servername_arg(ctx, arg);
}

static inline int COpenSSL_SSL_CTX_set_app_data(SSL_CTX *ctx, void *arg) {
    return SSL_CTX_set_app_data(ctx, arg);
}

static inline void *COpenSSL_SSL_CTX_get_app_data(const SSL_CTX *ctx) {
    return SSL_CTX_get_app_data(ctx);
}

static inline const char *COpenSSL_SSL_get_servername(const SSL *ssl) {
    return SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
}

/// Client side (tests): the SNI name to send.
static inline int COpenSSL_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

static inline int COpenSSL_SSL_TLSEXT_ERR_OK(void) { return SSL_TLSEXT_ERR_OK; }
static inline int COpenSSL_SSL_TLSEXT_ERR_NOACK(void) { return SSL_TLSEXT_ERR_NOACK; }

/// ALPN: the protocols a server context offers, in wire format (each name preceded by its length byte) and in the
/// server's order of preference. Owned by the caller and alive as long as the context.
typedef struct COpenSSL_ALPNPreference {
    const unsigned char *protocols;
    unsigned int length;
} COpenSSL_ALPNPreference;

/// ALPN: choose the first protocol of the server's list (`arg`, a `COpenSSL_ALPNPreference`) that the client
/// also offers; with none in common, continue without ALPN (a client offering only protocols we do not speak
/// still gets HTTP/1.1 rather than a failed handshake).
static inline int COpenSSL_ALPNSelect(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                                      const unsigned char *in, unsigned int inlen, void *arg) {
    const COpenSSL_ALPNPreference *preference = (const COpenSSL_ALPNPreference *)arg;
    (void)ssl;
    // SSL_select_next_proto walks the server's list first: the server's preference wins.
    unsigned char *selected = NULL;
    if (preference == NULL
        || SSL_select_next_proto(&selected, outlen, preference->protocols, preference->length, in, inlen)
               != OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_NOACK;
    }
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

static inline void COpenSSL_SSL_CTX_select_ALPN(SSL_CTX *ctx, const COpenSSL_ALPNPreference *preference) {
    SSL_CTX_set_alpn_select_cb(ctx, COpenSSL_ALPNSelect, (void *)preference);
}

static inline size_t COpenSSL_BIO_pending(BIO *bio) {
    return (size_t)BIO_pending(bio);
}

/// `SSL_R_HTTP_REQUEST` / `SSL_R_HTTPS_PROXY_REQUEST`: the first record looked like plain HTTP.
static inline int COpenSSL_ERR_is_plaintext_HTTP(unsigned long error) {
    return ERR_GET_LIB(error) == ERR_LIB_SSL
        && (ERR_GET_REASON(error) == SSL_R_HTTP_REQUEST || ERR_GET_REASON(error) == SSL_R_HTTPS_PROXY_REQUEST);
}

/// Keys the ticket HMAC (SHA-256) of `SSL_CTX_set_tlsext_ticket_key_evp_cb`; OSSL_PARAM arrays are
/// awkward from Swift.
static inline int COpenSSL_EVP_MAC_CTX_set_ticket_HMAC_key(EVP_MAC_CTX *mac, const unsigned char *key,
                                                           size_t length) {
    OSSL_PARAM params[3];
    params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, (void *)key, length);
    params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    params[2] = OSSL_PARAM_construct_end();
    return EVP_MAC_CTX_set_params(mac, params);
}

/// The subjectAltName extension of a certificate, or NULL; free with `COpenSSL_GENERAL_NAMES_free`.
static inline GENERAL_NAMES *COpenSSL_X509_subject_alt_names(X509 *certificate) {
    return (GENERAL_NAMES *)X509_get_ext_d2i(certificate, NID_subject_alt_name, NULL, NULL);
}

static inline int COpenSSL_GENERAL_NAMES_count(const GENERAL_NAMES *names) {
    return sk_GENERAL_NAME_num(names);
}

/// The DNS name at `index` (not NUL-terminated, `*length` bytes), or NULL if that entry is not a DNS name.
static inline const unsigned char *COpenSSL_GENERAL_NAMES_dns_name(const GENERAL_NAMES *names, int index,
                                                                   int *length) {
    const GENERAL_NAME *name = sk_GENERAL_NAME_value(names, index);
    if (name == NULL || name->type != GEN_DNS) {
        return NULL;
    }
    *length = ASN1_STRING_length(name->d.dNSName);
    return ASN1_STRING_get0_data(name->d.dNSName);
}

static inline void COpenSSL_GENERAL_NAMES_free(GENERAL_NAMES *names) {
    GENERAL_NAMES_free(names);
}

#endif
