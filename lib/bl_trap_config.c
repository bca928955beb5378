#include "bl_trap_config.h"
#include "bl_conf.h"
#include "bl_result.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BL_G_TRAP "trap"
#define BL_G_NODE "trap-node"
#define BL_G_FWD "trap-forward"

static int
bl_set_oid_list(struct bl_oid *list, size_t *n, const char *value)
{
    g_auto(GStrv) parts = g_strsplit(value, ";", -1);

    *n = 0;
    for (size_t i = 0; parts[i] != NULL; i++) {
        g_strstrip(parts[i]);
        if (parts[i][0] == '\0') {
            continue;
        }
        if (*n >= BL_TRAP_NOTICE_OIDS_MAX || bl_trap_oid_parse(parts[i], &list[*n]) != BL_OK) {
            return BL_E_INVALID;
        }
        (*n)++;
    }
    return BL_OK;
}

int
bl_trap_engine_id_parse(const char *text, uint8_t *out, size_t *outlen)
{
    size_t len;

    if (text == NULL || out == NULL || outlen == NULL) {
        return BL_E_INVALID;
    }
    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text += 2;
    }
    len = strlen(text);
    if (len % 2 != 0 || len / 2 < 5 || len / 2 > BL_TRAP_ENGINE_ID_MAX) {
        return BL_E_INVALID;
    }
    for (size_t i = 0; i < len / 2; i++) {
        int hi = g_ascii_xdigit_value(text[2 * i]);
        int lo = g_ascii_xdigit_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return BL_E_INVALID;
        }
        out[i] = (uint8_t) ((hi << 4) | lo);
    }
    *outlen = len / 2;
    return BL_OK;
}

static int
bl_set_auth(enum bl_trap_auth *out, const char *value)
{
    if (strcasecmp(value, "SHA") == 0 || strcasecmp(value, "SHA1") == 0) {
        *out = BL_TRAP_AUTH_SHA1;
    } else if (strcasecmp(value, "SHA-256") == 0 || strcasecmp(value, "SHA256") == 0) {
        *out = BL_TRAP_AUTH_SHA256;
    } else {
        return BL_E_INVALID;
    }
    return BL_OK;
}

/* ---- parsers of the table's own types ---- */

static int
parse_severity(const struct bl_conf_key *k, const char *v, void *base)
{
    return bl_pet_severity_parse(v, &((struct bl_trap_policy *) base)->fatal_severity);
}

static int
parse_fatal_oids(const struct bl_conf_key *k, const char *v, void *base)
{
    struct bl_trap_policy *p = base;

    return bl_set_oid_list(p->fatal_oids, &p->n_fatal_oids, v);
}

static int
parse_recoverable_oids(const struct bl_conf_key *k, const char *v, void *base)
{
    struct bl_trap_policy *p = base;

    return bl_set_oid_list(p->recoverable_oids, &p->n_recoverable_oids, v);
}

static int
parse_community(const struct bl_conf_key *k, const char *v, void *base)
{
    struct bl_trap_policy *p = &((struct bl_trap_node_config *) base)->policy;
    size_t len = strlen(v);

    if (len == 0 || len > BL_TRAP_SECRET_MAX) {
        return BL_E_INVALID;
    }
    memcpy(p->community, v, len);
    p->community_len = len;
    return BL_OK;
}

/* The v3 rows mean the same in a node group and a forward group: the row's offset is the
 * struct bl_trap_v3_user of either. */
static struct bl_trap_v3_user *
v3_of(const struct bl_conf_key *k, void *base)
{
    return (struct bl_trap_v3_user *) ((char *) base + k->offset);
}

static int
parse_engine_id(const struct bl_conf_key *k, const char *v, void *base)
{
    struct bl_trap_v3_user *u = v3_of(k, base);

    return bl_trap_engine_id_parse(v, u->engine_id, &u->engine_id_len);
}

static int
parse_auth(const struct bl_conf_key *k, const char *v, void *base)
{
    return bl_set_auth(&v3_of(k, base)->auth, v);
}

static int
parse_version(const struct bl_conf_key *k, const char *v, void *base)
{
    struct bl_trap_forward *fwd = base;

    if (strcasecmp(v, "v2c") == 0 || strcmp(v, "2c") == 0) {
        fwd->version = BL_TRAP_V2C;
    } else if (strcasecmp(v, "v3") == 0 || strcmp(v, "3") == 0) {
        fwd->version = BL_TRAP_V3;
    } else {
        return BL_E_INVALID;
    }
    return BL_OK;
}

/* ---- the table ---- */

