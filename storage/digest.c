/* SPDX-License-Identifier: Apache-2.0 */
/* The only file that includes libcrypto (STYLE.md: one file per third-party library).
 *
 * libcrypto is loaded on first use (dlopen), not linked: most commands (ps, run, exec, logs)
 * hash nothing, and mapping and relocating libcrypto costs every process about 0.6 ms. It is
 * compiled against, so the prototypes below are checked against the real ones. */
#include "storage/digest.h"

#include <dirent.h>
#include <dlfcn.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <unistd.h>

#include "basic/fs-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"

#define CRYPTO_FUNCS(X)                                                                            \
        X(EVP_MD_CTX_new)                                                                          \
        X(EVP_MD_CTX_free)                                                                         \
        X(EVP_DigestInit_ex)                                                                       \
        X(EVP_DigestUpdate)                                                                        \
        X(EVP_DigestFinal_ex)                                                                      \
        X(EVP_sha256)

static struct {
#define CRYPTO_FIELD(f) __typeof__(f) *f;
        CRYPTO_FUNCS(CRYPTO_FIELD)
#undef CRYPTO_FIELD
} crypto_lib;
static bool crypto_lib_loaded;

#define CR(f) (crypto_lib.f)

/* Without libcrypto nothing can be verified: as an allocation failure, this cannot go on. */
static void crypto_lib_load(void) {
        if (crypto_lib_loaded)
                return;
        static const char *const names[] = {"libcrypto.so.3", "libcrypto.so"};
        void *h = NULL;
        for (size_t i = 0; i < ELEMENTSOF(names) && !h; i++)
                h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                fprintf(stderr, "warren: libcrypto is needed to compute digests (install libssl3): "
                                "%s\n", dlerror());
                abort();
        }
#define CRYPTO_LOAD(f)                                                                             \
        if (!(crypto_lib.f = (__typeof__(f) *)dlsym(h, #f))) {                                     \
                fprintf(stderr, "warren: libcrypto lacks `%s`\n", #f);                             \
                abort();                                                                           \
        }
        CRYPTO_FUNCS(CRYPTO_LOAD)
#undef CRYPTO_LOAD
        crypto_lib_loaded = true;
}

struct Sha256 {
        EVP_MD_CTX *ctx;
};

Sha256 *sha256_new(void) {
        crypto_lib_load();
        Sha256 *h = xnew(Sha256, 1);
        h->ctx = CR(EVP_MD_CTX_new)();
        if (!h->ctx || CR(EVP_DigestInit_ex)(h->ctx, CR(EVP_sha256)(), NULL) != 1)
                abort(); /* allocation failure, as xmalloc */
        return h;
}

Sha256 *sha256_free(Sha256 *h) {
        if (!h)
                return NULL;
        CR(EVP_MD_CTX_free)(h->ctx);
        free(h);
        return NULL;
}

void sha256_update(Sha256 *h, const void *data, size_t len) {
        if (len > 0 && CR(EVP_DigestUpdate)(h->ctx, data, len) != 1)
                abort();
}

static void hex_encode(const unsigned char *in, size_t n, char *out) {
        static const char hexdig[] = "0123456789abcdef";
        for (size_t i = 0; i < n; i++) {
                out[2 * i] = hexdig[in[i] >> 4];
                out[2 * i + 1] = hexdig[in[i] & 15];
        }
        out[2 * n] = '\0';
}

void sha256_final(Sha256 *h, char ret[DIGEST_STRING_MAX]) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        if (CR(EVP_DigestFinal_ex)(h->ctx, md, &n) != 1 || n != DIGEST_HEX_LEN / 2)
                abort();
        memcpy(ret, DIGEST_PREFIX, sizeof(DIGEST_PREFIX) - 1);
        hex_encode(md, n, ret + sizeof(DIGEST_PREFIX) - 1);
}

void digest_buffer(const void *data, size_t len, char ret[DIGEST_STRING_MAX]) {
        Sha256 *h = sha256_new();
        sha256_update(h, data, len);
        sha256_final(h, ret);
        sha256_free(h);
}

bool digest_hex_is_valid(const char *hex) {
        if (!hex)
                return false;
        size_t i;
        for (i = 0; hex[i]; i++) {
                if (i >= DIGEST_HEX_LEN)
                        return false;
                if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
                        return false;
        }
        return i == DIGEST_HEX_LEN;
}

bool digest_is_valid(const char *s) {
        return s && STARTS_WITH(s, DIGEST_PREFIX) &&
               digest_hex_is_valid(s + sizeof(DIGEST_PREFIX) - 1);
}

const char *digest_hex(const char *s) {
        return digest_is_valid(s) ? s + sizeof(DIGEST_PREFIX) - 1 : NULL;
}

int digest_parse(const char *s, const char *what, const char **ret_hex, WarrenError **err) {
        if (!what)
                what = "digest";
        if (!s)
                return error_set(err, EINVAL, "%s is missing", what);
        if (digest_is_valid(s)) {
                if (ret_hex)
                        *ret_hex = s + sizeof(DIGEST_PREFIX) - 1;
                return 0;
        }
        const char *colon = strchr(s, ':');
        size_t alglen = colon ? (size_t)(colon - s) : 0;
        if (colon && alglen > 0 && alglen < 32 && !STARTS_WITH(s, DIGEST_PREFIX)) {
                bool alg_ok = true;
                for (size_t i = 0; i < alglen; i++)
                        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
                              s[i] == '+' || s[i] == '.' || s[i] == '_' || s[i] == '-'))
                                alg_ok = false;
                if (alg_ok)
                        return error_set(err, ENOTSUP, "%s `%.*s`: unsupported digest algorithm",
                                         what, (int)MIN(strlen(s), 100), s);
        }
        return error_set(err, EINVAL, "%s `%.*s` is not a valid sha256 digest", what,
                         (int)MIN(strlen(s), 100), s);
}

char *digest_from_hex(const char *hex) {
        if (!digest_hex_is_valid(hex))
                return NULL;
        return xasprintf(DIGEST_PREFIX "%s", hex);
}

void digest_chain_id(const char *parent_chain, const char *diff_id, char ret[DIGEST_STRING_MAX]) {
        if (!parent_chain) {
                snprintf(ret, DIGEST_STRING_MAX, "%s", diff_id);
                return;
        }
        _cleanup_free_ char *s = xasprintf("%s %s", parent_chain, diff_id);
        digest_buffer(s, strlen(s), ret);
}

int digest_list_dir(int dirfd, const char *what, char ***ret, WarrenError **err) {
        int dfd = dup(dirfd);
        if (dfd < 0)
                return error_set_errno(err, errno, "list %s", what);
        DIR *d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return error_set_errno(err, errno, "list %s", what);
        }
        rewinddir(d); /* a dup shares the offset with earlier listings */
        _cleanup_closedir_ DIR *dd = d;
        char **l = NULL;
        struct dirent *de;
        while ((de = readdir(d)))
                if (digest_hex_is_valid(de->d_name))
                        strv_consume(&l, digest_from_hex(de->d_name));
        *ret = l ? l : xnew(char *, 1);
        return 0;
}
