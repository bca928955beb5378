/*
 * suite17_bmc: a test BMC on loopback that offers RMCP+ cipher suite 17 ONLY
 * (RAKP-HMAC-SHA256 / HMAC-SHA256-128 / AES-CBC-128), because Debian 12's ipmi_sim cannot:
 * its lanserv has no SHA-256 algorithms, and its RAKP 1 handler builds RAKP 2 in a 64-byte
 * buffer where the SHA-256 reply needs 72 (lanserv_ipmi.c, handle_rakp1_payload).
 *
 * It serves what a power-control client needs and nothing more: session-less Get Channel
 * Authentication Capabilities and Get Channel Cipher Suites; Open Session, RAKP 1-4; then,
 * in session (encrypted and authenticated), Set Session Privilege Level, Get Device ID,
 * Get Chassis Status, Chassis Control and Close Session. It is trusted as a test peer only
 * because ipmitool (-I lanplus -C 17) and FreeIPMI's ipmipower (-D LAN_2_0 -I 17), written
 * elsewhere, work against it (tests/agents/run_suite17_tests).
 *
 * usage: suite17_bmc PORT USER PASSWORD_FILE STATE_DIR [--no-cipher-list] [--offer N,N...]
 *                    [--seconds N] [--kg HEX] [--relay PORT] [--bind ADDR]
 *                    [--chassis-control CMD]
 *   STATE_DIR/power holds 0/1; every change is appended to STATE_DIR/power.log as
 *   "power 0" / "power 1" (the same files as the ipmi_sim fixture's chassis_control).
 *   --no-cipher-list: ignore Get Channel Cipher Suites, as some BMCs do.
 *   --offer: list these suites in Get Channel Cipher Suites instead of 17 (a BMC whose list
 *   and behaviour disagree: lets a test show which list the client's policy refuses).
 *   --kg HEX: a BMC key Kg of its own (at most 40 hex digits): the session keys derive from
 *   it instead of the password, and Get Channel Authentication Capabilities says so.
 *   --bind ADDR: serve on this IPv4 address instead of 127.0.0.1 (a lab BMC's namespace).
 *   --chassis-control CMD: power is not the STATE_DIR/power file but CMD, run as ipmi_sim
 *   runs its chassis_control program ("CMD get power" -> "power:0|1", "CMD set power 0|1"):
 *   the lab's scripts/lab/chassis-control, so a suite-17 BMC really powers a node.
 *   --seconds 0: run until killed.
 *   --relay PORT: be no BMC at all but a relay to the BMC on 127.0.0.1:PORT that drops
 *   session-less Get Channel Cipher Suites requests, turning ipmi_sim into a BMC that does
 *   not list its suites (so the client's blind fallback, 17 then 3, can be tested).
 * Binds 127.0.0.1 unless --bind; exits after N seconds (default 120). Every datagram is parsed with
 * bounds checks; anything malformed is dropped.
 */
#include "bl_ipmi.h"
#include "bl_ipmi_sha256.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SESSIONS 8
#define PKT_MAX 512
#define AES_BLOCK 16

enum sess_state { S_FREE, S_OPENED, S_RAKP2, S_ACTIVE };

struct session {
    enum sess_state state;
    uint32_t sid_bmc, sid_console;
    uint8_t max_priv, priv;
    uint32_t out_seq;
    struct bl_rakp_ctx rakp;
    uint8_t sik[BL_SHA256_LEN], k1[BL_SHA256_LEN], k2[BL_SHA256_LEN];
};

struct bmc {
    int fd;
    struct sockaddr_in peer;
    socklen_t peerlen;
    char user[17];
    uint8_t kuid[BL_RAKP_KEY_LEN];
    uint8_t kg[BL_RAKP_KEY_LEN]; /* Kg: the password key unless --kg */
    bool has_kg;
    uint8_t guid[BL_RAKP_GUID_LEN];
    const char *dir;
    char **chassis_control; /* --chassis-control: the power wiring, ipmi_sim's protocol */
    bool cipher_list;
    int relay_port;    /* --relay: forward to this port instead of serving */
    uint8_t offer[16]; /* suites listed in Get Channel Cipher Suites */
    size_t noffer;
    struct session s[MAX_SESSIONS];
};

/* An IPMI request after its framing was checked. */
struct ipmi_req {
    uint8_t netfn, cmd, rqsa, rqseq;
    const uint8_t *data;
    size_t len;
};

