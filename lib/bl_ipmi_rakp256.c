/*
 * RAKP-HMAC-SHA256 and HMAC-SHA256-128 for OpenIPMI's RMCP+ client (bl_ipmi_rakp256.h).
 * The RAKP messages travel through OpenIPMI's own RAKP payload handlers
 * (ipmi_lan_send_command_forceip); this file builds and checks their bodies with the pure
 * functions of bl_ipmi_sha256.c. Every reply is bounds-checked before a field is read.
 */
#include "bl_ipmi_rakp256.h"
#include "bl_ipmi_sha256.h"

#include <errno.h>
#include <glib.h>
#include <stdint.h>
#include <string.h>

#include <OpenIPMI/ipmi_addr.h>
#include <OpenIPMI/ipmi_conn.h>
#include <OpenIPMI/ipmi_err.h>
#include <OpenIPMI/ipmi_lan.h>
#include <OpenIPMI/ipmi_msgbits.h>

#define BL_AUTH_RAKP_HMAC_SHA256 3
#define BL_INTEG_HMAC_SHA256_128 4

#define BL_RAKP2_LEN (40 + BL_SHA256_LEN)    /* tag .. GUIDc, then the 32-byte code */
#define BL_RAKP4_LEN (8 + BL_SHA256_ICV_LEN) /* tag .. SIDm, then the 16-byte ICV */

/* One authentication in progress; freed when OpenIPMI hears the verdict. */
struct bl_rakp256 {
    ipmi_rmcpp_auth_t *ainfo;
    ipmi_rmcpp_set_info_cb set;
    ipmi_rmcpp_finish_auth_cb done;
    void *cb_data;
    unsigned char msg_tag;
    struct bl_rakp_ctx ctx;
    uint8_t sik[BL_SHA256_LEN];
};

static uint32_t
bl_get_u32le(const uint8_t *p)
{
    return (uint32_t) p[0] | ((uint32_t) p[1] << 8) | ((uint32_t) p[2] << 16) |
           ((uint32_t) p[3] << 24);
}

static void
bl_set_u32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) v;
    p[1] = (uint8_t) (v >> 8);
    p[2] = (uint8_t) (v >> 16);
    p[3] = (uint8_t) (v >> 24);
}

/* Copy OpenIPMI's 20-byte password (Kuid) or BMC key (Kg) field, zero padded. */
static int
bl_key20(ipmi_rmcpp_auth_t *ainfo, bool bmc_key, uint8_t out[BL_RAKP_KEY_LEN])
{
    unsigned int max = 0;
    const unsigned char *src = bmc_key ? ipmi_rmcpp_auth_get_bmc_key(ainfo, &max)
                                       : ipmi_rmcpp_auth_get_password(ainfo, &max);

    if (src == NULL || max < BL_RAKP_KEY_LEN) {
        return EINVAL;
    }
    memcpy(out, src, BL_RAKP_KEY_LEN);
    return 0;
}

/* The RAKP 1 values, as OpenIPMI holds them for this session. */
static int
bl_ctx_from_ainfo(ipmi_rmcpp_auth_t *ainfo, struct bl_rakp_ctx *c)
{
    unsigned int max = 0;
    const unsigned char *p;

    memset(c, 0, sizeof(*c));
    c->sid_console = ipmi_rmcpp_auth_get_my_session_id(ainfo);
    c->sid_bmc = ipmi_rmcpp_auth_get_mgsys_session_id(ainfo);
    c->role = ipmi_rmcpp_auth_get_role(ainfo);
    p = ipmi_rmcpp_auth_get_my_rand(ainfo, &max);
    if (max < BL_RAKP_RAND_LEN) {
        return EINVAL;
    }
    memcpy(c->rand_console, p, BL_RAKP_RAND_LEN);
    c->user_len = (uint8_t) ipmi_rmcpp_auth_get_username_len(ainfo);
    p = ipmi_rmcpp_auth_get_username(ainfo, &max);
    if (c->user_len > BL_RAKP_USER_MAX || max < c->user_len) {
        return EINVAL;
    }
    memcpy(c->user, p, c->user_len);
    return 0;
}

