/*
 * Cipher suite policy: which suites we would open, best first, from what the BMC offers
 * (Get Channel Cipher Suites) or, when it does not say, a blind fallback. Pure functions.
 */
#include "bl_ipmi.h"
#include "bl_result.h"

#include <string.h>

/* Strong suites (authentication, integrity and AES), best first. */
static const uint8_t bl_pref_strong[] = {17, 3, 8, 12};
/* With allow_weak: integrity but no confidentiality. Never chosen blindly: 0, 1, 6, 15. */
static const uint8_t bl_pref_weak[] = {16, 2, 7, 11};
/* What to try, in order, when the BMC does not list its suites. */
static const uint8_t bl_blind[] = {17, 3};

#define BL_REC_STD 0xc0
#define BL_REC_OEM 0xc1

/* Length of the record starting at rec[0], or 0 if it is not a record start. */
static size_t
bl_record_len(const uint8_t *rec, size_t len)
{
    size_t n;

    if (rec[0] != BL_REC_STD && rec[0] != BL_REC_OEM) {
        return 0;
    }
    n = rec[0] == BL_REC_STD ? 2 : 5; /* start byte, suite ID [, IANA] */
    /* Then algorithm bytes (tag in bits 7:6) up to the next record start. */
    while (n < len && rec[n] != BL_REC_STD && rec[n] != BL_REC_OEM) {
        n++;
    }
    return n;
}

size_t
bl_ipmi_cipher_records_parse(const uint8_t *rec, size_t len, uint8_t *suites, size_t cap)
{
    size_t count = 0;
    size_t i = 0;

    while (rec != NULL && i < len) {
        size_t n = bl_record_len(rec + i, len - i);

        if (n == 0) {
            i++; /* not a record start: skip the byte, resynchronise on the next */
            continue;
        }
        if (rec[i] == BL_REC_STD && n >= 2 && i + 1 < len && count < cap &&
            rec[i + 1] <= BL_IPMI_CIPHER_MAX) {
            suites[count++] = rec[i + 1];
        }
        i += n;
    }
    return count;
}

static bool
bl_offered(const uint8_t *offered, size_t n, uint8_t suite)
{
    return n == 0 || memchr(offered, suite, n) != NULL;
}

static size_t
bl_add_from(const uint8_t *pref, size_t npref, const uint8_t *offered, size_t n, uint8_t *out,
            size_t count, size_t cap)
{
    for (size_t i = 0; i < npref && count < cap; i++) {
        if (bl_offered(offered, n, pref[i])) {
            out[count++] = pref[i];
        }
    }
    return count;
}

size_t
bl_ipmi_cipher_candidates(const uint8_t *offered, size_t n, bool allow_weak, uint8_t *out,
                          size_t cap)
{
    size_t count;

    if (n == 0 || offered == NULL) {
        return bl_add_from(bl_blind, sizeof(bl_blind), NULL, 0, out, 0, cap);
    }
    count = bl_add_from(bl_pref_strong, sizeof(bl_pref_strong), offered, n, out, 0, cap);
    if (allow_weak) {
        count = bl_add_from(bl_pref_weak, sizeof(bl_pref_weak), offered, n, out, count, cap);
    }
    return count;
}

int
bl_ipmi_build_cipher_suites_req(uint8_t index, uint8_t *buf, size_t cap)
{
    if (buf == NULL || cap < 3 || index > 0x3f) {
        return BL_E_INVALID;
    }
    buf[0] = 0x0e;                     /* the channel this request arrives on */
    buf[1] = 0x00;                     /* payload type IPMI */
    buf[2] = (uint8_t) (0x80 | index); /* list by cipher suite, page index */
    return 3;
}

/* Session-less IPMI 1.5 framing: RMCP (4), auth type (1), sequence (4), session ID (4),
 * message length (1), then the IPMI message with its two checksums. */
#define BL_V15_HDR 14
#define BL_V15_DATA_MAX 32

uint8_t
bl_ipmi_checksum(const uint8_t *p, size_t n)
{
    uint8_t sum = 0;

    for (size_t i = 0; i < n; i++) {
        sum = (uint8_t) (sum + p[i]);
    }
    return (uint8_t) -sum;
}

int
bl_ipmi_v15_request(uint8_t netfn, uint8_t cmd, uint8_t seq, const uint8_t *data, size_t len,
                    uint8_t *out, size_t cap)
{
    size_t total = BL_V15_HDR + 6 + len + 1;
    uint8_t *m = out + BL_V15_HDR;

    if (out == NULL || len > BL_V15_DATA_MAX || (len > 0 && data == NULL) || cap < total ||
        seq > 0x3f || netfn > 0x3f) {
        return BL_E_INVALID;
    }
    memset(out, 0, BL_V15_HDR);
    out[0] = 0x06; /* RMCP version 1.0 */
    out[2] = 0xff; /* no RMCP ACK */
    out[3] = 0x07; /* class IPMI */
    out[13] = (uint8_t) (6 + len + 1);
    m[0] = 0x20; /* BMC */
    m[1] = (uint8_t) (netfn << 2);
    m[2] = bl_ipmi_checksum(m, 2);
    m[3] = 0x81; /* remote console software ID */
    m[4] = (uint8_t) (seq << 2);
    m[5] = cmd;
    if (len > 0) {
        memcpy(m + 6, data, len);
    }
    m[6 + len] = bl_ipmi_checksum(m + 3, 3 + len);
    return (int) total;
}

int
bl_ipmi_v15_reply(const uint8_t *pkt, size_t len, uint8_t netfn, uint8_t cmd, uint8_t seq,
                  const uint8_t **body, size_t *body_len)
{
    const uint8_t *m = pkt + BL_V15_HDR;
    size_t mlen;

    if (pkt == NULL || len < BL_V15_HDR + 8 || pkt[0] != 0x06 || pkt[3] != 0x07 || pkt[4] != 0) {
        return BL_E_PROTO;
    }
    mlen = pkt[13];
    if (mlen < 8 || mlen > len - BL_V15_HDR) {
        return BL_E_PROTO;
    }
    if (m[0] != 0x81 || m[1] != (uint8_t) (((netfn | 1) << 2)) || bl_ipmi_checksum(m, 3) != 0 ||
        m[3] != 0x20 || m[4] != (uint8_t) (seq << 2) || m[5] != cmd ||
        bl_ipmi_checksum(m + 3, mlen - 3) != 0) {
        return BL_E_PROTO;
    }
    *body = m + 6;
    *body_len = mlen - 7; /* from the completion code up to, not including, checksum 2 */
    return BL_OK;
}