static uint32_t
le32(const uint8_t *p)
{
    return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static void
put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t) (v >> (8 * i));
    }
}

static void
send_pkt(struct bmc *b, const uint8_t *p, size_t n)
{
    (void) sendto(b->fd, p, n, 0, (const struct sockaddr *) &b->peer, b->peerlen);
}

static void
put_rmcp(uint8_t *p)
{
    p[0] = 0x06;
    p[1] = 0x00;
    p[2] = 0xff;
    p[3] = 0x07;
}

/* ---- power state on disk ---- */

/* --chassis-control CMD: run "CMD get power" / "CMD set power 0|1" as ipmi_sim runs its
 * chassis_control program (lanserv/extcmd.c), so the lab's wiring powers a real node. */
static int
chassis_run(const struct bmc *b, const char *verb, const char *value, char **out)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    int status = -1;

    for (char **a = b->chassis_control; *a != NULL; a++) {
        g_ptr_array_add(argv, *a);
    }
    g_ptr_array_add(argv, (char *) verb);
    g_ptr_array_add(argv, (char *) "power");
    if (value != NULL) {
        g_ptr_array_add(argv, (char *) value);
    }
    g_ptr_array_add(argv, NULL);
    if (!g_spawn_sync(NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, NULL,
                      &status, NULL) ||
        !g_spawn_check_wait_status(status, NULL)) {
        fprintf(stderr, "suite17_bmc: chassis control %s power failed\n", verb);
        return -1;
    }
    return 0;
}

static int
power_get(const struct bmc *b)
{
    g_autofree char *path = g_build_filename(b->dir, "power", NULL);
    g_autofree char *text = NULL;

    if (b->chassis_control != NULL) {
        return chassis_run(b, "get", NULL, &text) == 0 && strstr(text, "power:0") != NULL ? 0 : 1;
    }
    return g_file_get_contents(path, &text, NULL, NULL) && text[0] == '0' ? 0 : 1;
}

static void
power_set(const struct bmc *b, int on)
{
    g_autofree char *path = g_build_filename(b->dir, "power", NULL);
    g_autofree char *log = g_build_filename(b->dir, "power.log", NULL);
    FILE *f;

    if (b->chassis_control != NULL) {
        (void) chassis_run(b, "set", on ? "1" : "0", NULL);
    } else {
        (void) g_file_set_contents(path, on ? "1\n" : "0\n", -1, NULL);
    }
    f = fopen(log, "a");
    if (f != NULL) {
        fprintf(f, "power %d\n", on);
        fclose(f);
    }
}

/* ---- IPMI commands ---- */

/* Standard records (0xc0, suite, auth, integ, conf) of the offered suites, 16 bytes a page.
 * The algorithm bytes are those of suite 17 for every suite: only the suite IDs matter. */
static size_t
list_suites(const struct bmc *b, const struct ipmi_req *q, uint8_t *rsp)
{
    uint8_t all[16 * 5];
    size_t n = 0, start;

    if (!b->cipher_list) {
        return 0; /* say nothing at all */
    }
    if (q->len < 3) {
        rsp[0] = 0xc7;
        return 1;
    }
    for (size_t i = 0; i < b->noffer; i++) {
        memcpy(all + n, (const uint8_t[]){0xc0, b->offer[i], 0x03, 0x44, 0x81}, 5);
        n += 5;
    }
    start = (size_t) (q->data[2] & 0x3f) * 16;
    rsp[1] = 0x01;
    if (start >= n) {
        return 2; /* past the end: no more records */
    }
    n = MIN(n - start, (size_t) 16);
    memcpy(rsp + 2, all + start, n);
    return 2 + n;
}

