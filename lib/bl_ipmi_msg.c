/*
 * Pure IPMI helpers: cipher suite table, parameter checks, request building and
 * bounds-checked reply decoding. No I/O, no state.
 */
#include "bl_ipmi.h"
#include "bl_result.h"

#include <ctype.h>
#include <string.h>

/* IPMI 2.0 table 22-20, suites 0..19. */
static const struct bl_ipmi_cipher bl_ciphers[] = {
    {0, BL_IPMI_RAKP_NONE, BL_IPMI_INTEG_NONE, BL_IPMI_CONF_NONE},
    {1, BL_IPMI_RAKP_HMAC_SHA1, BL_IPMI_INTEG_NONE, BL_IPMI_CONF_NONE},
    {2, BL_IPMI_RAKP_HMAC_SHA1, BL_IPMI_INTEG_HMAC_SHA1_96, BL_IPMI_CONF_NONE},
    {3, BL_IPMI_RAKP_HMAC_SHA1, BL_IPMI_INTEG_HMAC_SHA1_96, BL_IPMI_CONF_AES_CBC_128},
    {4, BL_IPMI_RAKP_HMAC_SHA1, BL_IPMI_INTEG_HMAC_SHA1_96, BL_IPMI_CONF_XRC4_128},
    {5, BL_IPMI_RAKP_HMAC_SHA1, BL_IPMI_INTEG_HMAC_SHA1_96, BL_IPMI_CONF_XRC4_40},
    {6, BL_IPMI_RAKP_HMAC_MD5, BL_IPMI_INTEG_NONE, BL_IPMI_CONF_NONE},
    {7, BL_IPMI_RAKP_HMAC_MD5, BL_IPMI_INTEG_HMAC_MD5_128, BL_IPMI_CONF_NONE},
    {8, BL_IPMI_RAKP_HMAC_MD5, BL_IPMI_INTEG_HMAC_MD5_128, BL_IPMI_CONF_AES_CBC_128},
    {9, BL_IPMI_RAKP_HMAC_MD5, BL_IPMI_INTEG_HMAC_MD5_128, BL_IPMI_CONF_XRC4_128},
    {10, BL_IPMI_RAKP_HMAC_MD5, BL_IPMI_INTEG_HMAC_MD5_128, BL_IPMI_CONF_XRC4_40},
    {11, BL_IPMI_RAKP_HMAC_MD5, BL_IPMI_INTEG_MD5_128, BL_IPMI_CONF_NONE},
    {12, BL_IPMI_RAKP_HMAC_MD5, BL_IPMI_INTEG_MD5_128, BL_IPMI_CONF_AES_CBC_128},
    {13, BL_IPMI_RAKP_HMAC_MD5, BL_IPMI_INTEG_MD5_128, BL_IPMI_CONF_XRC4_128},
    {14, BL_IPMI_RAKP_HMAC_MD5, BL_IPMI_INTEG_MD5_128, BL_IPMI_CONF_XRC4_40},
    {15, BL_IPMI_RAKP_HMAC_SHA256, BL_IPMI_INTEG_NONE, BL_IPMI_CONF_NONE},
    {16, BL_IPMI_RAKP_HMAC_SHA256, BL_IPMI_INTEG_HMAC_SHA256_128, BL_IPMI_CONF_NONE},
    {17, BL_IPMI_RAKP_HMAC_SHA256, BL_IPMI_INTEG_HMAC_SHA256_128, BL_IPMI_CONF_AES_CBC_128},
    {18, BL_IPMI_RAKP_HMAC_SHA256, BL_IPMI_INTEG_HMAC_SHA256_128, BL_IPMI_CONF_XRC4_128},
    {19, BL_IPMI_RAKP_HMAC_SHA256, BL_IPMI_INTEG_HMAC_SHA256_128, BL_IPMI_CONF_XRC4_40},
};

#define BL_N_CIPHERS (sizeof(bl_ciphers) / sizeof(bl_ciphers[0]))

void
bl_ipmi_params_init(struct bl_ipmi_params *p)
{
    memset(p, 0, sizeof(*p));
    p->port = BL_IPMI_DEFAULT_PORT;
    p->priv = BL_IPMI_PRIV_ADMIN;
    p->lanplus = true;
    p->cipher = BL_IPMI_DEFAULT_CIPHER;
    p->auth15 = BL_IPMI_AUTH15_MD5;
    p->allow_weak = false;
    p->msg_timeout_ms = BL_IPMI_DEFAULT_MSG_TIMEOUT_MS;
}

void
bl_ipmi_params_wipe(struct bl_ipmi_params *p)
{
    if (p == NULL) {
        return;
    }
    explicit_bzero(p->password, sizeof(p->password));
    explicit_bzero(p->kg, sizeof(p->kg));
    p->kg_len = 0;
}

int
bl_ipmi_cipher_lookup(unsigned int suite, struct bl_ipmi_cipher *out)
{
    if (suite >= BL_N_CIPHERS) {
        return BL_E_INVALID;
    }
    if (out != NULL) {
        *out = bl_ciphers[suite];
    }
    return BL_OK;
}