#define P(f) offsetof(struct bl_trap_policy, f)
#define N(f) offsetof(struct bl_trap_node_config, f)
#define F(f) offsetof(struct bl_trap_forward, f)
#define NODE (BL_CONF_NAMED)
#define SECRET (BL_CONF_NAMED | BL_CONF_SECRET)
#define V3_PASS_MIN 8 /* RFC 3414: a passphrase of at least 8 characters */

/* [trap] fills a struct bl_trap_policy, [trap-node NAME] a struct bl_trap_node_config,
 * [trap-forward N] a struct bl_trap_forward. */
const struct bl_conf_key bl_trap_conf_keys[] = {
    {BL_G_TRAP, "fatal_severity", BL_CONF_CUSTOM, "non-recoverable", 0, 0,
     "a PET severity: monitor, information, ok, non-critical, critical or non-recoverable",
     parse_severity, P(fatal_severity), 0,
     "PET severity at or above which a BMCNOTICE runs the recovery"},
    {BL_G_TRAP, "fatal_oids", BL_CONF_CUSTOM, "", 0, 0, "OIDs separated by ';'", parse_fatal_oids,
     P(fatal_oids), 0, "v2c/v3 snmpTrapOID values (;-separated) that are fatal"},
    {BL_G_TRAP, "recoverable_oids", BL_CONF_CUSTOM, "", 0, 0, "OIDs separated by ';'",
     parse_recoverable_oids, P(recoverable_oids), 0,
     "v2c/v3 snmpTrapOID values that are recoverable"},
    {BL_G_TRAP, "dedup_window", BL_CONF_SECONDS, "60", 0, 86400, NULL, NULL, P(dedup_window_s), 0,
     "seconds in which a repeated notice is a resend"},
    {BL_G_TRAP, "replay_window", BL_CONF_SECONDS, "300", 0, 86400, NULL, NULL, P(replay_window_s),
     0, "seconds a PET timestamp may lag the newest seen before it is refused as a replay"},
    {BL_G_TRAP, "accept_v1", BL_CONF_BOOL, "true", 0, 0, NULL, NULL, P(accept_v1), 0,
     "accept SNMPv1 traps (PET) with the community"},
    {BL_G_TRAP, "accept_v2c", BL_CONF_BOOL, "true", 0, 0, NULL, NULL, P(accept_v2c), 0,
     "accept SNMPv2c notifications with the community"},
    {BL_G_NODE, "address", BL_CONF_ADDRESS, NULL, BL_TRAP_DEFAULT_PORT, 0, NULL, NULL, N(listen),
     NODE | BL_CONF_REQUIRED, "the monitor keyword <IP>[:port] to listen on (port 162)"},
    {BL_G_NODE, "bmc", BL_CONF_ADDRESS, NULL, 0, 0, NULL, NULL, N(policy.bmc),
     NODE | BL_CONF_REQUIRED, "the node's BMC address: the only accepted trap source"},
    {BL_G_NODE, "community", BL_CONF_CUSTOM, NULL, 0, 0, "1 to 64 characters", parse_community, 0,
     SECRET, "v1/v2c community the BMC sends (secret)"},
    {BL_G_NODE, "v3_user", BL_CONF_STRING, NULL, 1, BL_TRAP_USER_MAX, NULL, NULL, N(v3.name), NODE,
     "SNMPv3 user of the BMC (always authPriv)"},
    {BL_G_NODE, "v3_engine_id", BL_CONF_CUSTOM, NULL, 0, 0, "5 to 32 bytes in hex", parse_engine_id,
     N(v3), NODE, "the BMC's SNMP engine ID, hex"},
    {BL_G_NODE, "v3_auth", BL_CONF_CUSTOM, "SHA", 0, 0, "SHA or SHA-256", parse_auth, N(v3), NODE,
     "SHA or SHA-256"},
    {BL_G_NODE, "v3_auth_pass", BL_CONF_STRING, NULL, V3_PASS_MIN, BL_TRAP_SECRET_MAX, NULL, NULL,
     N(v3.auth_pass), SECRET, "authentication passphrase (secret, 8+ chars)"},
    {BL_G_NODE, "v3_priv_pass", BL_CONF_STRING, NULL, V3_PASS_MIN, BL_TRAP_SECRET_MAX, NULL, NULL,
     N(v3.priv_pass), SECRET, "AES-128 privacy passphrase (secret, 8+ chars)"},
    {BL_G_FWD, "target", BL_CONF_ADDRESS, NULL, BL_TRAP_DEFAULT_PORT, 0, NULL, NULL, F(target),
     NODE | BL_CONF_REQUIRED, "manager <IP>[:port] (port 162)"},
    {BL_G_FWD, "version", BL_CONF_CUSTOM, "v2c", 0, 0, "v2c or v3", parse_version, 0, NODE,
     "v2c or v3"},
    {BL_G_FWD, "community", BL_CONF_STRING, NULL, 1, BL_TRAP_SECRET_MAX, NULL, NULL, F(community),
     SECRET, "v2c community (secret)"},
    {BL_G_FWD, "v3_user", BL_CONF_STRING, NULL, 1, BL_TRAP_USER_MAX, NULL, NULL, F(v3.name), NODE,
     "SNMPv3 user (authPriv)"},
    {BL_G_FWD, "v3_engine_id", BL_CONF_CUSTOM, NULL, 0, 0, "5 to 32 bytes in hex", parse_engine_id,
     F(v3), NODE, "our engine ID towards this manager, hex"},
    {BL_G_FWD, "v3_auth", BL_CONF_CUSTOM, "SHA", 0, 0, "SHA or SHA-256", parse_auth, F(v3), NODE,
     "SHA or SHA-256"},
    {BL_G_FWD, "v3_auth_pass", BL_CONF_STRING, NULL, V3_PASS_MIN, BL_TRAP_SECRET_MAX, NULL, NULL,
     F(v3.auth_pass), SECRET, "authentication passphrase (secret)"},
    {BL_G_FWD, "v3_priv_pass", BL_CONF_STRING, NULL, V3_PASS_MIN, BL_TRAP_SECRET_MAX, NULL, NULL,
     F(v3.priv_pass), SECRET, "AES-128 privacy passphrase (secret)"},
    {BL_G_FWD, "inform", BL_CONF_BOOL, "false", 0, 0, NULL, NULL, F(inform), NODE,
     "v2c: send InformRequests, resent (3 times, 1 s apart) until acknowledged"},
    {NULL, NULL, 0, NULL, 0, 0, NULL, NULL, 0, 0, NULL},
};