/* Run one command; writes cc and data into rsp, returns the length. */
static size_t
run_cmd(struct bmc *b, struct session *s, const struct ipmi_req *q, uint8_t *rsp)
{
    uint8_t priv = s != NULL ? s->priv : 0;

    rsp[0] = 0x00;
    if (q->netfn == 0x06 && q->cmd == 0x38) { /* Get Channel Authentication Capabilities */
        static const uint8_t caps[] = {0x01, 0x80, 0x04, 0x02, 0, 0, 0, 0};
        memcpy(rsp + 1, caps, sizeof(caps));
        rsp[3] |= b->has_kg ? 0x20 : 0x00; /* KG status: a non-zero Kg is set */
        return 1 + sizeof(caps);
    }
    if (q->netfn == 0x06 && q->cmd == 0x54) { /* Get Channel Cipher Suites */
        return list_suites(b, q, rsp);
    }
    if (s == NULL) {
        rsp[0] = 0xd5; /* not supported outside a session */
        return 1;
    }
    if (q->netfn == 0x06 && q->cmd == 0x3b) { /* Set Session Privilege Level */
        uint8_t want = q->len >= 1 ? (q->data[0] & 0x0f) : 0;
        if (want > s->max_priv || want > 4 || (want != 0 && want < 2)) {
            rsp[0] = want > 4 ? 0x80 : 0x81;
            return 1;
        }
        if (want != 0) {
            s->priv = want;
        }
        rsp[1] = s->priv;
        return 2;
    }
    if (q->netfn == 0x06 && q->cmd == 0x01) { /* Get Device ID */
        static const uint8_t id[] = {0x20, 0x81, 0x01, 0x00, 0x02, 0x8f, 0, 0, 0, 0, 0};
        memcpy(rsp + 1, id, sizeof(id));
        return 1 + sizeof(id);
    }
    if (q->netfn == 0x06 && q->cmd == 0x3c) { /* Close Session */
        return 1;                             /* the caller closes after replying */
    }
    if (q->netfn == 0x00 && q->cmd == 0x01) {     /* Get Chassis Status */
        rsp[1] = (uint8_t) (power_get(b) | 0x40); /* restore policy: previous state */
        rsp[2] = 0;
        rsp[3] = 0;
        return 4;
    }
    if (q->netfn == 0x00 && q->cmd == 0x02) { /* Chassis Control */
        if (priv < 3) {
            rsp[0] = 0xd4;
            return 1;
        }
        if (q->len < 1 || q->data[0] > 5 || q->data[0] == 4) {
            rsp[0] = 0xcc;
            return 1;
        }
        if (q->data[0] == 0 || q->data[0] == 5) {
            power_set(b, 0);
        } else if (q->data[0] == 1) {
            power_set(b, 1);
        } else { /* cycle, hard reset: off and on again */
            power_set(b, 0);
            power_set(b, 1);
        }
        return 1;
    }
    rsp[0] = 0xc1;
    return 1;
}

/* Parse an IPMI LAN message (rsSA netFn chk rqSA rqSeq cmd data chk). */
static int
parse_msg(const uint8_t *m, size_t n, struct ipmi_req *q)
{
    if (n < 7 || m[0] != 0x20 || bl_ipmi_checksum(m, 3) != 0 ||
        bl_ipmi_checksum(m + 3, n - 3) != 0) {
        return -1;
    }
    *q = (struct ipmi_req){.netfn = (uint8_t) (m[1] >> 2),
                           .rqsa = m[3],
                           .rqseq = m[4],
                           .cmd = m[5],
                           .data = m + 6,
                           .len = n - 7};
    return 0;
}

/* Build the response message for \p q with body \p rsp (cc first); returns its length. */
static size_t
build_rsp(const struct ipmi_req *q, const uint8_t *rsp, size_t rlen, uint8_t *out)
{
    out[0] = q->rqsa;
    out[1] = (uint8_t) (((q->netfn | 1) << 2) | (q->rqseq & 3));
    out[2] = bl_ipmi_checksum(out, 2);
    out[3] = 0x20;
    out[4] = q->rqseq;
    out[5] = q->cmd;
    memcpy(out + 6, rsp, rlen);
    out[6 + rlen] = bl_ipmi_checksum(out + 3, 3 + rlen);
    return 7 + rlen;
}

/* ---- session-less requests: IPMI 1.5 framing or RMCP+ payload type 0, session 0 ---- */

static void
handle_sessionless(struct bmc *b, const uint8_t *m, size_t n, bool rmcpp)
{
    struct ipmi_req q;
    uint8_t rsp[64], msg[96], pkt[128];
    size_t rlen, mlen, hdr;

    if (parse_msg(m, n, &q) != 0 || (rlen = run_cmd(b, NULL, &q, rsp)) == 0) {
        return;
    }
    mlen = build_rsp(&q, rsp, rlen, msg);
    memset(pkt, 0, sizeof(pkt));
    put_rmcp(pkt);
    if (rmcpp) {
        pkt[4] = 0x06;
        pkt[5] = 0x00;
        pkt[14] = (uint8_t) mlen;
        hdr = 16;
    } else {
        pkt[13] = (uint8_t) mlen;
        hdr = 14;
    }
    memcpy(pkt + hdr, msg, mlen);
    send_pkt(b, pkt, hdr + mlen);
}