static void
bl_rakp_finish(struct bl_rakp256 *st, ipmi_con_t *ipmi, int addr_num, int err)
{
    st->done(ipmi, err, addr_num, st->cb_data);
    explicit_bzero(st, sizeof(*st));
    g_free(st);
}

static int
bl_rakp_send(ipmi_con_t *ipmi, int addr_num, unsigned int payload, uint8_t *data, size_t len,
             ipmi_ll_rsp_handler_t handler, ipmi_msgi_t *rspi)
{
    ipmi_rmcpp_addr_t addr = {.addr_type = (int) (IPMI_RMCPP_ADDR_START + payload)};
    ipmi_msg_t msg = {
        .netfn = IPMI_RMCPP_DUMMY_NETFN, .cmd = 0, .data = data, .data_len = (unsigned short) len};

    return ipmi_lan_send_command_forceip(ipmi, addr_num, (ipmi_addr_t *) &addr, sizeof(addr), &msg,
                                         handler, rspi);
}

/* A RAKP reply: tag, status, 2 reserved, the console's session ID, then \p min - 8 more. */
static int
bl_rakp_rsp_check(const struct bl_rakp256 *st, ipmi_con_t *ipmi, const ipmi_msg_t *msg, size_t min)
{
    if (ipmi == NULL) {
        return ECANCELED;
    }
    if (msg->data_len == 1) {
        return IPMI_IPMI_ERR_VAL(msg->data[0]); /* OpenIPMI's time-out verdict */
    }
    if (msg->data_len < 2) {
        return EINVAL;
    }
    if (msg->data[1] != 0) {
        return IPMI_RMCPP_ERR_VAL(msg->data[1]);
    }
    if (msg->data_len < min || bl_get_u32le(msg->data + 4) != st->ctx.sid_console) {
        return EINVAL;
    }
    return 0;
}

static int
bl_rakp4_rsp(ipmi_con_t *ipmi, ipmi_msgi_t *rspi)
{
    struct bl_rakp256 *st = rspi->data1;
    int addr_num = (int) (intptr_t) rspi->data4;
    uint8_t icv[BL_SHA256_ICV_LEN];
    int rv = bl_rakp_rsp_check(st, ipmi, &rspi->msg, BL_RAKP4_LEN);

    if (rv == 0) {
        bl_rakp_sha256_rakp4(st->sik, &st->ctx, icv);
        rv = bl_ct_equal(icv, rspi->msg.data + 8, sizeof(icv)) ? 0 : EINVAL;
    }
    bl_rakp_finish(st, ipmi, addr_num, rv);
    return IPMI_MSG_ITEM_NOT_USED;
}

/* RAKP 3 with a status: 0 carries our proof, anything else tells the BMC to give up. */
static int
bl_rakp3_send(struct bl_rakp256 *st, ipmi_con_t *ipmi, int addr_num, ipmi_msgi_t *rspi,
              uint8_t status)
{
    uint8_t data[8 + BL_SHA256_LEN] = {st->msg_tag, status};
    uint8_t kuid[BL_RAKP_KEY_LEN];
    size_t len = 8;
    int rv = 0;

    bl_set_u32le(data + 4, st->ctx.sid_bmc);
    if (status == 0) {
        rv = bl_key20(st->ainfo, false, kuid);
        if (rv == 0) {
            rv = bl_rakp_sha256_rakp3(kuid, &st->ctx, data + 8) == 0 ? 0 : EINVAL;
        }
        explicit_bzero(kuid, sizeof(kuid));
        len += BL_SHA256_LEN;
    }
    if (rv == 0) {
        rv = bl_rakp_send(ipmi, addr_num, IPMI_RMCPP_PAYLOAD_TYPE_RAKP_3, data, len,
                          status == 0 ? bl_rakp4_rsp : NULL, rspi);
    }
    return rv;
}

