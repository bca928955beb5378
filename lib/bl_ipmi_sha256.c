/*
 * Cipher suite 17 key derivations and check values on GLib's GHmac (see bl_ipmi_sha256.h).
 * Every input is assembled in a stack buffer of known size and wiped after use: it holds
 * the randoms that, with the password, make the session keys.
 */
#include "bl_ipmi_sha256.h"
#include "bl_result.h"

#include <glib.h>
#include <string.h>

/* Largest HMAC input: RAKP 2 (4 + 4 + 16 + 16 + 16 + 1 + 1 + 16 bytes). */
#define BL_RAKP_INPUT_MAX 74

void
bl_hmac_sha256(const uint8_t *key, size_t klen, const uint8_t *data, size_t len,
               uint8_t out[BL_SHA256_LEN])
{
    GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, key, klen);
    gsize olen = BL_SHA256_LEN;

    if (len > 0) {
        g_hmac_update(h, data, (gssize) len);
    }
    g_hmac_get_digest(h, out, &olen);
    g_hmac_unref(h);
}

static size_t
bl_put_u32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) v;
    p[1] = (uint8_t) (v >> 8);
    p[2] = (uint8_t) (v >> 16);
    p[3] = (uint8_t) (v >> 24);
    return 4;
}

static size_t
bl_put(uint8_t *p, const uint8_t *src, size_t n)
{
    memcpy(p, src, n);
    return n;
}

/* ROLEm | ULENGTHm | UNAMEm, the tail every RAKP HMAC input shares. */
static size_t
bl_put_identity(uint8_t *p, const struct bl_rakp_ctx *r)
{
    p[0] = r->role;
    p[1] = r->user_len;
    return 2 + bl_put(p + 2, r->user, r->user_len);
}

static void
bl_hmac_wipe(const uint8_t *key, size_t klen, uint8_t *in, size_t n, uint8_t out[BL_SHA256_LEN])
{
    bl_hmac_sha256(key, klen, in, n, out);
    explicit_bzero(in, BL_RAKP_INPUT_MAX);
}

int
bl_rakp_sha256_rakp2(const uint8_t kuid[BL_RAKP_KEY_LEN], const struct bl_rakp_ctx *r,
                     uint8_t out[BL_SHA256_LEN])
{
    uint8_t in[BL_RAKP_INPUT_MAX];
    size_t n = 0;

    if (r->user_len > BL_RAKP_USER_MAX) {
        return BL_E_INVALID;
    }
    n += bl_put_u32le(in + n, r->sid_console);
    n += bl_put_u32le(in + n, r->sid_bmc);
    n += bl_put(in + n, r->rand_console, BL_RAKP_RAND_LEN);
    n += bl_put(in + n, r->rand_bmc, BL_RAKP_RAND_LEN);
    n += bl_put(in + n, r->guid, BL_RAKP_GUID_LEN);
    n += bl_put_identity(in + n, r);
    bl_hmac_wipe(kuid, BL_RAKP_KEY_LEN, in, n, out);
    return BL_OK;
}

int
bl_rakp_sha256_rakp3(const uint8_t kuid[BL_RAKP_KEY_LEN], const struct bl_rakp_ctx *r,
                     uint8_t out[BL_SHA256_LEN])
{
    uint8_t in[BL_RAKP_INPUT_MAX];
    size_t n = 0;

    if (r->user_len > BL_RAKP_USER_MAX) {
        return BL_E_INVALID;
    }
    n += bl_put(in + n, r->rand_bmc, BL_RAKP_RAND_LEN);
    n += bl_put_u32le(in + n, r->sid_console);
    n += bl_put_identity(in + n, r);
    bl_hmac_wipe(kuid, BL_RAKP_KEY_LEN, in, n, out);
    return BL_OK;
}

int
bl_rakp_sha256_sik(const uint8_t kg[BL_RAKP_KEY_LEN], const struct bl_rakp_ctx *r,
                   uint8_t out[BL_SHA256_LEN])
{
    uint8_t in[BL_RAKP_INPUT_MAX];
    size_t n = 0;

    if (r->user_len > BL_RAKP_USER_MAX) {
        return BL_E_INVALID;
    }
    n += bl_put(in + n, r->rand_console, BL_RAKP_RAND_LEN);
    n += bl_put(in + n, r->rand_bmc, BL_RAKP_RAND_LEN);
    n += bl_put_identity(in + n, r);
    bl_hmac_wipe(kg, BL_RAKP_KEY_LEN, in, n, out);
    return BL_OK;
}

void
bl_rakp_sha256_rakp4(const uint8_t sik[BL_SHA256_LEN], const struct bl_rakp_ctx *r,
                     uint8_t out[BL_SHA256_ICV_LEN])
{
    uint8_t in[BL_RAKP_INPUT_MAX];
    uint8_t full[BL_SHA256_LEN];
    size_t n = 0;

    n += bl_put(in + n, r->rand_console, BL_RAKP_RAND_LEN);
    n += bl_put_u32le(in + n, r->sid_bmc);
    n += bl_put(in + n, r->guid, BL_RAKP_GUID_LEN);
    bl_hmac_wipe(sik, BL_SHA256_LEN, in, n, full);
    memcpy(out, full, BL_SHA256_ICV_LEN);
    explicit_bzero(full, sizeof(full));
}

void
bl_rakp_sha256_k(const uint8_t sik[BL_SHA256_LEN], uint8_t constant, uint8_t out[BL_SHA256_LEN])
{
    uint8_t c[BL_RAKP_KEY_LEN];

    memset(c, constant, sizeof(c));
    bl_hmac_sha256(sik, BL_SHA256_LEN, c, sizeof(c), out);
}

void
bl_integ_sha256_128(const uint8_t k1[BL_SHA256_LEN], const uint8_t *data, size_t len,
                    uint8_t out[BL_SHA256_ICV_LEN])
{
    uint8_t full[BL_SHA256_LEN];

    bl_hmac_sha256(k1, BL_SHA256_LEN, data, len, full);
    memcpy(out, full, BL_SHA256_ICV_LEN);
    explicit_bzero(full, sizeof(full));
}

bool
bl_ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint8_t diff = 0;

    for (size_t i = 0; i < n; i++) {
        diff |= (uint8_t) (a[i] ^ b[i]);
    }
    return diff == 0;
}
