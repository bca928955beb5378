/*
 * Unit tests of cipher suite 17 arithmetic (bl_ipmi_sha256.c) against vectors derived
 * with OpenSSL from the specification's message layouts (gen_sha256_vectors.sh beside this
 * file), and of the suite choice policy and session-less framing (bl_ipmi_cipher.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "bl_ipmi.h"
#include "bl_ipmi_sha256.h"
#include "bl_result.h"

/* The inputs gen_sha256_vectors.sh uses. */
static const uint8_t kuid[BL_RAKP_KEY_LEN] = "s3cret-pw";

static void
ctx_for(struct bl_rakp_ctx *c)
{
    memset(c, 0, sizeof(*c));
    c->sid_console = 0x0a0b0c0d;
    c->sid_bmc = 0x11223344;
    for (int i = 0; i < 16; i++) {
        c->rand_console[i] = (uint8_t) i;
        c->rand_bmc[i] = (uint8_t) (0x10 + i);
        c->guid[i] = (uint8_t) (0xa0 + i);
    }
    c->role = 0x14;
    c->user_len = 5;
    memcpy(c->user, "admin", 5);
}

static void
assert_hex(const uint8_t *got, size_t n, const char *want)
{
    char hex[2 * BL_SHA256_LEN + 1];

    for (size_t i = 0; i < n; i++) {
        snprintf(hex + 2 * i, 3, "%02x", got[i]);
    }
    assert_string_equal(hex, want);
}

static void
test_rakp_codes(void **state)
{
    struct bl_rakp_ctx c;
    uint8_t out[BL_SHA256_LEN];

    ctx_for(&c);
    assert_int_equal(bl_rakp_sha256_rakp2(kuid, &c, out), BL_OK);
    assert_hex(out, 32, "191eb3a24e015cb03ec6655ee0b23b2801c86fab1e48bb5360cf4caccd0d06d2");
    assert_int_equal(bl_rakp_sha256_rakp3(kuid, &c, out), BL_OK);
    assert_hex(out, 32, "961647a7d1fadd341f69d4ec5d18151a4d2dc626acb0c4538a3bcfe178c83061");
    c.user_len = 17; /* longer than any IPMI user name: refused, nothing read past user[] */
    assert_int_equal(bl_rakp_sha256_rakp2(kuid, &c, out), BL_E_INVALID);
    assert_int_equal(bl_rakp_sha256_rakp3(kuid, &c, out), BL_E_INVALID);
    assert_int_equal(bl_rakp_sha256_sik(kuid, &c, out), BL_E_INVALID);
}

static void
test_session_keys(void **state)
{
    struct bl_rakp_ctx c;
    uint8_t sik[BL_SHA256_LEN], k[BL_SHA256_LEN], icv[BL_SHA256_ICV_LEN];

    ctx_for(&c);
    assert_int_equal(bl_rakp_sha256_sik(kuid, &c, sik), BL_OK);
    assert_hex(sik, 32, "2afd7870485fae3bd8620ab68a65cc6a2e7153cd563020ed46d73a34cda1761b");
    bl_rakp_sha256_k(sik, 1, k);
    assert_hex(k, 32, "1a5ac857b11a8d4c0158591d209cf96beb7d23d50b7d5f68702fa770124ef4f0");
    bl_rakp_sha256_k(sik, 2, k);
    assert_hex(k, 32, "f1f8d8fb933e62afa89e43b38eaa87c9d94674fce85b0a7dbf80fec5c0e4af53");
    bl_rakp_sha256_rakp4(sik, &c, icv);
    assert_hex(icv, 16, "d8b0c04354cba3e63fcc22bd96a8ccd1");
}