bool
bl_ipmi_cipher_is_weak(const struct bl_ipmi_cipher *c)
{
    return c->auth == BL_IPMI_RAKP_NONE || c->integ == BL_IPMI_INTEG_NONE ||
           c->conf == BL_IPMI_CONF_NONE;
}

bool
bl_ipmi_cipher_is_supported(const struct bl_ipmi_cipher *c)
{
    /* OpenIPMI 2.0.33 registers RAKP none/SHA1/MD5, the three non-SHA256 integrity
     * algorithms and AES-CBC-128; bl_ipmi_rakp256.c adds the two SHA-256 algorithms.
     * Nobody implements the RC4 family, and nobody should. */
    return c->conf == BL_IPMI_CONF_NONE || c->conf == BL_IPMI_CONF_AES_CBC_128;
}

static int
bl_check_rmcpp(const struct bl_ipmi_params *p, const char **why)
{
    struct bl_ipmi_cipher c;

    if (p->cipher == BL_IPMI_CIPHER_AUTO) {
        return BL_OK; /* each candidate obeys bl_ipmi_cipher_candidates() */
    }
    if (bl_ipmi_cipher_lookup(p->cipher, &c) != BL_OK) {
        *why = "cipher suite must be 0..19";
        return BL_E_INVALID;
    }
    if (bl_ipmi_cipher_is_weak(&c) && !p->allow_weak) {
        *why = "cipher suite without integrity or confidentiality (0, 1, 2, 6, 7, 11, 15, 16) "
               "refused; set allow_weak_crypto=1 to use it anyway";
        return BL_E_WEAK_CRYPTO;
    }
    if (!bl_ipmi_cipher_is_supported(&c)) {
        *why = "cipher suite needs RC4, which bmclink does not implement; use cipher 17 or 3";
        return BL_E_UNSUPPORTED;
    }
    return BL_OK;
}

static int
bl_check_lan15(const struct bl_ipmi_params *p, const char **why)
{
    if (p->auth15 != BL_IPMI_AUTH15_MD5 && p->auth15 != BL_IPMI_AUTH15_STRAIGHT &&
        p->auth15 != BL_IPMI_AUTH15_NONE) {
        *why = "unknown IPMI 1.5 authentication type";
        return BL_E_INVALID;
    }
    if (p->auth15 != BL_IPMI_AUTH15_MD5 && !p->allow_weak) {
        *why = "IPMI 1.5 authentication 'none' or 'password' sends no protection; "
               "set allow_weak_crypto=1 to use it anyway";
        return BL_E_WEAK_CRYPTO;
    }
    if (strlen(p->password) > BL_IPMI_PASSWORD15_MAX) {
        *why = "IPMI 1.5 passwords are at most 16 bytes";
        return BL_E_INVALID;
    }
    if (p->kg_len > 0) {
        *why = "a Kg key needs IPMI 2.0 (lanplus)";
        return BL_E_INVALID;
    }
    return BL_OK;
}

int
bl_ipmi_params_check(const struct bl_ipmi_params *p, const char **why)
{
    const char *dummy = NULL;

    if (why == NULL) {
        why = &dummy;
    }
    *why = NULL;
    if (p->host[0] == '\0') {
        *why = "no BMC address";
        return BL_E_INVALID;
    }
    if (p->port == 0) {
        *why = "port must be 1..65535";
        return BL_E_INVALID;
    }
    if (p->priv < BL_IPMI_PRIV_CALLBACK || p->priv > BL_IPMI_PRIV_ADMIN) {
        *why = "unknown privilege level";
        return BL_E_INVALID;
    }
    if (p->kg_len > BL_IPMI_KG_MAX || p->msg_timeout_ms == 0) {
        *why = "Kg too long or zero message timeout";
        return BL_E_INVALID;
    }
    return p->lanplus ? bl_check_rmcpp(p, why) : bl_check_lan15(p, why);
}

static int
bl_hex_value(int ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    ch = tolower(ch);
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    return -1;
}

int
bl_ipmi_parse_kg_hex(const char *hex, uint8_t *kg, size_t *len)
{
    size_t n;

    if (hex == NULL || kg == NULL || len == NULL) {
        return BL_E_INVALID;
    }
    if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) {
        hex += 2;
    }
    n = strlen(hex);
    if (n == 0 || n % 2 != 0 || n / 2 > BL_IPMI_KG_MAX) {
        return BL_E_INVALID;
    }
    for (size_t i = 0; i < n; i += 2) {
        int hi = bl_hex_value((unsigned char) hex[i]);
        int lo = bl_hex_value((unsigned char) hex[i + 1]);

        if (hi < 0 || lo < 0) {
            explicit_bzero(kg, BL_IPMI_KG_MAX);
            return BL_E_INVALID;
        }
        kg[i / 2] = (uint8_t) ((hi << 4) | lo);
    }
    *len = n / 2;
    return BL_OK;
}

