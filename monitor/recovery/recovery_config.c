/*
 * bmclink.conf's BMC side (recovery_config.h): one typed table, applied group by group onto
 * plain structs by offset; defaults come from the same table.
 */
#include "recovery_config.h"
#include "bl_result.h"
#include "recovery_keyfile.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define BK_BMC "bmc"
#define BK_NODE "bmc-node"
#define BK_HB "heartbeat"
#define BK_HEALTH "health"
#define BK_REC "recovery"
#define BK_TRAP_NODE "trap-node"

/* What [bmc] and [bmc-node NAME] fill before it becomes a struct bl_ipmi_params. */
struct bk_access {
    char address[BL_IPMI_HOST_MAX + 1];
    uint32_t port;
    char username[BL_IPMI_USER_MAX + 1];
    char password[BL_IPMI_PASSWORD_MAX + 1];
    char password_file[BL_BMC_PATH_MAX];
    uint32_t cipher;
    enum bl_ipmi_priv priv;
    char kg[2 * BL_IPMI_KG_MAX + 3];
    uint32_t retransmit_ms;
};

/* What [recovery] fills; times in ms become the state machine's ns afterwards. */
struct bk_recovery {
    enum bl_rec_kind kind;
    char target[BL_REC_NAME_MAX];
    char attribute[BL_REC_NAME_MAX];
    uint32_t timeout_ms, poll_ms, clear_after_ms, reset_window_ms, notice_timeout_ms;
    bool pet_ack;
    struct bl_notice_cmd start, end;
    bool end_result_byte;
    uint8_t end_codes[BL_REC_RESULT_COUNT];
    char script[BL_BMC_PATH_MAX];
    char stop_command[512];
};

#define A(f) offsetof(struct bk_access, f)
#define H(f) offsetof(struct bl_hb_config, f)
#define E(f) offsetof(struct bl_health_config, f)
#define R(f) offsetof(struct bk_recovery, f)