/* Store the session keys: whole in our state, the first 20 bytes in OpenIPMI's fields. */
static int
bl_rakp_store_keys(struct bl_rakp256 *st, const uint8_t kg[BL_RAKP_KEY_LEN])
{
    uint8_t k[BL_SHA256_LEN];
    unsigned char *dst;
    unsigned int max = 0;

    if (bl_rakp_sha256_sik(kg, &st->ctx, st->sik) != 0) {
        return EINVAL;
    }
    dst = ipmi_rmcpp_auth_get_sik(st->ainfo, &max);
    if (max < BL_RAKP_KEY_LEN) {
        return EINVAL;
    }
    memcpy(dst, st->sik, BL_RAKP_KEY_LEN);
    ipmi_rmcpp_auth_set_sik_len(st->ainfo, BL_RAKP_KEY_LEN);
    for (uint8_t c = 1; c <= 2; c++) {
        bl_rakp_sha256_k(st->sik, c, k);
        dst = c == 1 ? ipmi_rmcpp_auth_get_k1(st->ainfo, &max)
                     : ipmi_rmcpp_auth_get_k2(st->ainfo, &max);
        if (max < BL_RAKP_KEY_LEN) {
            return EINVAL;
        }
        memcpy(dst, k, BL_RAKP_KEY_LEN);
    }
    ipmi_rmcpp_auth_set_k1_len(st->ainfo, BL_RAKP_KEY_LEN);
    ipmi_rmcpp_auth_set_k2_len(st->ainfo, BL_RAKP_KEY_LEN);
    explicit_bzero(k, sizeof(k));
    return 0;
}

/* Take Rc and GUIDc from RAKP 2, check the BMC's code, derive the keys. */
static int
bl_rakp2_verify(struct bl_rakp256 *st, const uint8_t *data)
{
    uint8_t kuid[BL_RAKP_KEY_LEN], kg[BL_RAKP_KEY_LEN], want[BL_SHA256_LEN];
    unsigned int max = 0;
    unsigned char *p;
    int rv;

    memcpy(st->ctx.rand_bmc, data + 8, BL_RAKP_RAND_LEN);
    memcpy(st->ctx.guid, data + 24, BL_RAKP_GUID_LEN);
    p = ipmi_rmcpp_auth_get_mgsys_rand(st->ainfo, &max);
    if (max < BL_RAKP_RAND_LEN) {
        return EINVAL;
    }
    memcpy(p, st->ctx.rand_bmc, BL_RAKP_RAND_LEN);
    ipmi_rmcpp_auth_set_mgsys_rand_len(st->ainfo, BL_RAKP_RAND_LEN);
    p = ipmi_rmcpp_auth_get_mgsys_guid(st->ainfo, &max);
    if (max < BL_RAKP_GUID_LEN) {
        return EINVAL;
    }
    memcpy(p, st->ctx.guid, BL_RAKP_GUID_LEN);
    ipmi_rmcpp_auth_set_mgsys_guid_len(st->ainfo, BL_RAKP_GUID_LEN);
    rv = bl_key20(st->ainfo, false, kuid);
    if (rv == 0) {
        rv = bl_key20(st->ainfo, true, kg);
    }
    if (rv == 0 && bl_rakp_sha256_rakp2(kuid, &st->ctx, want) != 0) {
        rv = EINVAL;
    }
    if (rv == 0) {
        rv = bl_ct_equal(want, data + 40, BL_SHA256_LEN) ? bl_rakp_store_keys(st, kg) : EINVAL;
    }
    explicit_bzero(kuid, sizeof(kuid));
    explicit_bzero(kg, sizeof(kg));
    return rv;
}

static int
bl_rakp2_rsp(ipmi_con_t *ipmi, ipmi_msgi_t *rspi)
{
    struct bl_rakp256 *st = rspi->data1;
    int addr_num = (int) (intptr_t) rspi->data4;
    int rv = bl_rakp_rsp_check(st, ipmi, &rspi->msg, BL_RAKP2_LEN);
    uint8_t status = IPMI_RMCPP_INVALID_INTEGRITY_CHECK_VALUE;

    if (rv != 0) {
        bl_rakp_finish(st, ipmi, addr_num, rv); /* the BMC spoke first, or nothing came */
        return IPMI_MSG_ITEM_NOT_USED;
    }
    rv = bl_rakp2_verify(st, rspi->msg.data);
    if (rv == 0) {
        status = IPMI_RMCPP_INSUFFICIENT_RESOURCES_FOR_SESSION;
        rv = st->set(ipmi, addr_num, st->ainfo, st->cb_data);
    }
    if (rv == 0) {
        rv = bl_rakp3_send(st, ipmi, addr_num, rspi, 0);
        if (rv == 0) {
            return IPMI_MSG_ITEM_USED;
        }
    }
    /* Tell the BMC to drop the half-open session; OpenIPMI frees rspi once sent. */
    if (bl_rakp3_send(st, ipmi, addr_num, rspi, status) == 0) {
        bl_rakp_finish(st, ipmi, addr_num, rv);
        return IPMI_MSG_ITEM_USED;
    }
    bl_rakp_finish(st, ipmi, addr_num, rv);
    return IPMI_MSG_ITEM_NOT_USED;
}