int
bl_ipmi_reply_check(const uint8_t *rsp, size_t len, size_t min_len, uint8_t *cc)
{
    if (rsp == NULL || len == 0) {
        if (cc != NULL) {
            *cc = 0xff;
        }
        return BL_E_PROTO;
    }
    if (cc != NULL) {
        *cc = rsp[0];
    }
    if (rsp[0] != 0) {
        return BL_E_BMC;
    }
    if (len < min_len) {
        return BL_E_PROTO;
    }
    return BL_OK;
}

int
bl_ipmi_decode_chassis_status(const uint8_t *rsp, size_t len, struct bl_ipmi_chassis_status *out)
{
    /* cc, current power state, last power event, misc chassis state [, front panel] */
    int rc = bl_ipmi_reply_check(rsp, len, 4, NULL);

    if (rc != BL_OK) {
        return rc;
    }
    memset(out, 0, sizeof(*out));
    out->power_on = (rsp[1] & 0x01) != 0;
    out->power_overload = (rsp[1] & 0x02) != 0;
    out->interlock = (rsp[1] & 0x04) != 0;
    out->power_fault = (rsp[1] & 0x08) != 0;
    out->power_control_fault = (rsp[1] & 0x10) != 0;
    out->restore_policy = (uint8_t) ((rsp[1] >> 5) & 0x03);
    out->last_event = rsp[2];
    out->intrusion = (rsp[3] & 0x01) != 0;
    out->front_panel_lockout = (rsp[3] & 0x02) != 0;
    out->drive_fault = (rsp[3] & 0x04) != 0;
    out->fan_fault = (rsp[3] & 0x08) != 0;
    if (len >= 5) {
        out->has_front_panel = true;
        out->front_panel = rsp[4];
    }
    return BL_OK;
}

int
bl_ipmi_build_chassis_control(enum bl_ipmi_chassis_ctl ctl, uint8_t *buf, size_t cap)
{
    if (buf == NULL || cap < 1 || (unsigned int) ctl > BL_IPMI_CHASSIS_SOFT_OFF) {
        return BL_E_INVALID;
    }
    buf[0] = (uint8_t) ctl;
    return 1;
}

const char *
bl_ipmi_chassis_ctl_name(enum bl_ipmi_chassis_ctl ctl)
{
    switch (ctl) {
        case BL_IPMI_CHASSIS_OFF:
            return "power off";
        case BL_IPMI_CHASSIS_ON:
            return "power on";
        case BL_IPMI_CHASSIS_CYCLE:
            return "power cycle";
        case BL_IPMI_CHASSIS_HARD_RESET:
            return "hard reset";
        case BL_IPMI_CHASSIS_DIAG:
            return "diagnostic interrupt (NMI)";
        case BL_IPMI_CHASSIS_SOFT_OFF:
            return "soft shutdown";
    }
    return "unknown chassis control";
}

struct bl_cc_name {
    uint8_t cc;
    const char *text;
};

static const struct bl_cc_name bl_cc_names[] = {
    {0x00, "success"},
    {0xc0, "node busy"},
    {0xc1, "invalid or unsupported command"},
    {0xc2, "command invalid for given LUN"},
    {0xc3, "timeout while processing command"},
    {0xc4, "out of space"},
    {0xc5, "reservation cancelled or invalid"},
    {0xc6, "request data truncated"},
    {0xc7, "request data length invalid"},
    {0xc8, "request data field length limit exceeded"},
    {0xc9, "parameter out of range"},
    {0xca, "cannot return number of requested data bytes"},
    {0xcb, "requested sensor, data or record not present"},
    {0xcc, "invalid data field in request"},
    {0xcd, "command illegal for specified sensor or record type"},
    {0xce, "command response could not be provided"},
    {0xcf, "cannot execute duplicated request"},
    {0xd0, "SDR repository in update mode"},
    {0xd1, "device in firmware update mode"},
    {0xd2, "BMC initialization in progress"},
    {0xd3, "destination unavailable"},
    {0xd4, "insufficient privilege level"},
    {0xd5, "command not supported in present state"},
    {0xd6, "command sub-function disabled or unavailable"},
    {0xff, "unspecified error"},
};

const char *
bl_ipmi_cc_str(uint8_t cc)
{
    for (size_t i = 0; i < sizeof(bl_cc_names) / sizeof(bl_cc_names[0]); i++) {
        if (bl_cc_names[i].cc == cc) {
            return bl_cc_names[i].text;
        }
    }
    if (cc >= 0x01 && cc <= 0x7e) {
        return "device-specific (OEM) completion code";
    }
    if (cc >= 0x80 && cc <= 0xbe) {
        return "command-specific completion code";
    }
    return "reserved completion code";
}

const char *
bl_ipmi_priv_name(enum bl_ipmi_priv priv)
{
    switch (priv) {
        case BL_IPMI_PRIV_CALLBACK:
            return "callback";
        case BL_IPMI_PRIV_USER:
            return "user";
        case BL_IPMI_PRIV_OPERATOR:
            return "operator";
        case BL_IPMI_PRIV_ADMIN:
            return "administrator";
    }
    return "unknown";
}