/* "bmc" rows apply to [bmc] and [bmc-node NAME] alike; address only makes sense per node. */
static const struct bk_row bk_rows[] = {
    {{BK_NODE, "address", NULL, "the BMC's numeric address (default: bmc of [trap-node NAME])"},
     BK_STR,
     A(address),
     0,
     BL_IPMI_HOST_MAX},
    {{BK_BMC, "port", "623", "RMCP+ UDP port"}, BK_U32, A(port), 1, 65535},
    {{BK_BMC, "username", "admin", "IPMI user"}, BK_STR, A(username), 0, BL_IPMI_USER_MAX},
    {{BK_BMC, "password_file", "/etc/bmclink/bmc-password",
      "file holding the IPMI password (0600; a world-readable file is refused)"},
     BK_STR,
     A(password_file),
     0,
     BL_BMC_PATH_MAX - 1},
    {{BK_BMC, "password", NULL, "the IPMI password itself, instead of password_file (secret)"},
     BK_SECRET,
     A(password),
     0,
     BL_IPMI_PASSWORD_MAX},
    {{BK_BMC, "cipher", "3", "RMCP+ cipher suite, pinned (3: SHA1/SHA1-96/AES-128)"},
     BK_U32,
     A(cipher),
     0,
     19},
    {{BK_BMC, "privilege", "administrator", "user, operator or administrator"},
     BK_PRIV,
     A(priv),
     0,
     0},
    {{BK_BMC, "kg", NULL, "BMC key Kg in hex (secret)"}, BK_KG, A(kg), 0, 2 * BL_IPMI_KG_MAX + 2},
    {{BK_BMC, "retransmit_ms", "500", "IPMI request retransmit interval"},
     BK_U32,
     A(retransmit_ms),
     50,
     10000},
    {{BK_HB, "enabled", "true", "poll every node's BMC"}, BK_BOOL, H(enabled), 0, 0},
    {{BK_HB, "interval_ms", "1000", "one Get Chassis Status per BMC per interval"},
     BK_U32,
     H(interval_ms),
     100,
     60000},
    {{BK_HB, "misses", "3", "silent polls before bmclink-bmc-reachable turns 0"},
     BK_U32,
     H(misses),
     1,
     100},
    {{BK_HB, "reopen_ms", "5000", "a lost RMCP+ session is opened again at most this often"},
     BK_U32,
     H(reopen_ms),
     100,
     600000},
    {{BK_HB, "publish", "true", "write bmclink-bmc-reachable and bmclink-bmc-power (on change)"},
     BK_BOOL,
     H(publish),
     0,
     0},
    {{BK_HB, "sel", "true", "read the local BMC's SEL: its events set #health-bmc"},
     BK_BOOL,
     H(sel),
     0,
     0},
    {{BK_HB, "sel_interval_ms", "5000", "one Get SEL Info (new entries?) per interval"},
     BK_U32,
     H(sel_interval_ms),
     200,
     3600000},
    {{BK_HB, "sel_state_dir", "/var/lib/bmclink",
      "where the SEL position survives restarts (empty: kept in memory only)"},
     BK_STR,
     H(sel_state_dir),
     0,
     BL_BMC_PATH_MAX - 1},
    {{BK_HEALTH, "enabled", "true", "recoverable notices set #health-bmc on the node"},
     BK_BOOL,
     E(enabled),
     0,
     0},
    {{BK_HEALTH, "hold", "600", "s a condition holds without its deassertion"},
     BK_U32,
     E(hold_s),
     1,
     86400},
    {{BK_HEALTH, "red_severity", "critical", "PET severity at or above which the node is red"},
     BK_SEVERITY,
     E(red_severity),
     0,
     0},
    {{BK_REC, "action", "failover", "failover, restart, standby, stop-cluster, script or none"},
     BK_KIND,
     R(kind),
     0,
     0},
    {{BK_REC, "target", NULL, "the resource or group to fail over or restart"},
     BK_STR,
     R(target),
     0,
     BL_REC_NAME_MAX - 1},
    {{BK_REC, "attribute", "bmclink-evacuate", "failover: transient node attribute set to 1"},
     BK_STR,
     R(attribute),
     1,
     BL_REC_NAME_MAX - 1},
    {{BK_REC, "timeout_ms", "20000", "bound of the action; below the BMC's reset window"},
     BK_U32,
     R(timeout_ms),
     500,
     3600000},
    {{BK_REC, "poll_ms", "500", "between two looks at where the target runs"},
     BK_U32,
     R(poll_ms),
     50,
     10000},
    {{BK_REC, "clear_after_ms", "60000", "undo the action if the node was not reset by then"},
     BK_U32,
     R(clear_after_ms),
     1000,
     3600000},
    {{BK_REC, "reset_window_ms", "30000", "the BMC's reset window W (checked, not enforced)"},
     BK_U32,
     R(reset_window_ms),
     1000,
     3600000},
    {{BK_REC, "notice_timeout_ms", "3000", "give a notice up after this"},
     BK_U32,
     R(notice_timeout_ms),
     100,
     60000},
    {{BK_REC, "pet_ack", "true", "acknowledge PETs (NetFn 0x04 Cmd 0x17)"},
     BK_BOOL,
     R(pet_ack),
     0,
     0},
    {{BK_REC, "notice_start", "0x30:0x81", "start notice NETFN:CMD[:DATA...]"},
     BK_CMD,
     R(start),
     0,
     0},
    {{BK_REC, "notice_end", "0x30:0x82", "end notice NETFN:CMD[:DATA...]"}, BK_CMD, R(end), 0, 0},
    {{BK_REC, "end_result_byte", "true", "append the result code to the end notice"},
     BK_BOOL,
     R(end_result_byte),
     0,
     0},
    {{BK_REC, "end_codes", "0x00;0x01;0x02;0x03", "codes for success;timeout;failed;no-node"},
     BK_CODES,
     R(end_codes),
     0,
     0},
    {{BK_REC, "script", NULL, "action = script: absolute path, run with BMCLINK_* variables"},
     BK_STR,
     R(script),
     0,
     BL_BMC_PATH_MAX - 1},
    {{BK_REC, "stop_command", "systemctl stop pacemaker.service corosync.service",
      "action = stop-cluster: the command (split like a shell would, never run by one)"},
     BK_STR,
     R(stop_command),
     1,
     511},
};

#define BK_NROWS G_N_ELEMENTS(bk_rows)

const struct bl_bmc_config_doc *
bl_bmc_config_key(size_t i)
{
    return i < BK_NROWS ? &bk_rows[i].doc : NULL;
}

/* ---- BMC access ---- */

/* Read the password from its file: a regular file nobody else may read. */
static int
bk_read_password(const struct bk_file *f, const char *group, const char *path, char *out)
{
    g_autofree char *text = NULL;
    mode_t mode = 0;
    size_t len;
    int rc = bk_slurp(path, 256, &text, &mode);

    if (rc != BL_OK) {
        return bk_fail(f, group, "password_file", "%s: %s", path, g_strerror(-rc));
    }
    len = strcspn(text, "\r\n");
    explicit_bzero(text + len, strlen(text + len)); /* a second line is nobody's business */
    if ((mode & S_IROTH) != 0 || len == 0 || len > BL_IPMI_PASSWORD_MAX) {
        explicit_bzero(text, len);
        return bk_fail(f, group, "password_file", "%s: %s", path,
                       (mode & S_IROTH) != 0 ? "world-readable: chmod o-r"
                                             : "empty, or longer than an IPMI password");
    }
    memcpy(out, text, len + 1);
    explicit_bzero(text, len);
    return BL_OK;
}