/* ---- RMCP+ session set-up ---- */

static struct session *
find_session(struct bmc *b, uint32_t sid)
{
    for (int i = 0; i < MAX_SESSIONS; i++) {
        if (b->s[i].state != S_FREE && b->s[i].sid_bmc == sid) {
            return &b->s[i];
        }
    }
    return NULL;
}

static void
close_session(struct session *s)
{
    explicit_bzero(s, sizeof(*s));
}

static void
send_rmcpp_plain(struct bmc *b, uint8_t ptype, const uint8_t *payload, size_t n)
{
    uint8_t pkt[PKT_MAX] = {0};

    put_rmcp(pkt);
    pkt[4] = 0x06;
    pkt[5] = ptype;
    pkt[14] = (uint8_t) n;
    memcpy(pkt + 16, payload, n);
    send_pkt(b, pkt, 16 + n);
}

static void
handle_open(struct bmc *b, const uint8_t *p, size_t n)
{
    uint8_t r[36] = {0};
    struct session *s = NULL;
    uint8_t status = 0;

    if (n < 32) {
        return;
    }
    r[0] = p[0];
    memcpy(r + 4, p + 4, 4); /* console session ID */
    if (p[12] != 3) {
        status = 0x04; /* invalid authentication algorithm */
    } else if (p[20] != 4) {
        status = 0x05; /* invalid integrity algorithm */
    } else if (p[28] != 1) {
        status = 0x10; /* invalid confidentiality algorithm */
    }
    for (int i = 0; status == 0 && s == NULL && i < MAX_SESSIONS; i++) {
        s = b->s[i].state == S_FREE ? &b->s[i] : NULL;
    }
    if (status == 0 && s == NULL) {
        status = 0x01; /* insufficient resources */
    }
    r[1] = status;
    if (status != 0) {
        send_rmcpp_plain(b, 0x11, r, 8);
        return;
    }
    *s = (struct session){.state = S_OPENED, .sid_console = le32(p + 4), .out_seq = 0};
    (void) getrandom(&s->sid_bmc, sizeof(s->sid_bmc), 0);
    s->sid_bmc |= 0x100; /* never 0 */
    r[2] = 4;
    put_le32(r + 8, s->sid_bmc);
    memcpy(r + 12, (const uint8_t[]){0, 0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 8,
                                     4, 0, 0, 0, 2, 0, 0, 8, 1, 0, 0, 0},
           24);
    send_rmcpp_plain(b, 0x11, r, 36);
}

static void
handle_rakp1(struct bmc *b, const uint8_t *p, size_t n)
{
    uint8_t r[8 + 32 + BL_SHA256_LEN] = {0};
    struct session *s;
    uint8_t ulen;

    if (n < 28 || (s = find_session(b, le32(p + 4))) == NULL || s->state != S_OPENED) {
        return;
    }
    ulen = p[27];
    r[0] = p[0];
    put_le32(r + 4, s->sid_console);
    if (ulen > 16 || 28u + ulen > n || (p[24] & 0x0f) > 4 || ulen != strlen(b->user) ||
        memcmp(p + 28, b->user, ulen) != 0) {
        r[1] = ulen > 16 ? 0x12 : 0x0d; /* illegal parameter / unauthorized name */
        send_rmcpp_plain(b, 0x13, r, 8);
        close_session(s);
        return;
    }
    s->rakp.sid_console = s->sid_console;
    s->rakp.sid_bmc = s->sid_bmc;
    memcpy(s->rakp.rand_console, p + 8, 16);
    (void) getrandom(s->rakp.rand_bmc, 16, 0);
    memcpy(s->rakp.guid, b->guid, 16);
    s->rakp.role = p[24];
    s->rakp.user_len = ulen;
    memcpy(s->rakp.user, p + 28, ulen);
    s->max_priv = (uint8_t) (p[24] & 0x0f);
    s->priv = 2; /* user, until Set Session Privilege Level */
    memcpy(r + 8, s->rakp.rand_bmc, 16);
    memcpy(r + 24, b->guid, 16);
    (void) bl_rakp_sha256_rakp2(b->kuid, &s->rakp, r + 40);
    (void) bl_rakp_sha256_sik(b->kg, &s->rakp, s->sik);
    bl_rakp_sha256_k(s->sik, 1, s->k1);
    bl_rakp_sha256_k(s->sik, 2, s->k2);
    s->state = S_RAKP2;
    send_rmcpp_plain(b, 0x13, r, sizeof(r));
}