static void
test_packet_integrity(void **state)
{
    /* auth type, payload type, SIDc, sequence 1, length 32, payload, pad, pad length, next */
    static const uint8_t pkt[] = {0x06, 0xc0, 0x44, 0x33, 0x22, 0x11, 0x01, 0x00, 0x00, 0x00,
                                  0x20, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11,
                                  0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
                                  0xcc, 0xdd, 0xee, 0xff, 0xff, 0x02, 0x07};
    struct bl_rakp_ctx c;
    uint8_t sik[BL_SHA256_LEN], k1[BL_SHA256_LEN], icv[BL_SHA256_ICV_LEN];

    ctx_for(&c);
    assert_int_equal(bl_rakp_sha256_sik(kuid, &c, sik), BL_OK);
    bl_rakp_sha256_k(sik, 1, k1);
    bl_integ_sha256_128(k1, pkt, sizeof(pkt), icv);
    assert_hex(icv, 16, "caf93b25eef80ce0f2dce701c9b4dedd");
}

static void
test_ct_equal(void **state)
{
    static const uint8_t a[4] = {1, 2, 3, 4}, b[4] = {1, 2, 3, 5};

    assert_true(bl_ct_equal(a, a, 4));
    assert_false(bl_ct_equal(a, b, 4));
    assert_true(bl_ct_equal(a, b, 3));
}

static void
test_records_parse(void **state)
{
    /* ipmi_sim's first page (suites 0..2 and the start of 3), then an OEM record, a record
     * with an out-of-table suite number, junk, and 17 cut short at the end. */
    static const uint8_t rec[] = {0xc0, 0x00, 0x00, 0x40, 0x80, 0xc0, 0x01, 0x01, 0x40, 0x80,
                                  0xc0, 0x02, 0x01, 0x41, 0x80, 0xc0, 0x03, 0x01, 0x41, 0x81,
                                  0xc1, 0x30, 0x57, 0x01, 0x00, 0x03, 0x44, 0x81, 0xc0, 0x77,
                                  0x03, 0x44, 0x81, 0x12, 0x34, 0xc0, 0x11};
    uint8_t suites[8];

    assert_int_equal(bl_ipmi_cipher_records_parse(rec, sizeof(rec), suites, 8), 5);
    assert_memory_equal(suites, ((const uint8_t[]){0, 1, 2, 3, 17}), 5);
    assert_int_equal(bl_ipmi_cipher_records_parse(rec, sizeof(rec), suites, 2), 2);
    assert_int_equal(bl_ipmi_cipher_records_parse(rec, 0, suites, 8), 0);
    assert_int_equal(bl_ipmi_cipher_records_parse(NULL, 5, suites, 8), 0);
}

static void
test_candidates_policy(void **state)
{
    uint8_t out[8];

    /* best first, whatever order the BMC lists */
    assert_int_equal(bl_ipmi_cipher_candidates((const uint8_t[]){0, 1, 2, 3, 17}, 5, false, out, 8),
                     2);
    assert_memory_equal(out, ((const uint8_t[]){17, 3}), 2);
    /* only 3 */
    assert_int_equal(bl_ipmi_cipher_candidates((const uint8_t[]){3}, 1, false, out, 8), 1);
    assert_int_equal(out[0], 3);
    /* MD5 suites with AES meet the rule, after the SHA ones */
    assert_int_equal(bl_ipmi_cipher_candidates((const uint8_t[]){12, 8, 3}, 3, false, out, 8), 3);
    assert_memory_equal(out, ((const uint8_t[]){3, 8, 12}), 3);
    /* only weak suites: nothing by default; with allow_weak those with integrity, never
     * the ones without authentication or integrity (0, 1, 6, 15 need pinning) */
    assert_int_equal(
        bl_ipmi_cipher_candidates((const uint8_t[]){0, 1, 2, 6, 15, 16}, 6, false, out, 8), 0);
    assert_int_equal(
        bl_ipmi_cipher_candidates((const uint8_t[]){0, 1, 2, 6, 15, 16}, 6, true, out, 8), 2);
    assert_memory_equal(out, ((const uint8_t[]){16, 2}), 2);
    /* RC4 never */
    assert_int_equal(bl_ipmi_cipher_candidates((const uint8_t[]){4, 5, 9, 18, 19}, 5, true, out, 8),
                     0);
    /* no list: 17 then 3, weak or not */
    assert_int_equal(bl_ipmi_cipher_candidates(NULL, 0, false, out, 8), 2);
    assert_memory_equal(out, ((const uint8_t[]){17, 3}), 2);
    assert_int_equal(bl_ipmi_cipher_candidates(NULL, 0, true, out, 1), 1);
    assert_int_equal(out[0], 17);
}