/* ---- loading ---- */

#define KINDS(k) ((const char *const[]){(k), NULL})

static void
bl_cfg_check_v3(struct bl_conf *f, const char *group, const struct bl_trap_v3_user *u)
{
    if (u->name[0] == '\0') {
        return;
    }
    if (u->engine_id_len == 0) {
        bl_conf_fail(f, group, "v3_engine_id", "required with v3_user");
    }
    if (u->auth_pass[0] == '\0' || u->priv_pass[0] == '\0') {
        bl_conf_fail(f, group, "v3_user", "v3 is authPriv only: set v3_auth_pass and v3_priv_pass");
    }
}

/* net-snmp keeps one USM user table per process, keyed by engine ID and user name: two
 * users with the same key but other passphrases or protocols would silently share one. */
static bool
bl_v3_clash(const struct bl_trap_v3_user *a, const struct bl_trap_v3_user *b)
{
    return a->name[0] != '\0' && strcmp(a->name, b->name) == 0 &&
           a->engine_id_len == b->engine_id_len &&
           memcmp(a->engine_id, b->engine_id, a->engine_id_len) == 0 &&
           (a->auth != b->auth || strcmp(a->auth_pass, b->auth_pass) != 0 ||
            strcmp(a->priv_pass, b->priv_pass) != 0);
}

static void
bl_cfg_v3_unique(struct bl_conf *f, const char *group, const struct bl_trap_node_config *cfg,
                 const struct bl_trap_forward *fwd)
{
    bool clash = fwd->version == BL_TRAP_V3 && bl_v3_clash(&fwd->v3, &cfg->v3);

    for (size_t i = 0; i < cfg->n_forward && !clash; i++) {
        clash = fwd->version == BL_TRAP_V3 && cfg->forward[i].version == BL_TRAP_V3 &&
                bl_v3_clash(&fwd->v3, &cfg->forward[i].v3);
    }
    if (clash) {
        bl_conf_fail(f, group, "v3_engine_id",
                     "user %s with this engine ID is already set up with other keys", fwd->v3.name);
    }
}

/* One [trap-forward N]: its values, then whether they make sense together. */
static void
bl_cfg_forward(struct bl_conf *f, const char *group, struct bl_trap_node_config *cfg)
{
    struct bl_trap_forward *fwd = &cfg->forward[cfg->n_forward];

    memset(fwd, 0, sizeof(*fwd)); /* nothing left of a group refused before */
    (void) bl_conf_defaults(bl_trap_conf_keys, BL_G_FWD, fwd);
    if (bl_conf_apply(f, group, bl_trap_conf_keys, KINDS(BL_G_FWD), fwd) != BL_OK ||
        bl_conf_required(f, group, bl_trap_conf_keys, BL_G_FWD) != BL_OK) {
        return; /* the checks below would only repeat what is already said */
    }
    bl_cfg_check_v3(f, group, &fwd->v3);
    if (fwd->version == BL_TRAP_V3 ? fwd->v3.name[0] == '\0' : fwd->community[0] == '\0') {
        bl_conf_fail(f, group, "version", "no credentials for this version");
    }
    if (fwd->inform && fwd->version != BL_TRAP_V2C) {
        bl_conf_fail(f, group, "inform", "informs are sent with version = v2c only");
    }
    bl_cfg_v3_unique(f, group, cfg, fwd);
    cfg->n_forward++;
}