static void
handle_rakp3(struct bmc *b, const uint8_t *p, size_t n)
{
    uint8_t r[8 + BL_SHA256_ICV_LEN] = {0};
    uint8_t want[BL_SHA256_LEN];
    struct session *s;

    if (n < 8 || (s = find_session(b, le32(p + 4))) == NULL || s->state != S_RAKP2) {
        return;
    }
    if (p[1] != 0) {
        close_session(s); /* the console gave up */
        return;
    }
    r[0] = p[0];
    put_le32(r + 4, s->sid_console);
    (void) bl_rakp_sha256_rakp3(b->kuid, &s->rakp, want);
    if (n < 8 + BL_SHA256_LEN || !bl_ct_equal(want, p + 8, BL_SHA256_LEN)) {
        r[1] = 0x0f; /* invalid integrity check value: wrong password */
        send_rmcpp_plain(b, 0x15, r, 8);
        close_session(s);
        return;
    }
    bl_rakp_sha256_rakp4(s->sik, &s->rakp, r + 8);
    s->state = S_ACTIVE;
    send_rmcpp_plain(b, 0x15, r, sizeof(r));
}

/* ---- in-session traffic: AES-CBC-128 inside HMAC-SHA256-128 ---- */

static int
aes(const uint8_t key[16], const uint8_t iv[16], const uint8_t *in, size_t n, uint8_t *out, int enc)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int l1 = 0, l2 = 0, ok;

    ok = c != NULL && EVP_CipherInit_ex(c, EVP_aes_128_cbc(), NULL, key, iv, enc) == 1 &&
         EVP_CIPHER_CTX_set_padding(c, 0) == 1 && EVP_CipherUpdate(c, out, &l1, in, (int) n) == 1 &&
         EVP_CipherFinal_ex(c, out + l1, &l2) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok && (size_t) (l1 + l2) == n ? 0 : -1;
}

static void
send_in_session(struct bmc *b, struct session *s, const uint8_t *msg, size_t mlen)
{
    uint8_t pkt[PKT_MAX] = {0}, plain[256];
    size_t clen = (mlen / AES_BLOCK + 1) * AES_BLOCK, n, pad;

    memcpy(plain, msg, mlen);
    for (size_t i = mlen; i < clen - 1; i++) {
        plain[i] = (uint8_t) (i - mlen + 1); /* confidentiality pad 1, 2, 3 ... */
    }
    plain[clen - 1] = (uint8_t) (clen - 1 - mlen);
    put_rmcp(pkt);
    pkt[4] = 0x06;
    pkt[5] = 0xc0; /* encrypted, authenticated, IPMI */
    put_le32(pkt + 6, s->sid_console);
    put_le32(pkt + 10, ++s->out_seq);
    pkt[14] = (uint8_t) (16 + clen);
    (void) getrandom(pkt + 16, 16, 0);
    if (aes(s->k2, pkt + 16, plain, clen, pkt + 32, 1) != 0) {
        return;
    }
    n = 32 + clen;
    for (pad = 0; (n + pad + 2) % 4 != 0; pad++) {
        pkt[n + pad] = 0xff;
    }
    n += pad;
    pkt[n++] = (uint8_t) pad;
    pkt[n++] = 0x07;
    bl_integ_sha256_128(s->k1, pkt + 4, n - 4, pkt + n);
    send_pkt(b, pkt, n + BL_SHA256_ICV_LEN);
}

