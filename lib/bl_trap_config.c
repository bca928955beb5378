#include "bl_trap_config.h"
#include "bl_result.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define BL_G_TRAP "trap"
#define BL_G_NODE "trap-node"
#define BL_G_FWD "trap-forward"

struct bl_cfg_ctx {
    struct bl_trap_node_config *cfg;
    struct bl_trap_forward *fwd; /* set while reading a [trap-forward N] group */
};

typedef int (*bl_cfg_setter)(struct bl_cfg_ctx *ctx, const char *value);

struct bl_cfg_row {
    struct bl_trap_config_key doc;
    bl_cfg_setter set;
    bool secret;
};

static int
bl_set_bool(bool *out, const char *value)
{
    if (strcasecmp(value, "true") == 0 || strcasecmp(value, "yes") == 0 ||
        strcmp(value, "1") == 0) {
        *out = true;
    } else if (strcasecmp(value, "false") == 0 || strcasecmp(value, "no") == 0 ||
               strcmp(value, "0") == 0) {
        *out = false;
    } else {
        return BL_E_INVALID;
    }
    return BL_OK;
}

static int
bl_set_u32(uint32_t *out, const char *value, uint32_t max)
{
    char *end = NULL;
    unsigned long long v;

    if (*value < '0' || *value > '9') {
        return BL_E_INVALID;
    }
    errno = 0;
    v = strtoull(value, &end, 10);
    if (errno != 0 || *end != '\0' || v > max) {
        return BL_E_INVALID;
    }
    *out = (uint32_t) v;
    return BL_OK;
}