/* The node's access into IPMI session parameters. */
static int
bk_params(const struct bk_file *f, const char *group, struct bk_access *a, struct bl_ipmi_params *p)
{
    const char *why = NULL;
    int rc;

    if (a->address[0] == '\0' || !g_hostname_is_ip_address(a->address)) {
        return bk_fail(f, group, "address", "a numeric BMC address is required");
    }
    if (a->password[0] == '\0' &&
        (rc = bk_read_password(f, group, a->password_file, a->password)) != BL_OK) {
        return rc;
    }
    bl_ipmi_params_init(p);
    memcpy(p->host, a->address, sizeof(a->address));
    p->port = (uint16_t) a->port;
    memcpy(p->username, a->username, sizeof(a->username));
    memcpy(p->password, a->password, sizeof(a->password));
    p->cipher = (uint8_t) a->cipher;
    p->priv = a->priv;
    p->msg_timeout_ms = a->retransmit_ms;
    if (a->kg[0] != '\0' && bl_ipmi_parse_kg_hex(a->kg, p->kg, &p->kg_len) != BL_OK) {
        return bk_fail(f, group, "kg", "invalid value");
    }
    if (bl_ipmi_params_check(p, &why) != BL_OK) {
        return bk_fail(f, group, NULL, "%s", why != NULL ? why : "IPMI settings refused");
    }
    return BL_OK;
}

/* Names of every node with a BMC: [trap-node NAME] and [bmc-node NAME], each once. */
static GPtrArray *
bk_node_names(const struct bk_file *f)
{
    g_auto(GStrv) groups = g_key_file_get_groups(f->kf, NULL);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);

    for (size_t i = 0; groups[i] != NULL; i++) {
        const char *name = NULL;

        if (g_str_has_prefix(groups[i], BK_NODE " ")) {
            name = groups[i] + strlen(BK_NODE " ");
        } else if (g_str_has_prefix(groups[i], BK_TRAP_NODE " ")) {
            name = groups[i] + strlen(BK_TRAP_NODE " ");
        }
        if (name != NULL && !g_ptr_array_find_with_equal_func(names, name, g_str_equal, NULL)) {
            g_ptr_array_add(names, g_strdup(name));
        }
    }
    return names;
}

static int
bk_node(const struct bk_file *f, const char *name, const struct bk_access *base,
        struct bl_bmc_node *out)
{
    g_autofree char *group = g_strdup_printf(BK_NODE " %s", name);
    g_autofree char *trap_group = g_strdup_printf(BK_TRAP_NODE " %s", name);
    g_autofree char *bmc = g_key_file_get_string(f->kf, trap_group, "bmc", NULL);
    struct bk_access a = *base;
    int rc;

    if (strlen(name) == 0 || strlen(name) >= sizeof(out->node)) {
        return bk_fail(f, group, NULL, "node name empty or too long");
    }
    snprintf(out->node, sizeof(out->node), "%s", name);
    if (bmc != NULL) {
        snprintf(a.address, sizeof(a.address), "%s", g_strstrip(bmc));
    }
    rc = bk_apply(f, group, (const char *const[]){BK_NODE, BK_BMC, NULL}, &a);
    if (rc == BL_OK) {
        rc = bk_params(f, g_key_file_has_group(f->kf, group) ? group : trap_group, &a, &out->ipmi);
    }
    explicit_bzero(&a, sizeof(a));
    return rc;
}

static int
bk_nodes(const struct bk_file *f, struct bl_bmc_config *cfg)
{
    g_autoptr(GPtrArray) names = bk_node_names(f);
    struct bk_access base = {0};
    int rc = bk_defaults(f, BK_BMC, &base);

    if (rc == BL_OK) {
        rc = bk_apply(f, BK_BMC, (const char *const[]){BK_BMC, NULL}, &base);
    }
    if (rc == BL_OK && names->len > BL_BMC_NODES_MAX) {
        rc = bk_fail(f, BK_BMC, NULL, "more than %d nodes", BL_BMC_NODES_MAX);
    }
    cfg->nodes = g_new0(struct bl_bmc_node, names->len > 0 ? names->len : 1);
    for (size_t i = 0; rc == BL_OK && i < names->len; i++) {
        rc = bk_node(f, names->pdata[i], &base, &cfg->nodes[i]);
        cfg->n_nodes = i + 1;
    }
    explicit_bzero(&base, sizeof(base));
    return rc;
}

/* ---- recovery ---- */