static void
test_v15_framing(void **state)
{
    uint8_t body[3], pkt[64];
    const uint8_t *rsp = NULL;
    size_t rlen = 0;
    int n;
    /* what ipmi_sim sends back for page 0: cc 0, channel 1, three records */
    uint8_t reply[] = {0x06, 0x00, 0xff, 0x07, 0x00, 0,    0,    0,    0,    0,
                       0,    0,    0,    0x17, 0x81, 0x1c, 0x63, 0x20, 0x0c, 0x54,
                       0x00, 0x01, 0xc0, 0x00, 0x00, 0x40, 0x80, 0xc0, 0x01, 0x01,
                       0x40, 0x80, 0xc0, 0x02, 0x01, 0x41, 0x80, 0xc0, 0x00};

    assert_int_equal(bl_ipmi_build_cipher_suites_req(0, body, sizeof(body)), 3);
    assert_memory_equal(body, ((const uint8_t[]){0x0e, 0x00, 0x80}), 3);
    assert_int_equal(bl_ipmi_build_cipher_suites_req(0x40, body, sizeof(body)), BL_E_INVALID);
    n = bl_ipmi_v15_request(BL_IPMI_NETFN_APP, BL_IPMI_CMD_GET_CHANNEL_CIPHER_SUITES, 3, body, 3,
                            pkt, sizeof(pkt));
    assert_int_equal(n, 24);
    assert_memory_equal(pkt + 14, ((const uint8_t[]){0x20, 0x18, 0xc8, 0x81, 0x0c, 0x54}), 6);
    assert_int_equal(pkt[13], 10);
    assert_int_equal(bl_ipmi_v15_request(0x06, 0x54, 3, body, 3, pkt, 23), BL_E_INVALID);

    /* fix up checksum 2 over rqSA .. last record byte */
    {
        uint8_t sum = 0;

        for (size_t i = 17; i < sizeof(reply) - 1; i++) {
            sum = (uint8_t) (sum + reply[i]);
        }
        reply[sizeof(reply) - 1] = (uint8_t) -sum;
    }
    reply[13] = (uint8_t) (sizeof(reply) - 14);
    assert_int_equal(bl_ipmi_v15_reply(reply, sizeof(reply), 0x06, 0x54, 3, &rsp, &rlen), BL_OK);
    assert_int_equal(rlen, 2 + 16); /* cc, channel, 15 record bytes and a cut record */
    assert_int_equal(rsp[0], 0);
    /* wrong sequence, wrong command, short, lying length, bad checksum: not our reply */
    assert_int_equal(bl_ipmi_v15_reply(reply, sizeof(reply), 0x06, 0x54, 4, &rsp, &rlen),
                     BL_E_PROTO);
    assert_int_equal(bl_ipmi_v15_reply(reply, sizeof(reply), 0x06, 0x38, 3, &rsp, &rlen),
                     BL_E_PROTO);
    assert_int_equal(bl_ipmi_v15_reply(reply, 20, 0x06, 0x54, 3, &rsp, &rlen), BL_E_PROTO);
    reply[13] = 0xff;
    assert_int_equal(bl_ipmi_v15_reply(reply, sizeof(reply), 0x06, 0x54, 3, &rsp, &rlen),
                     BL_E_PROTO);
    reply[13] = (uint8_t) (sizeof(reply) - 14);
    reply[25] ^= 1;
    assert_int_equal(bl_ipmi_v15_reply(reply, sizeof(reply), 0x06, 0x54, 3, &rsp, &rlen),
                     BL_E_PROTO);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rakp_codes),       cmocka_unit_test(test_session_keys),
        cmocka_unit_test(test_packet_integrity), cmocka_unit_test(test_ct_equal),
        cmocka_unit_test(test_records_parse),    cmocka_unit_test(test_candidates_policy),
        cmocka_unit_test(test_v15_framing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