/* Check the AuthCode and decrypt; returns the IPMI message length in \p out, or -1. */
static int
open_packet(const struct session *s, const uint8_t *pkt, size_t len, uint8_t *out)
{
    uint8_t icv[BL_SHA256_ICV_LEN];
    size_t plen, padlen, mlen;

    if (len < 16 + 32 + 2 + BL_SHA256_ICV_LEN || (pkt[5] & 0xc0) != 0xc0) {
        return -1; /* suite 17 sessions are always encrypted and authenticated */
    }
    plen = (size_t) pkt[14] | (size_t) pkt[15] << 8;
    padlen = pkt[len - BL_SHA256_ICV_LEN - 2];
    if (16 + plen + padlen + 2 + BL_SHA256_ICV_LEN != len || pkt[len - 17] != 0x07 || plen < 32 ||
        plen % AES_BLOCK != 0 || plen - 16 > 256) {
        return -1;
    }
    bl_integ_sha256_128(s->k1, pkt + 4, len - 4 - BL_SHA256_ICV_LEN, icv);
    if (!bl_ct_equal(icv, pkt + len - BL_SHA256_ICV_LEN, sizeof(icv)) ||
        aes(s->k2, pkt + 16, pkt + 32, plen - 16, out, 0) != 0) {
        return -1;
    }
    mlen = plen - 16;
    if (out[mlen - 1] >= AES_BLOCK) {
        return -1;
    }
    return (int) (mlen - 1 - out[mlen - 1]);
}

static void
handle_session(struct bmc *b, const uint8_t *pkt, size_t len)
{
    struct session *s = find_session(b, le32(pkt + 6));
    uint8_t plain[256], rsp[64], msg[96];
    struct ipmi_req q;
    size_t rlen;
    int mlen;

    if (s == NULL || s->state != S_ACTIVE || (mlen = open_packet(s, pkt, len, plain)) < 0 ||
        parse_msg(plain, (size_t) mlen, &q) != 0) {
        return;
    }
    rlen = run_cmd(b, s, &q, rsp);
    if (rlen == 0) {
        return;
    }
    send_in_session(b, s, msg, build_rsp(&q, rsp, rlen, msg));
    if (q.netfn == 0x06 && q.cmd == 0x3c) {
        close_session(s);
    }
}

static void
handle_packet(struct bmc *b, const uint8_t *pkt, size_t len)
{
    size_t plen;

    if (len < 5 || pkt[0] != 0x06 || pkt[3] != 0x07) {
        return;
    }
    if (pkt[4] == 0x00 && len >= 14 && (size_t) pkt[13] + 14 <= len) {
        if (le32(pkt + 9) == 0) {
            handle_sessionless(b, pkt + 14, pkt[13], false);
        }
        return;
    }
    if (pkt[4] != 0x06 || len < 16) {
        return; /* IPMI 1.5 sessions are not offered */
    }
    plen = (size_t) pkt[14] | (size_t) pkt[15] << 8;
    if (16 + plen > len) {
        return;
    }
    if (le32(pkt + 6) != 0) {
        handle_session(b, pkt, len);
        return;
    }
    switch (pkt[5] & 0x3f) {
        case 0x00:
            handle_sessionless(b, pkt + 16, plen, true);
            break;
        case 0x10:
            handle_open(b, pkt + 16, plen);
            break;
        case 0x12:
            handle_rakp1(b, pkt + 16, plen);
            break;
        case 0x14:
            handle_rakp3(b, pkt + 16, plen);
            break;
        default:
            break;
    }
}