static int
bk_recovery_check(const struct bk_file *f, const struct bk_recovery *r)
{
    enum bl_rec_kind k = r->kind;

    if ((k == BL_REC_FAILOVER || k == BL_REC_STANDBY || k == BL_REC_RESTART) &&
        r->target[0] == '\0') {
        return bk_fail(f, BK_REC, "target", "required with action = %s", bl_rec_kind_name(k));
    }
    if (k == BL_REC_SCRIPT && r->script[0] != '/') {
        return bk_fail(f, BK_REC, "script", "an absolute path is required with action = script");
    }
    if (r->timeout_ms >= r->reset_window_ms) {
        return bk_fail(f, BK_REC, "timeout_ms", "must be below reset_window_ms (%u)",
                       r->reset_window_ms);
    }
    if (r->poll_ms >= r->timeout_ms) {
        return bk_fail(f, BK_REC, "poll_ms", "must be below timeout_ms");
    }
    return BL_OK;
}

static void
bk_recovery_convert(const struct bk_recovery *r, char **stop_argv, struct bl_recovery_config *out)
{
    const uint64_t ms = 1000000ull;

    out->set = (struct bl_rec_settings){
        .kind = r->kind,
        .timeout_ns = r->timeout_ms * ms,
        .poll_ns = r->poll_ms * ms,
        .clear_after_ns = r->clear_after_ms * ms,
    };
    memcpy(out->target, r->target, sizeof(out->target));
    memcpy(out->attribute, r->attribute, sizeof(out->attribute));
    out->reset_window_ms = r->reset_window_ms;
    out->notice_timeout_ms = r->notice_timeout_ms;
    out->pet_ack = r->pet_ack;
    out->start = r->start;
    out->end = r->end;
    out->end_result_byte = r->end_result_byte;
    memcpy(out->end_codes, r->end_codes, sizeof(out->end_codes));
    memcpy(out->script, r->script, sizeof(out->script));
    out->stop_argv = stop_argv;
}

static int
bk_recovery(const struct bk_file *f, struct bl_bmc_config *cfg)
{
    struct bk_recovery r = {0};
    char **argv = NULL;
    int rc = bk_defaults(f, BK_REC, &r);

    if (!g_key_file_has_group(f->kf, BK_REC)) {
        r.kind = BL_REC_NONE; /* no [recovery]: notices are answered, nothing is moved */
    }

    if (rc == BL_OK) {
        rc = bk_apply(f, BK_REC, (const char *const[]){BK_REC, NULL}, &r);
    }
    if (rc == BL_OK) {
        rc = bk_recovery_check(f, &r);
    }
    if (rc == BL_OK && !g_shell_parse_argv(r.stop_command, NULL, &argv, NULL)) {
        rc = bk_fail(f, BK_REC, "stop_command", "cannot be split into words");
    }
    if (rc == BL_OK) {
        bk_recovery_convert(&r, argv, &cfg->rec);
    }
    return rc;
}

static int
bk_section(const struct bk_file *f, const char *group, void *base)
{
    int rc = bk_defaults(f, group, base);

    return rc == BL_OK ? bk_apply(f, group, (const char *const[]){group, NULL}, base) : rc;
}

int
bl_bmc_config_load(const char *path, struct bl_bmc_config **out, char *err, size_t errlen)
{
    struct bk_file f = {
        .path = path, .err = err, .errlen = errlen, .rows = bk_rows, .n_rows = BK_NROWS};
    struct bl_bmc_config *cfg;
    int rc;

    if (path == NULL || out == NULL || err == NULL || errlen == 0) {
        return BL_E_INVALID;
    }
    err[0] = '\0';
    cfg = g_new0(struct bl_bmc_config, 1);
    rc = bk_open(&f);
    if (rc == BL_OK) {
        rc = bk_section(&f, BK_HB, &cfg->hb);
    }
    if (rc == BL_OK) {
        rc = bk_section(&f, BK_HEALTH, &cfg->health);
    }
    if (rc == BL_OK) {
        rc = bk_recovery(&f, cfg);
    }
    if (rc == BL_OK) {
        rc = bk_nodes(&f, cfg);
    }
    bk_close(&f);
    if (rc != BL_OK) {
        bl_bmc_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return BL_OK;
}

void
bl_bmc_config_free(struct bl_bmc_config *cfg)
{
    if (cfg == NULL) {
        return;
    }
    for (size_t i = 0; cfg->nodes != NULL && i < cfg->n_nodes; i++) {
        bl_ipmi_params_wipe(&cfg->nodes[i].ipmi);
    }
    g_free(cfg->nodes);
    g_strfreev(cfg->rec.stop_argv);
    g_free(cfg);
}

const struct bl_bmc_node *
bl_bmc_config_find(const struct bl_bmc_config *cfg, const char *node)
{
    for (size_t i = 0; cfg != NULL && node != NULL && i < cfg->n_nodes; i++) {
        if (strcmp(cfg->nodes[i].node, node) == 0) {
            return &cfg->nodes[i];
        }
    }
    return NULL;
}