static int
bl_set_str(char *out, size_t outlen, const char *value, size_t minlen)
{
    size_t len = strlen(value);

    if (len < minlen || len >= outlen) {
        return BL_E_INVALID;
    }
    memcpy(out, value, len + 1);
    return BL_OK;
}

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
        if (*n >= BL_TRAP_NOTICE_OIDS_MAX || bl_oid_parse(parts[i], &list[*n]) != BL_OK) {
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

/* ---- [trap] ---- */

static int
set_fatal_severity(struct bl_cfg_ctx *c, const char *v)
{
    return bl_pet_severity_parse(v, &c->cfg->policy.fatal_severity);
}

static int
set_fatal_oids(struct bl_cfg_ctx *c, const char *v)
{
    return bl_set_oid_list(c->cfg->policy.fatal_oids, &c->cfg->policy.n_fatal_oids, v);
}

static int
set_recoverable_oids(struct bl_cfg_ctx *c, const char *v)
{
    return bl_set_oid_list(c->cfg->policy.recoverable_oids, &c->cfg->policy.n_recoverable_oids, v);
}

static int
set_dedup_window(struct bl_cfg_ctx *c, const char *v)
{
    return bl_set_u32(&c->cfg->policy.dedup_window_s, v, 86400);
}

static int
set_replay_window(struct bl_cfg_ctx *c, const char *v)
{
    return bl_set_u32(&c->cfg->policy.replay_window_s, v, 86400);
}

static int
set_accept_v1(struct bl_cfg_ctx *c, const char *v)
{
    return bl_set_bool(&c->cfg->policy.accept_v1, v);
}

static int
set_accept_v2c(struct bl_cfg_ctx *c, const char *v)
{
    return bl_set_bool(&c->cfg->policy.accept_v2c, v);
}

/* ---- [trap-node NAME] ---- */

static int
set_address(struct bl_cfg_ctx *c, const char *v)
{
    return bl_trap_addr_parse(v, BL_TRAP_DEFAULT_PORT, &c->cfg->listen);
}

static int
set_bmc(struct bl_cfg_ctx *c, const char *v)
{
    return bl_trap_addr_parse(v, 0, &c->cfg->policy.bmc);
}

static int
set_community(struct bl_cfg_ctx *c, const char *v)
{
    size_t len = strlen(v);

    if (len == 0 || len > BL_TRAP_SECRET_MAX) {
        return BL_E_INVALID;
    }
    memcpy(c->cfg->policy.community, v, len);
    c->cfg->policy.community_len = len;
    return BL_OK;
}

static int
set_v3_user(struct bl_cfg_ctx *c, const char *v)
{
    int rc = bl_set_str(c->cfg->v3.name, sizeof(c->cfg->v3.name), v, 1);

    if (rc == BL_OK) {
        memcpy(c->cfg->policy.v3_user, c->cfg->v3.name, sizeof(c->cfg->policy.v3_user));
    }
    return rc;
}

/* The v3 keys mean the same in a node group and a forward group; only the user differs. */
static struct bl_trap_v3_user *
bl_ctx_v3(struct bl_cfg_ctx *c)
{
    return c->fwd != NULL ? &c->fwd->v3 : &c->cfg->v3;
}

static int
set_v3_engine(struct bl_cfg_ctx *c, const char *v)
{
    struct bl_trap_v3_user *u = bl_ctx_v3(c);

    return bl_trap_engine_id_parse(v, u->engine_id, &u->engine_id_len);
}

static int
set_v3_auth(struct bl_cfg_ctx *c, const char *v)
{
    return bl_set_auth(&bl_ctx_v3(c)->auth, v);
}

static int
set_v3_auth_pass(struct bl_cfg_ctx *c, const char *v)
{
    return bl_set_str(bl_ctx_v3(c)->auth_pass, sizeof(bl_ctx_v3(c)->auth_pass), v, 8);
}

static int
set_v3_priv_pass(struct bl_cfg_ctx *c, const char *v)
{
    return bl_set_str(bl_ctx_v3(c)->priv_pass, sizeof(bl_ctx_v3(c)->priv_pass), v, 8);
}

/* ---- [trap-forward N] ---- */

static int
set_fwd_target(struct bl_cfg_ctx *c, const char *v)
{
    return bl_trap_addr_parse(v, BL_TRAP_DEFAULT_PORT, &c->fwd->target);
}

static int
set_fwd_version(struct bl_cfg_ctx *c, const char *v)
{
    if (strcasecmp(v, "v2c") == 0 || strcmp(v, "2c") == 0) {
        c->fwd->version = BL_TRAP_V2C;
    } else if (strcasecmp(v, "v3") == 0 || strcmp(v, "3") == 0) {
        c->fwd->version = BL_TRAP_V3;
    } else {
        return BL_E_INVALID;
    }
    return BL_OK;
}

static int
set_fwd_community(struct bl_cfg_ctx *c, const char *v)
{
    return bl_set_str(c->fwd->community, sizeof(c->fwd->community), v, 1);
}

static int
set_fwd_user(struct bl_cfg_ctx *c, const char *v)
{
    return bl_set_str(c->fwd->v3.name, sizeof(c->fwd->v3.name), v, 1);
}

static int
set_fwd_inform(struct bl_cfg_ctx *c, const char *v)
{
    return bl_set_bool(&c->fwd->inform, v);
}

static const struct bl_cfg_row bl_rows[] = {
    {{BL_G_TRAP, "fatal_severity", "non-recoverable",
      "PET severity at or above which a BMCNOTICE runs the recovery"},
     set_fatal_severity,
     false},
    {{BL_G_TRAP, "fatal_oids", "", "v2c/v3 snmpTrapOID values (;-separated) that are fatal"},
     set_fatal_oids,
     false},
    {{BL_G_TRAP, "recoverable_oids", "", "v2c/v3 snmpTrapOID values that are recoverable"},
     set_recoverable_oids,
     false},
    {{BL_G_TRAP, "dedup_window", "60", "seconds in which a repeated notice is a resend"},
     set_dedup_window,
     false},
    {{BL_G_TRAP, "replay_window", "300",
      "seconds a PET timestamp may lag the newest seen before it is refused as a replay"},
     set_replay_window,
     false},
    {{BL_G_TRAP, "accept_v1", "true", "accept SNMPv1 traps (PET) with the community"},
     set_accept_v1,
     false},
    {{BL_G_TRAP, "accept_v2c", "true", "accept SNMPv2c notifications with the community"},
     set_accept_v2c,
     false},
    {{BL_G_NODE, "address", NULL, "the monitor keyword <IP>[:port] to listen on (port 162)"},
     set_address,
     false},
    {{BL_G_NODE, "bmc", NULL, "the node's BMC address: the only accepted trap source"},
     set_bmc,
     false},
    {{BL_G_NODE, "community", "", "v1/v2c community the BMC sends (secret)"}, set_community, true},
    {{BL_G_NODE, "v3_user", "", "SNMPv3 user of the BMC (always authPriv)"}, set_v3_user, false},
    {{BL_G_NODE, "v3_engine_id", "", "the BMC's SNMP engine ID, hex"}, set_v3_engine, false},
    {{BL_G_NODE, "v3_auth", "SHA", "SHA or SHA-256"}, set_v3_auth, false},
    {{BL_G_NODE, "v3_auth_pass", "", "authentication passphrase (secret, 8+ chars)"},
     set_v3_auth_pass,
     true},
    {{BL_G_NODE, "v3_priv_pass", "", "AES-128 privacy passphrase (secret, 8+ chars)"},
     set_v3_priv_pass,
     true},
    {{BL_G_FWD, "target", NULL, "manager <IP>[:port] (port 162)"}, set_fwd_target, false},
    {{BL_G_FWD, "version", "v2c", "v2c or v3"}, set_fwd_version, false},
    {{BL_G_FWD, "community", "", "v2c community (secret)"}, set_fwd_community, true},
    {{BL_G_FWD, "v3_user", "", "SNMPv3 user (authPriv)"}, set_fwd_user, false},
    {{BL_G_FWD, "v3_engine_id", "", "our engine ID towards this manager, hex"},
     set_v3_engine,
     false},
    {{BL_G_FWD, "v3_auth", "SHA", "SHA or SHA-256"}, set_v3_auth, false},
    {{BL_G_FWD, "v3_auth_pass", "", "authentication passphrase (secret)"}, set_v3_auth_pass, true},
    {{BL_G_FWD, "v3_priv_pass", "", "AES-128 privacy passphrase (secret)"}, set_v3_priv_pass, true},
    {{BL_G_FWD, "inform", "false",
      "v2c: send InformRequests, resent (3 times, 1 s apart) until acknowledged"},
     set_fwd_inform,
     false},
};

#define BL_NROWS (sizeof(bl_rows) / sizeof(bl_rows[0]))

const struct bl_trap_config_key *
bl_trap_config_key(size_t i)
{
    return i < BL_NROWS ? &bl_rows[i].doc : NULL;
}

/* ---- loading ---- */

/* Line (1-based) of "key =" inside "[group]" in the raw text; 0 when absent. */
static unsigned
bl_cfg_line(const char *text, const char *group, const char *key)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    bool in_group = (key == NULL);
    size_t klen = key != NULL ? strlen(key) : 0;

    for (unsigned i = 0; lines[i] != NULL; i++) {
        const char *l = lines[i];
        while (*l == ' ' || *l == '\t') {
            l++;
        }
        if (*l == '[') {
            const char *end = strchr(l, ']');
            in_group = end != NULL && (size_t) (end - l - 1) == strlen(group) &&
                       strncmp(l + 1, group, strlen(group)) == 0;
            if (in_group && key == NULL) {
                return i + 1;
            }
        } else if (in_group && key != NULL && strncmp(l, key, klen) == 0) {
            const char *r = l + klen;
            while (*r == ' ' || *r == '\t') {
                r++;
            }
            if (*r == '=') {
                return i + 1;
            }
        }
    }
    return 0;
}