static int
setup(struct bmc *b, int argc, char **argv, int *seconds)
{
    g_autofree char *pw = NULL;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    size_t pwlen;

    if (argc < 5) {
        fprintf(stderr, "usage: suite17_bmc PORT USER PASSWORD_FILE STATE_DIR "
                        "[--no-cipher-list] [--offer N,N...] [--seconds N] [--kg HEX] "
                        "[--relay PORT] [--bind ADDR] [--chassis-control CMD]\n");
        return -1;
    }
    b->cipher_list = true;
    b->offer[b->noffer++] = 17;
    for (int i = 5; i < argc; i++) {
        if (strcmp(argv[i], "--no-cipher-list") == 0) {
            b->cipher_list = false;
        } else if (strcmp(argv[i], "--offer") == 0 && i + 1 < argc) {
            g_auto(GStrv) v = g_strsplit(argv[++i], ",", 16);
            b->noffer = 0;
            for (size_t k = 0; v[k] != NULL && b->noffer < G_N_ELEMENTS(b->offer); k++) {
                b->offer[b->noffer++] = (uint8_t) atoi(v[k]);
            }
        } else if (strcmp(argv[i], "--kg") == 0 && i + 1 < argc) {
            const char *hex = argv[++i];
            size_t len = strlen(hex);

            for (size_t k = 0; k + 1 < len && k / 2 < sizeof(b->kg); k += 2) {
                char byte[3] = {hex[k], hex[k + 1], 0};
                b->kg[k / 2] = (uint8_t) strtoul(byte, NULL, 16);
            }
            b->has_kg = true;
        } else if (strcmp(argv[i], "--relay") == 0 && i + 1 < argc) {
            b->relay_port = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            *seconds = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--bind") == 0 && i + 1 < argc) {
            if (inet_pton(AF_INET, argv[++i], &a.sin_addr) != 1) {
                fprintf(stderr, "suite17_bmc: --bind needs an IPv4 address\n");
                return -1;
            }
        } else if (strcmp(argv[i], "--chassis-control") == 0 && i + 1 < argc) {
            if (!g_shell_parse_argv(argv[++i], NULL, &b->chassis_control, NULL)) {
                fprintf(stderr, "suite17_bmc: --chassis-control: not a command line\n");
                return -1;
            }
        } else {
            fprintf(stderr, "suite17_bmc: unknown or incomplete option '%s'\n", argv[i]);
            return -1;
        }
    }
    if (!g_file_get_contents(argv[3], &pw, &pwlen, NULL)) {
        fprintf(stderr, "suite17_bmc: cannot read %s\n", argv[3]);
        return -1;
    }
    pwlen = strcspn(pw, "\r\n");
    if (pwlen > BL_RAKP_KEY_LEN || strlen(argv[2]) > 16) {
        fprintf(stderr, "suite17_bmc: password over 20 or user over 16 bytes\n");
        return -1;
    }
    memcpy(b->kuid, pw, pwlen);
    if (!b->has_kg) {
        memcpy(b->kg, b->kuid, sizeof(b->kg));
    }
    explicit_bzero(pw, pwlen);
    g_strlcpy(b->user, argv[2], sizeof(b->user));
    b->dir = argv[4];
    (void) getrandom(b->guid, sizeof(b->guid), 0);
    a.sin_port = htons((uint16_t) atoi(argv[1]));
    b->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (b->fd < 0 || bind(b->fd, (struct sockaddr *) &a, sizeof(a)) != 0) {
        perror("suite17_bmc: bind");
        return -1;
    }
    return 0;
}

/* --relay: one client at a time, every datagram but Get Channel Cipher Suites passed on. */
static int
relay(struct bmc *b, time_t end)
{
    struct sockaddr_in up = {.sin_family = AF_INET,
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                             .sin_port = htons((uint16_t) b->relay_port)};
    int ufd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (ufd < 0 || connect(ufd, (struct sockaddr *) &up, sizeof(up)) != 0) {
        perror("suite17_bmc: relay");
        return 2;
    }
    while (time(NULL) < end) {
        struct pollfd pfd[2] = {{.fd = b->fd, .events = POLLIN}, {.fd = ufd, .events = POLLIN}};
        uint8_t pkt[PKT_MAX];
        ssize_t n;

        if (poll(pfd, 2, 500) <= 0) {
            continue;
        }
        if ((pfd[0].revents & POLLIN) != 0) {
            b->peerlen = sizeof(b->peer);
            n = recvfrom(b->fd, pkt, sizeof(pkt), 0, (struct sockaddr *) &b->peer, &b->peerlen);
            if (n > 0 && !(n > 19 && pkt[4] == 0x00 && pkt[19] == 0x54)) {
                (void) send(ufd, pkt, (size_t) n, 0);
            }
        }
        if ((pfd[1].revents & POLLIN) != 0 && (n = recv(ufd, pkt, sizeof(pkt), 0)) > 0) {
            send_pkt(b, pkt, (size_t) n);
        }
    }
    close(ufd);
    return 0;
}

int
main(int argc, char **argv)
{
    static struct bmc b;
    int seconds = 120;
    time_t end;

    if (setup(&b, argc, argv, &seconds) != 0) {
        return 2;
    }
    end = time(NULL) + (seconds > 0 ? (time_t) seconds : (time_t) 10 * 365 * 86400); /* 0: until killed */
    if (b.relay_port != 0) {
        return relay(&b, end);
    }
    while (time(NULL) < end) {
        struct pollfd pfd = {.fd = b.fd, .events = POLLIN};
        uint8_t pkt[PKT_MAX];
        ssize_t n;

        if (poll(&pfd, 1, 500) <= 0) {
            continue;
        }
        b.peerlen = sizeof(b.peer);
        n = recvfrom(b.fd, pkt, sizeof(pkt), 0, (struct sockaddr *) &b.peer, &b.peerlen);
        if (n > 0) {
            handle_packet(&b, pkt, (size_t) n);
        }
    }
    return 0;
}