static int
bl_rakp1_send(struct bl_rakp256 *st, ipmi_con_t *ipmi, int addr_num, ipmi_msgi_t *rspi)
{
    uint8_t data[28 + BL_RAKP_USER_MAX] = {st->msg_tag};

    bl_set_u32le(data + 4, st->ctx.sid_bmc);
    memcpy(data + 8, st->ctx.rand_console, BL_RAKP_RAND_LEN);
    data[24] = st->ctx.role;
    data[27] = st->ctx.user_len;
    memcpy(data + 28, st->ctx.user, st->ctx.user_len);
    rspi->data1 = st;
    return bl_rakp_send(ipmi, addr_num, IPMI_RMCPP_PAYLOAD_TYPE_RAKP_1, data,
                        28u + st->ctx.user_len, bl_rakp2_rsp, rspi);
}

static int
bl_rakp256_start(ipmi_con_t *ipmi, int addr_num, unsigned char msg_tag, ipmi_rmcpp_auth_t *ainfo,
                 ipmi_rmcpp_set_info_cb set, ipmi_rmcpp_finish_auth_cb done, void *cb_data)
{
    struct bl_rakp256 *st = g_new0(struct bl_rakp256, 1);
    unsigned int max = 0;
    unsigned char *rand = ipmi_rmcpp_auth_get_my_rand(ainfo, &max);
    ipmi_msgi_t *rspi = NULL;
    int rv = max < BL_RAKP_RAND_LEN ? EINVAL : 0;

    *st = (struct bl_rakp256){
        .ainfo = ainfo, .set = set, .done = done, .cb_data = cb_data, .msg_tag = msg_tag};
    if (rv == 0) {
        rv = ipmi->os_hnd->get_random(ipmi->os_hnd, rand, BL_RAKP_RAND_LEN);
    }
    if (rv == 0) {
        ipmi_rmcpp_auth_set_my_rand_len(ainfo, BL_RAKP_RAND_LEN);
        rv = bl_ctx_from_ainfo(ainfo, &st->ctx);
    }
    if (rv == 0) {
        rspi = ipmi_alloc_msg_item();
        rv = rspi == NULL ? ENOMEM : bl_rakp1_send(st, ipmi, addr_num, rspi);
    }
    if (rv != 0) {
        if (rspi != NULL) {
            ipmi_free_msg_item(rspi);
        }
        explicit_bzero(st, sizeof(*st));
        g_free(st);
    }
    return rv;
}

static ipmi_rmcpp_authentication_t bl_rakp256_auth = {.start_auth = bl_rakp256_start};

/* ---------------------------------------------------------------------------------- */
/* HMAC-SHA256-128 per-packet integrity.                                               */

struct bl_integ256 {
    uint8_t k1[BL_SHA256_LEN];
};

static int
bl_integ256_init(ipmi_con_t *ipmi, ipmi_rmcpp_auth_t *ainfo, void **integ_data)
{
    struct bl_rakp_ctx c;
    uint8_t kg[BL_RAKP_KEY_LEN], sik[BL_SHA256_LEN];
    unsigned int max = 0;
    const unsigned char *p;
    int rv = bl_ctx_from_ainfo(ainfo, &c);

    p = ipmi_rmcpp_auth_get_mgsys_rand(ainfo, &max);
    if (rv == 0 &&
        (max < BL_RAKP_RAND_LEN || ipmi_rmcpp_auth_get_mgsys_rand_len(ainfo) != BL_RAKP_RAND_LEN)) {
        rv = EINVAL; /* only valid after RAKP 2 */
    }
    if (rv == 0) {
        memcpy(c.rand_bmc, p, BL_RAKP_RAND_LEN);
        rv = bl_key20(ainfo, true, kg);
    }
    if (rv == 0 && bl_rakp_sha256_sik(kg, &c, sik) == 0) {
        struct bl_integ256 *in = g_new0(struct bl_integ256, 1);

        bl_rakp_sha256_k(sik, 1, in->k1);
        *integ_data = in;
    } else if (rv == 0) {
        rv = EINVAL;
    }
    explicit_bzero(kg, sizeof(kg));
    explicit_bzero(sik, sizeof(sik));
    explicit_bzero(&c, sizeof(c));
    return rv;
}