static void
bl_cfg_forwards(struct bl_conf *f, struct bl_trap_node_config *cfg)
{
    g_auto(GStrv) groups = g_key_file_get_groups(bl_conf_keyfile(f), NULL);

    for (size_t i = 0; groups[i] != NULL; i++) {
        if (!g_str_has_prefix(groups[i], BL_G_FWD " ")) {
            continue;
        }
        if (cfg->n_forward >= BL_TRAP_FORWARD_MAX) {
            bl_conf_fail(f, groups[i], NULL, "at most %d forward targets", BL_TRAP_FORWARD_MAX);
            return;
        }
        bl_cfg_forward(f, groups[i], cfg);
    }
}

static void
bl_cfg_node(struct bl_conf *f, const char *node, struct bl_trap_node_config *cfg)
{
    g_autofree char *group = g_strdup_printf(BL_G_NODE " %s", node);

    memset(cfg, 0, sizeof(*cfg));
    bl_trap_policy_init(&cfg->policy);
    g_strlcpy(cfg->node, node, sizeof(cfg->node));
    /* The [trap] defaults apply even when the group is absent. */
    (void) bl_conf_defaults(bl_trap_conf_keys, BL_G_TRAP, &cfg->policy);
    (void) bl_conf_apply(f, BL_G_TRAP, bl_trap_conf_keys, KINDS(BL_G_TRAP), &cfg->policy);
    if (!g_key_file_has_group(bl_conf_keyfile(f), group)) {
        bl_conf_fail(f, group, NULL, "no such group");
        return;
    }
    (void) bl_conf_defaults(bl_trap_conf_keys, BL_G_NODE, cfg);
    if (bl_conf_apply(f, group, bl_trap_conf_keys, KINDS(BL_G_NODE), cfg) == BL_OK &&
        bl_conf_required(f, group, bl_trap_conf_keys, BL_G_NODE) == BL_OK) {
        bl_cfg_check_v3(f, group, &cfg->v3);
        if (cfg->policy.community_len == 0 && cfg->v3.name[0] == '\0') {
            bl_conf_fail(f, group, NULL, "set community or v3_user: nothing could be accepted");
        }
    }
    memcpy(cfg->policy.v3_user, cfg->v3.name, sizeof(cfg->policy.v3_user));
    bl_cfg_forwards(f, cfg);
}

/* Open, and refuse a world-readable file holding communities or passphrases. The groups of
 * the BMC side are that reader's to check. */
static int
bl_cfg_open(const char *path, struct bl_conf **f, char **errmsg)
{
    const struct bl_conf_key *const tables[] = {bl_trap_conf_keys};
    int rc = bl_conf_open(path, f, errmsg);

    if (rc == BL_OK) {
        (void) bl_conf_check_groups(*f, tables, 1, false);
    }
    return rc;
}

int
bl_trap_config_load(const char *path, const char *node, struct bl_trap_node_config *out,
                    char **errmsg)
{
    struct bl_trap_node_config cfg;
    struct bl_conf *f = NULL;
    int rc;

    if (path == NULL || node == NULL || out == NULL) {
        return BL_E_INVALID;
    }
    rc = bl_cfg_open(path, &f, errmsg);
    if (rc != BL_OK) {
        return rc;
    }
    bl_cfg_node(f, node, &cfg);
    rc = bl_conf_result(f, errmsg);
    if (rc == BL_OK) {
        *out = cfg;
    }
    explicit_bzero(&cfg, sizeof(cfg));
    bl_conf_close(f);
    return rc;
}

int
bl_trap_config_check(const char *path, char **errmsg)
{
    struct bl_trap_node_config cfg;
    g_auto(GStrv) groups = NULL;
    struct bl_conf *f = NULL;
    int rc;

    if (path == NULL) {
        return BL_E_INVALID;
    }
    rc = bl_cfg_open(path, &f, errmsg);
    if (rc != BL_OK) {
        return rc;
    }
    groups = g_key_file_get_groups(bl_conf_keyfile(f), NULL);
    for (size_t i = 0; groups[i] != NULL; i++) {
        if (g_str_has_prefix(groups[i], BL_G_NODE " ")) {
            bl_cfg_node(f, groups[i] + strlen(BL_G_NODE " "), &cfg);
        }
    }
    explicit_bzero(&cfg, sizeof(cfg));
    rc = bl_conf_result(f, errmsg);
    bl_conf_close(f);
    return rc;
}