struct bl_cfg_file {
    const char *path;
    char *text;
    GKeyFile *kf;
    char *err;
    size_t errlen;
};

static int
bl_cfg_fail(const struct bl_cfg_file *f, const char *group, const char *key, const char *fmt, ...)
{
    char what[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (f->err != NULL && f->errlen > 0) {
        snprintf(f->err, f->errlen, "%s:%u: [%s]%s%s: %s", f->path,
                 bl_cfg_line(f->text, group, key), group, key != NULL ? " " : "",
                 key != NULL ? key : "", what);
    }
    return BL_E_INVALID;
}

static const struct bl_cfg_row *
bl_cfg_row_find(const char *kind, const char *key)
{
    for (size_t i = 0; i < BL_NROWS; i++) {
        if (strcmp(bl_rows[i].doc.group, kind) == 0 && strcmp(bl_rows[i].doc.key, key) == 0) {
            return &bl_rows[i];
        }
    }
    return NULL;
}

/* Defaults first, then every key present; unknown keys are errors (typos must not pass). */
static int
bl_cfg_apply_group(const struct bl_cfg_file *f, const char *group, const char *kind,
                   struct bl_cfg_ctx *ctx)
{
    g_auto(GStrv) keys = NULL;
    int rc = BL_OK;

    for (size_t i = 0; i < BL_NROWS; i++) {
        const struct bl_cfg_row *r = &bl_rows[i];
        if (strcmp(r->doc.group, kind) == 0 && r->doc.defval != NULL && r->doc.defval[0] != 0) {
            (void) r->set(ctx, r->doc.defval);
        }
    }
    keys = g_key_file_get_keys(f->kf, group, NULL, NULL);
    for (size_t i = 0; keys != NULL && keys[i] != NULL; i++) {
        const struct bl_cfg_row *r = bl_cfg_row_find(kind, keys[i]);
        g_autofree char *value = NULL;

        if (r == NULL) {
            return bl_cfg_fail(f, group, keys[i], "unknown key");
        }
        value = g_key_file_get_string(f->kf, group, keys[i], NULL);
        if (value == NULL || r->set(ctx, value) != BL_OK) {
            /* Never echo a secret value back. */
            rc = bl_cfg_fail(f, group, keys[i], r->secret ? "invalid value" : "invalid value '%s'",
                             value != NULL ? value : "");
        }
        if (value != NULL) {
            explicit_bzero(value, strlen(value)); /* a secret must not linger in the heap */
        }
        if (rc != BL_OK) {
            return rc;
        }
    }
    return BL_OK;
}

static int
bl_cfg_required(const struct bl_cfg_file *f, const char *group, const char *kind)
{
    for (size_t i = 0; i < BL_NROWS; i++) {
        const struct bl_cfg_row *r = &bl_rows[i];
        if (strcmp(r->doc.group, kind) == 0 && r->doc.defval == NULL &&
            !g_key_file_has_key(f->kf, group, r->doc.key, NULL)) {
            return bl_cfg_fail(f, group, NULL, "missing key '%s'", r->doc.key);
        }
    }
    return BL_OK;
}

static int
bl_cfg_check_v3(const struct bl_cfg_file *f, const char *group, const struct bl_trap_v3_user *u)
{
    if (u->name[0] == '\0') {
        return BL_OK;
    }
    if (u->engine_id_len == 0) {
        return bl_cfg_fail(f, group, "v3_engine_id", "required with v3_user");
    }
    if (u->auth_pass[0] == '\0' || u->priv_pass[0] == '\0') {
        return bl_cfg_fail(f, group, "v3_user",
                           "v3 is authPriv only: set v3_auth_pass and "
                           "v3_priv_pass");
    }
    return BL_OK;
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

static int
bl_cfg_v3_unique(const struct bl_cfg_file *f, const char *group,
                 const struct bl_trap_node_config *cfg, const struct bl_trap_forward *fwd)
{
    bool clash = fwd->version == BL_TRAP_V3 && bl_v3_clash(&fwd->v3, &cfg->v3);

    for (size_t i = 0; i < cfg->n_forward && !clash; i++) {
        clash = fwd->version == BL_TRAP_V3 && cfg->forward[i].version == BL_TRAP_V3 &&
                bl_v3_clash(&fwd->v3, &cfg->forward[i].v3);
    }
    return clash ? bl_cfg_fail(f, group, "v3_engine_id",
                               "user %s with this engine ID is already set up with other keys",
                               fwd->v3.name)
                 : BL_OK;
}

static int
bl_cfg_forwards(const struct bl_cfg_file *f, struct bl_trap_node_config *cfg)
{
    g_auto(GStrv) groups = g_key_file_get_groups(f->kf, NULL);

    for (size_t i = 0; groups[i] != NULL; i++) {
        struct bl_cfg_ctx ctx = {cfg, NULL};
        int rc;

        if (!g_str_has_prefix(groups[i], BL_G_FWD " ")) {
            continue;
        }
        if (cfg->n_forward >= BL_TRAP_FORWARD_MAX) {
            return bl_cfg_fail(f, groups[i], NULL, "at most %d forward targets",
                               BL_TRAP_FORWARD_MAX);
        }
        ctx.fwd = &cfg->forward[cfg->n_forward];
        if ((rc = bl_cfg_apply_group(f, groups[i], BL_G_FWD, &ctx)) != BL_OK ||
            (rc = bl_cfg_required(f, groups[i], BL_G_FWD)) != BL_OK ||
            (rc = bl_cfg_check_v3(f, groups[i], &ctx.fwd->v3)) != BL_OK) {
            return rc;
        }
        if (ctx.fwd->version == BL_TRAP_V3 ? ctx.fwd->v3.name[0] == '\0'
                                           : ctx.fwd->community[0] == '\0') {
            return bl_cfg_fail(f, groups[i], "version", "no credentials for this version");
        }
        if (ctx.fwd->inform && ctx.fwd->version != BL_TRAP_V2C) {
            return bl_cfg_fail(f, groups[i], "inform", "informs are sent with version = v2c only");
        }
        if ((rc = bl_cfg_v3_unique(f, groups[i], cfg, ctx.fwd)) != BL_OK) {
            return rc;
        }
        cfg->n_forward++;
    }
    return BL_OK;
}

static int
bl_cfg_node(const struct bl_cfg_file *f, const char *node, struct bl_trap_node_config *cfg)
{
    g_autofree char *group = g_strdup_printf(BL_G_NODE " %s", node);
    struct bl_cfg_ctx ctx = {cfg, NULL};
    int rc;

    memset(cfg, 0, sizeof(*cfg));
    bl_trap_policy_init(&cfg->policy);
    g_strlcpy(cfg->node, node, sizeof(cfg->node));
    /* The [trap] defaults apply even when the group is absent. */
    if ((rc = bl_cfg_apply_group(f, BL_G_TRAP, BL_G_TRAP, &ctx)) != BL_OK) {
        return rc;
    }
    if (!g_key_file_has_group(f->kf, group)) {
        return bl_cfg_fail(f, group, NULL, "no such group");
    }
    if ((rc = bl_cfg_apply_group(f, group, BL_G_NODE, &ctx)) != BL_OK ||
        (rc = bl_cfg_required(f, group, BL_G_NODE)) != BL_OK ||
        (rc = bl_cfg_check_v3(f, group, &cfg->v3)) != BL_OK) {
        return rc;
    }
    if (cfg->policy.community_len == 0 && cfg->v3.name[0] == '\0') {
        return bl_cfg_fail(f, group, NULL, "set community or v3_user: nothing could be accepted");
    }
    return bl_cfg_forwards(f, cfg);
}

/* A file holding communities or passphrases must not be readable by everyone. */
static int
bl_cfg_open(struct bl_cfg_file *f)
{
    g_autoptr(GError) gerr = NULL;
    struct stat st;

    if (stat(f->path, &st) != 0) {
        int rc = -errno;
        snprintf(f->err, f->errlen, "%s: %s", f->path, strerror(errno));
        return rc;
    }
    if (!g_file_get_contents(f->path, &f->text, NULL, &gerr)) {
        snprintf(f->err, f->errlen, "%s: %s", f->path, gerr->message);
        return -EIO;
    }
    f->kf = g_key_file_new();
    if (!g_key_file_load_from_data(f->kf, f->text, (gsize) -1, G_KEY_FILE_NONE, &gerr)) {
        snprintf(f->err, f->errlen, "%s: %s", f->path, gerr->message);
        return BL_E_INVALID;
    }
    if ((st.st_mode & S_IROTH) != 0 &&
        (strstr(f->text, "community") != NULL || strstr(f->text, "_pass") != NULL)) {
        snprintf(f->err, f->errlen, "%s: holds secrets but is world-readable (chmod o-r)", f->path);
        return BL_E_INVALID;
    }
    return BL_OK;
}

static void
bl_cfg_close(struct bl_cfg_file *f)
{
    if (f->kf != NULL) {
        g_key_file_free(f->kf);
    }
    if (f->text != NULL) {
        explicit_bzero(f->text, strlen(f->text)); /* the whole file, secrets included */
    }
    g_free(f->text);
}

int
bl_trap_config_load(const char *path, const char *node, struct bl_trap_node_config *out, char *err,
                    size_t errlen)
{
    struct bl_cfg_file f = {path, NULL, NULL, err, errlen};
    struct bl_trap_node_config cfg;
    int rc;

    if (path == NULL || node == NULL || out == NULL || err == NULL) {
        return BL_E_INVALID;
    }
    err[0] = '\0';
    rc = bl_cfg_open(&f);
    if (rc == BL_OK) {
        rc = bl_cfg_node(&f, node, &cfg);
    }
    if (rc == BL_OK) {
        *out = cfg;
    }
    explicit_bzero(&cfg, sizeof(cfg));
    bl_cfg_close(&f);
    return rc;
}

int
bl_trap_config_check(const char *path, char *err, size_t errlen)
{
    struct bl_cfg_file f = {path, NULL, NULL, err, errlen};
    g_auto(GStrv) groups = NULL;
    struct bl_trap_node_config cfg;
    int rc;

    if (path == NULL || err == NULL) {
        return BL_E_INVALID;
    }
    err[0] = '\0';
    rc = bl_cfg_open(&f);
    if (rc == BL_OK) {
        groups = g_key_file_get_groups(f.kf, NULL);
        for (size_t i = 0; groups[i] != NULL && rc == BL_OK; i++) {
            if (g_str_has_prefix(groups[i], BL_G_NODE " ")) {
                rc = bl_cfg_node(&f, groups[i] + strlen(BL_G_NODE " "), &cfg);
            }
        }
    }
    explicit_bzero(&cfg, sizeof(cfg));
    bl_cfg_close(&f);
    return rc;
}