static void
bl_integ256_free(ipmi_con_t *ipmi, void *integ_data)
{
    if (integ_data != NULL) {
        explicit_bzero(integ_data, sizeof(struct bl_integ256));
        g_free(integ_data);
    }
}

/* 0xff bytes until the pad length and next header end on a 4-byte boundary. */
static int
bl_integ256_pad(ipmi_con_t *ipmi, void *integ_data, unsigned char *payload,
                unsigned int *payload_len, unsigned int max_payload_len)
{
    unsigned int l = *payload_len;
    unsigned int count = 0;

    while ((l + 2) % 4 != 0) {
        if (l >= max_payload_len) {
            return E2BIG;
        }
        payload[l++] = 0xff;
        count++;
    }
    if (l >= max_payload_len) {
        return E2BIG;
    }
    payload[l++] = (unsigned char) count;
    *payload_len = l;
    return 0;
}

static int
bl_integ256_add(ipmi_con_t *ipmi, void *integ_data, unsigned char *payload,
                unsigned int *payload_len, unsigned int max_payload_len)
{
    const struct bl_integ256 *in = integ_data;
    unsigned int l = *payload_len;

    if (l < 4 || l + 1 + BL_SHA256_ICV_LEN > max_payload_len) {
        return E2BIG;
    }
    payload[l++] = 0x07; /* next header */
    /* The RMCP header (4 bytes) is not covered; the AuthCode starts at the auth type. */
    bl_integ_sha256_128(in->k1, payload + 4, l - 4, payload + l);
    *payload_len = l + BL_SHA256_ICV_LEN;
    return 0;
}

static int
bl_integ256_check(ipmi_con_t *ipmi, void *integ_data, unsigned char *payload,
                  unsigned int payload_len, unsigned int total_len)
{
    const struct bl_integ256 *in = integ_data;
    uint8_t icv[BL_SHA256_ICV_LEN];

    if (payload_len < 4 || total_len < payload_len ||
        total_len - payload_len < 1 + BL_SHA256_ICV_LEN) {
        return EINVAL;
    }
    /* payload_len stops before the next header byte, which the code covers too. */
    bl_integ_sha256_128(in->k1, payload + 4, payload_len - 4 + 1, icv);
    return bl_ct_equal(icv, payload + payload_len + 1, sizeof(icv)) ? 0 : EINVAL;
}

static ipmi_rmcpp_integrity_t bl_integ256 = {
    .integ_init = bl_integ256_init,
    .integ_free = bl_integ256_free,
    .integ_pad = bl_integ256_pad,
    .integ_add = bl_integ256_add,
    .integ_check = bl_integ256_check,
};

int
bl_ipmi_rakp256_register(void)
{
    int rv = ipmi_rmcpp_register_authentication(BL_AUTH_RAKP_HMAC_SHA256, &bl_rakp256_auth);

    if (rv != 0) {
        return -rv;
    }
    rv = ipmi_rmcpp_register_integrity(BL_INTEG_HMAC_SHA256_128, &bl_integ256);
    if (rv != 0) {
        ipmi_rmcpp_register_authentication(BL_AUTH_RAKP_HMAC_SHA256, NULL);
        return -rv;
    }
    return 0;
}

void
bl_ipmi_rakp256_unregister(void)
{
    ipmi_rmcpp_register_integrity(BL_INTEG_HMAC_SHA256_128, NULL);
    ipmi_rmcpp_register_authentication(BL_AUTH_RAKP_HMAC_SHA256, NULL);
}
