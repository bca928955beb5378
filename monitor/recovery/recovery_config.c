/*
 * bmclink.conf's BMC side (recovery_config.h): one table of the config engine (bl_conf.h),
 * applied group by group onto plain structs by offset; defaults come from the same table.
 */
#include "recovery_config.h"
#include "bl_conf.h"
#include "bl_ipmi_route.h"
#include "bl_ipmi_smi.h"
#include "bl_pet.h"
#include "bl_result.h"
#include "bl_trap_config.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define BK_BMC "bmc"
#define BK_NODE "bmc-node"
#define BK_HB "heartbeat"
#define BK_HEALTH "health"
#define BK_REC "recovery"
#define BK_TRAP_NODE "trap-node"
#define BK_PASSWORD_FILE_MAX 256 /* a password file larger than this is no password file */

/* What [bmc] and [bmc-node NAME] fill before it becomes a struct bl_ipmi_params. */
struct bk_access {
    char address[BL_IPMI_HOST_MAX + 1];
    uint32_t port;
    char username[BL_IPMI_USER_MAX + 1];
    char password[BL_IPMI_PASSWORD_MAX + 1];
    char password_file[BL_BMC_PATH_MAX];
    uint8_t cipher; /* a suite number or BL_IPMI_CIPHER_AUTO */
    enum bl_ipmi_priv priv;
    char kg[2 * BL_IPMI_KG_MAX + 3];
    uint32_t retransmit_ms;
    enum bl_ipmi_path path; /* this node's own BMC only: lan, inband or auto */
    char device[BL_BMC_PATH_MAX];
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

/* ---- values of the table's own types ---- */

static int
bk_hex_byte(const char *text, uint8_t *out)
{
    char *end = NULL;
    unsigned long v;

    if (!g_ascii_isxdigit(text[0]) && !(text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))) {
        return BL_E_INVALID;
    }
    errno = 0;
    v = strtoul(text, &end, 16);
    if (errno != 0 || end == text || *end != '\0' || v > 0xff) {
        return BL_E_INVALID;
    }
    *out = (uint8_t) v;
    return BL_OK;
}

int
bl_notice_cmd_parse(const char *text, struct bl_notice_cmd *out)
{
    g_auto(GStrv) parts = NULL;
    struct bl_notice_cmd c = {0};
    size_t n;

    if (text == NULL || out == NULL) {
        return BL_E_INVALID;
    }
    parts = g_strsplit_set(text, ": ", -1);
    n = g_strv_length(parts);
    if (n < 2 || n - 2 > BL_NOTICE_DATA_MAX || bk_hex_byte(parts[0], &c.netfn) != BL_OK ||
        bk_hex_byte(parts[1], &c.cmd) != BL_OK || c.netfn > 0x3f) {
        return BL_E_INVALID;
    }
    for (size_t i = 2; i < n; i++) {
        if (bk_hex_byte(parts[i], &c.data[c.len++]) != BL_OK) {
            return BL_E_INVALID;
        }
    }
    *out = c;
    return BL_OK;
}

static void *
bk_field(const struct bl_conf_key *k, void *base)
{
    return (char *) base + k->offset;
}

static int
bk_cmd(const struct bl_conf_key *k, const char *text, void *base)
{
    return bl_notice_cmd_parse(text, bk_field(k, base));
}

static int
bk_codes(const struct bl_conf_key *k, const char *text, void *base)
{
    g_auto(GStrv) parts = g_strsplit(text, ";", -1);
    uint8_t *codes = bk_field(k, base);

    if (g_strv_length(parts) != BL_REC_RESULT_COUNT) {
        return BL_E_INVALID;
    }
    for (size_t i = 0; i < BL_REC_RESULT_COUNT; i++) {
        if (bk_hex_byte(g_strstrip(parts[i]), &codes[i]) != BL_OK) {
            return BL_E_INVALID;
        }
    }
    return BL_OK;
}

static int
bk_priv(const struct bl_conf_key *k, const char *text, void *base)
{
    static const struct {
        const char *name;
        enum bl_ipmi_priv priv;
    } names[] = {{"user", BL_IPMI_PRIV_USER},
                 {"operator", BL_IPMI_PRIV_OPERATOR},
                 {"administrator", BL_IPMI_PRIV_ADMIN},
                 {"admin", BL_IPMI_PRIV_ADMIN}};

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (strcasecmp(text, names[i].name) == 0) {
            *(enum bl_ipmi_priv *) bk_field(k, base) = names[i].priv;
            return BL_OK;
        }
    }
    return BL_E_INVALID;
}

/* "auto" (the best suite the BMC offers) or a suite number to pin. */
static int
bk_cipher(const struct bl_conf_key *k, const char *text, void *base)
{
    guint64 n = 0;

    if (g_ascii_strcasecmp(text, "auto") == 0) {
        *(uint8_t *) bk_field(k, base) = BL_IPMI_CIPHER_AUTO;
        return BL_OK;
    }
    if (!g_ascii_string_to_unsigned(text, 10, 0, BL_IPMI_CIPHER_MAX, &n, NULL)) {
        return BL_E_INVALID;
    }
    *(uint8_t *) bk_field(k, base) = (uint8_t) n;
    return BL_OK;
}

static int
bk_path(const struct bl_conf_key *k, const char *text, void *base)
{
    return bl_ipmi_path_parse(text, bk_field(k, base));
}

/* The driver's device node: its interface number is what OpenIPMI opens. */
static int
bk_device(const struct bl_conf_key *k, const char *text, void *base)
{
    if (bl_ipmi_smi_if_num(text) < 0 || strlen(text) > (size_t) k->max) {
        return BL_E_INVALID;
    }
    memcpy(bk_field(k, base), text, strlen(text) + 1);
    return BL_OK;
}

static int
bk_kg(const struct bl_conf_key *k, const char *text, void *base)
{
    uint8_t kg[BL_IPMI_KG_MAX];
    size_t len = 0;
    int rc = bl_ipmi_parse_kg_hex(text, kg, &len);

    explicit_bzero(kg, sizeof(kg));
    if (rc != BL_OK || strlen(text) > (size_t) k->max) {
        return BL_E_INVALID;
    }
    memcpy(bk_field(k, base), text, strlen(text) + 1);
    return BL_OK;
}

static int
bk_kind(const struct bl_conf_key *k, const char *text, void *base)
{
    return bl_rec_kind_parse(text, bk_field(k, base));
}

static int
bk_severity(const struct bl_conf_key *k, const char *text, void *base)
{
    return bl_pet_severity_parse(text, bk_field(k, base));
}

/* ---- the table ---- */

#define A(f) offsetof(struct bk_access, f)
#define H(f) offsetof(struct bl_hb_config, f)
#define E(f) offsetof(struct bl_health_config, f)
#define R(f) offsetof(struct bk_recovery, f)
#define NAMED BL_CONF_NAMED
#define SECRET BL_CONF_SECRET
#define SEVERITIES "monitor, information, ok, non-critical, critical or non-recoverable"

/* "bmc" rows apply to [bmc] and [bmc-node NAME] alike; address only makes sense per node. */
const struct bl_conf_key bl_bmc_conf_keys[] = {
    {BK_NODE, "address", BL_CONF_HOST, NULL, 0, BL_IPMI_HOST_MAX, NULL, NULL, A(address), NAMED,
     "the BMC's numeric address (default: bmc of [trap-node NAME])"},
    {BK_BMC, "port", BL_CONF_UINT, "623", 1, 65535, NULL, NULL, A(port), 0, "RMCP+ UDP port"},
    {BK_BMC, "username", BL_CONF_STRING, "admin", 0, BL_IPMI_USER_MAX, NULL, NULL, A(username), 0,
     "IPMI user"},
    {BK_BMC, "password_file", BL_CONF_STRING, "/etc/bmclink/bmc-password", 0, BL_BMC_PATH_MAX - 1,
     NULL, NULL, A(password_file), 0,
     "file holding the IPMI password (0600; a world-readable file is refused)"},
    {BK_BMC, "password", BL_CONF_STRING, NULL, 0, BL_IPMI_PASSWORD_MAX, NULL, NULL, A(password),
     SECRET, "the IPMI password itself, instead of password_file (secret)"},
    {BK_BMC, "cipher", BL_CONF_CUSTOM, "auto", 0, 0, "auto or a cipher suite number 0..19",
     bk_cipher, A(cipher), 0,
     "RMCP+ cipher suite: auto (the best the BMC offers, 17 before 3) or a number to pin"},
    {BK_BMC, "privilege", BL_CONF_CUSTOM, "administrator", 0, 0, "user, operator or administrator",
     bk_priv, A(priv), 0, "user, operator or administrator"},
    {BK_BMC, "kg", BL_CONF_CUSTOM, NULL, 0, 2 * BL_IPMI_KG_MAX + 2, "the key in hex", bk_kg, A(kg),
     SECRET, "BMC key Kg in hex (secret)"},
    {BK_BMC, "retransmit_ms", BL_CONF_MS, "500", 50, 10000, NULL, NULL, A(retransmit_ms), 0,
     "IPMI request retransmit interval"},
    {BK_BMC, "path", BL_CONF_CUSTOM, "lan", 0, 0, "lan, inband or auto", bk_path, A(path), 0,
     "how this node reaches its own BMC (other nodes' BMCs: always the LAN): lan (RMCP+), "
     "inband (the local IPMI driver, device; a request it fails goes again on the LAN) or auto "
     "(inband when device opens, otherwise the LAN)"},
    {BK_BMC, "device", BL_CONF_CUSTOM, "/dev/ipmi0", 0, BL_BMC_PATH_MAX - 1,
     "/dev/ipmiN, /dev/ipmi/N or /dev/ipmidev/N", bk_device, A(device), 0,
     "the local IPMI driver's device, for path = inband or auto"},
    {BK_HB, "enabled", BL_CONF_BOOL, "true", 0, 0, NULL, NULL, H(enabled), 0,
     "poll every node's BMC"},
    {BK_HB, "interval_ms", BL_CONF_MS, "1000", 100, 60000, NULL, NULL, H(interval_ms), 0,
     "one Get Chassis Status per BMC per interval"},
    {BK_HB, "silence_ms", BL_CONF_MS, "10000", 500, 600000, NULL, NULL, H(silence_ms), 0,
     "time without an answer before bmclink-bmc-reachable turns 0 (covers an 8 s link drop)"},
    {BK_HB, "drop_window_ms", BL_CONF_MS, "10000", 0, 60000, NULL, NULL, H(drop_window_ms), 0,
     "a link drop beginning this long after a power event is expected: unreachable only "
     "drop_window_ms + silence_ms after the event (0: no expected drops)"},
    {BK_HB, "misses", BL_CONF_UINT, "1", 1, 100, NULL, NULL, H(misses), 0,
     "silent polls needed as well as silence_ms (for long intervals)"},
    {BK_HB, "reopen_ms", BL_CONF_MS, "5000", 100, 600000, NULL, NULL, H(reopen_ms), 0,
     "a lost RMCP+ session is opened again at most this often"},
    {BK_HB, "publish", BL_CONF_BOOL, "true", 0, 0, NULL, NULL, H(publish), 0,
     "write bmclink-bmc-reachable and bmclink-bmc-power (on change)"},
    {BK_HB, "sel", BL_CONF_BOOL, "true", 0, 0, NULL, NULL, H(sel), 0,
     "read the local BMC's SEL: its events set #health-bmc"},
    {BK_HB, "sel_interval_ms", BL_CONF_MS, "5000", 200, 3600000, NULL, NULL, H(sel_interval_ms), 0,
     "one Get SEL Info (new entries?) per interval"},
    {BK_HB, "sel_state_dir", BL_CONF_STRING, "/var/lib/bmclink", 0, BL_BMC_PATH_MAX - 1, NULL, NULL,
     H(sel_state_dir), 0, "where the SEL position survives restarts (empty: kept in memory only)"},
    {BK_HEALTH, "enabled", BL_CONF_BOOL, "true", 0, 0, NULL, NULL, E(enabled), 0,
     "recoverable notices set #health-bmc on the node"},
    {BK_HEALTH, "hold", BL_CONF_SECONDS, "600", 1, 86400, NULL, NULL, E(hold_s), 0,
     "s a condition holds without its deassertion"},
    {BK_HEALTH, "red_severity", BL_CONF_CUSTOM, "critical", 0, 0, SEVERITIES, bk_severity,
     E(red_severity), 0, "PET severity at or above which the node is red"},
    {BK_REC, "action", BL_CONF_CUSTOM, "failover", 0, 0,
     "failover, restart, standby, stop-cluster, script or none", bk_kind, R(kind), 0,
     "failover, restart, standby, stop-cluster, script or none"},
    {BK_REC, "target", BL_CONF_STRING, NULL, 0, BL_REC_NAME_MAX - 1, NULL, NULL, R(target), 0,
     "the resource or group to fail over or restart"},
    {BK_REC, "attribute", BL_CONF_STRING, "bmclink-evacuate", 1, BL_REC_NAME_MAX - 1, NULL, NULL,
     R(attribute), 0, "failover: transient node attribute set to 1"},
    {BK_REC, "timeout_ms", BL_CONF_MS, "20000", 500, 3600000, NULL, NULL, R(timeout_ms), 0,
     "bound of the action; below the BMC's reset window"},
    {BK_REC, "poll_ms", BL_CONF_MS, "500", 50, 10000, NULL, NULL, R(poll_ms), 0,
     "between two looks at where the target runs"},
    {BK_REC, "clear_after_ms", BL_CONF_MS, "60000", 1000, 3600000, NULL, NULL, R(clear_after_ms), 0,
     "undo the action if the node was not reset by then"},
    {BK_REC, "reset_window_ms", BL_CONF_MS, "30000", 1000, 3600000, NULL, NULL, R(reset_window_ms),
     0, "the BMC's reset window W (checked, not enforced)"},
    {BK_REC, "notice_timeout_ms", BL_CONF_MS, "3000", 100, 60000, NULL, NULL, R(notice_timeout_ms),
     0, "give a notice up after this"},
    {BK_REC, "pet_ack", BL_CONF_BOOL, "true", 0, 0, NULL, NULL, R(pet_ack), 0,
     "acknowledge PETs (NetFn 0x04 Cmd 0x17)"},
    {BK_REC, "notice_start", BL_CONF_CUSTOM, "0x30:0x81", 0, 0, "NETFN:CMD[:DATA...] in hex",
     bk_cmd, R(start), 0, "start notice NETFN:CMD[:DATA...]"},
    {BK_REC, "notice_end", BL_CONF_CUSTOM, "0x30:0x82", 0, 0, "NETFN:CMD[:DATA...] in hex", bk_cmd,
     R(end), 0, "end notice NETFN:CMD[:DATA...]"},
    {BK_REC, "end_result_byte", BL_CONF_BOOL, "true", 0, 0, NULL, NULL, R(end_result_byte), 0,
     "append the result code to the end notice"},
    {BK_REC, "end_codes", BL_CONF_CUSTOM, "0x00;0x01;0x02;0x03", 0, 0,
     "four hex bytes, ';' between", bk_codes, R(end_codes), 0,
     "codes for success;timeout;failed;no-node"},
    {BK_REC, "script", BL_CONF_STRING, NULL, 0, BL_BMC_PATH_MAX - 1, NULL, NULL, R(script), 0,
     "action = script: absolute path, run with BMCLINK_* variables"},
    {BK_REC, "stop_command", BL_CONF_STRING, "systemctl stop pacemaker.service corosync.service", 1,
     511, NULL, NULL, R(stop_command), 0,
     "action = stop-cluster: the command (split like a shell would, never run by one)"},
    {NULL, NULL, 0, NULL, 0, 0, NULL, NULL, 0, 0, NULL},
};

#define KINDS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ---- BMC access ---- */

/* Read the password from its file: a regular file nobody else may read. */
static int
bk_read_password(struct bl_conf *f, const char *group, const char *path, char *out)
{
    g_autofree char *text = NULL;
    unsigned mode = 0;
    size_t len;
    int rc = bl_conf_read_file(path, BK_PASSWORD_FILE_MAX, &text, &mode);

    if (rc != BL_OK) {
        return bl_conf_fail(f, group, "password_file", "%s: %s", path, g_strerror(-rc));
    }
    len = strcspn(text, "\r\n");
    explicit_bzero(text + len, strlen(text + len)); /* a second line is nobody's business */
    if ((mode & S_IROTH) != 0 || len == 0 || len > BL_IPMI_PASSWORD_MAX) {
        explicit_bzero(text, len);
        return bl_conf_fail(f, group, "password_file", "%s: %s", path,
                            (mode & S_IROTH) != 0 ? "world-readable: chmod o-r"
                                                  : "empty, or longer than an IPMI password");
    }
    memcpy(out, text, len + 1);
    explicit_bzero(text, len);
    return BL_OK;
}

/* The node's access into IPMI session parameters. */
static int
bk_params(struct bl_conf *f, const char *group, struct bk_access *a, struct bl_ipmi_params *p)
{
    const char *why = NULL;
    int rc;

    if (a->address[0] == '\0') {
        return bl_conf_fail(f, group, "address", "a numeric BMC address is required");
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
    p->cipher = a->cipher;
    p->priv = a->priv;
    p->msg_timeout_ms = a->retransmit_ms;
    if (a->kg[0] != '\0' && bl_ipmi_parse_kg_hex(a->kg, p->kg, &p->kg_len) != BL_OK) {
        return bl_conf_fail(f, group, "kg", "invalid value");
    }
    if (bl_ipmi_params_check(p, &why) != BL_OK) {
        return bl_conf_fail(f, group, NULL, "%s", why != NULL ? why : "IPMI settings refused");
    }
    return BL_OK;
}

/* Names of every node with a BMC: [trap-node NAME] and [bmc-node NAME], each once. */
static GPtrArray *
bk_node_names(struct bl_conf *f)
{
    g_auto(GStrv) groups = g_key_file_get_groups(bl_conf_keyfile(f), NULL);
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

/* The address of [trap-node NAME]'s bmc when [bmc-node NAME] gives none; a port there (the
 * trap source's, ignored) or a name leaves it unset, which bk_params() reports. */
static void
bk_trap_bmc(struct bl_conf *f, const char *trap_group, struct bk_access *a)
{
    g_autofree char *bmc = g_key_file_get_string(bl_conf_keyfile(f), trap_group, "bmc", NULL);
    const struct bl_conf_key *k = bl_conf_find(bl_bmc_conf_keys, BK_NODE, "address");

    if (bmc != NULL && bl_conf_store(NULL, NULL, k, g_strstrip(bmc), a) != BL_OK) {
        a->address[0] = '\0';
    }
}

static int
bk_node(struct bl_conf *f, const char *name, const struct bk_access *base, struct bl_bmc_node *out)
{
    g_autofree char *group = g_strdup_printf(BK_NODE " %s", name);
    g_autofree char *trap_group = g_strdup_printf(BK_TRAP_NODE " %s", name);
    struct bk_access a = *base;
    int rc;

    if (strlen(name) == 0 || strlen(name) >= sizeof(out->node)) {
        return bl_conf_fail(f, group, NULL, "node name empty or too long");
    }
    snprintf(out->node, sizeof(out->node), "%s", name);
    bk_trap_bmc(f, trap_group, &a);
    rc = bl_conf_apply(f, group, bl_bmc_conf_keys, KINDS(BK_NODE, BK_BMC), &a);
    if (rc == BL_OK) {
        rc = bk_params(f, g_key_file_has_group(bl_conf_keyfile(f), group) ? group : trap_group, &a,
                       &out->ipmi);
    }
    out->path = a.path;
    memcpy(out->device, a.device, sizeof(out->device));
    explicit_bzero(&a, sizeof(a));
    return rc;
}

static void
bk_nodes(struct bl_conf *f, struct bl_bmc_config *cfg)
{
    g_autoptr(GPtrArray) names = bk_node_names(f);
    struct bk_access base = {0};

    (void) bl_conf_defaults(bl_bmc_conf_keys, BK_BMC, &base);
    if (bl_conf_apply(f, BK_BMC, bl_bmc_conf_keys, KINDS(BK_BMC), &base) != BL_OK) {
        explicit_bzero(&base, sizeof(base));
        return; /* every node would repeat it */
    }
    if (names->len > BL_BMC_NODES_MAX) {
        bl_conf_fail(f, BK_BMC, NULL, "more than %d nodes", BL_BMC_NODES_MAX);
        g_ptr_array_set_size(names, BL_BMC_NODES_MAX);
    }
    cfg->nodes = g_new0(struct bl_bmc_node, names->len > 0 ? names->len : 1);
    for (size_t i = 0; i < names->len; i++) {
        struct bl_bmc_node *n = &cfg->nodes[cfg->n_nodes];

        if (bk_node(f, names->pdata[i], &base, n) == BL_OK) {
            cfg->n_nodes++;
        } else {
            bl_ipmi_params_wipe(&n->ipmi); /* it may hold the password already */
        }
    }
    explicit_bzero(&base, sizeof(base));
}

/* ---- recovery ---- */

/* What the values mean together; every problem is said. */
static int
bk_recovery_check(struct bl_conf *f, const struct bk_recovery *r)
{
    enum bl_rec_kind k = r->kind;
    int rc = BL_OK;

    if ((k == BL_REC_FAILOVER || k == BL_REC_STANDBY || k == BL_REC_RESTART) &&
        r->target[0] == '\0') {
        rc = bl_conf_fail(f, BK_REC, "target", "required with action = %s", bl_rec_kind_name(k));
    }
    if (k == BL_REC_SCRIPT && r->script[0] != '/') {
        rc = bl_conf_fail(f, BK_REC, "script", "an absolute path is required with action = script");
    }
    if (r->timeout_ms >= r->reset_window_ms) {
        rc = bl_conf_fail(f, BK_REC, "timeout_ms", "must be below reset_window_ms (%u)",
                          r->reset_window_ms);
    }
    if (r->poll_ms >= r->timeout_ms) {
        rc = bl_conf_fail(f, BK_REC, "poll_ms", "must be below timeout_ms");
    }
    return rc;
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

static void
bk_recovery(struct bl_conf *f, struct bl_bmc_config *cfg)
{
    struct bk_recovery r = {0};
    char **argv = NULL;

    (void) bl_conf_defaults(bl_bmc_conf_keys, BK_REC, &r);
    if (!g_key_file_has_group(bl_conf_keyfile(f), BK_REC)) {
        r.kind = BL_REC_NONE; /* no [recovery]: notices are answered, nothing is moved */
    }
    if (bl_conf_apply(f, BK_REC, bl_bmc_conf_keys, KINDS(BK_REC), &r) != BL_OK ||
        bk_recovery_check(f, &r) != BL_OK) {
        return;
    }
    if (!g_shell_parse_argv(r.stop_command, NULL, &argv, NULL)) {
        bl_conf_fail(f, BK_REC, "stop_command", "cannot be split into words");
        return;
    }
    bk_recovery_convert(&r, argv, &cfg->rec);
}

static void
bk_section(struct bl_conf *f, const char *group, void *base)
{
    (void) bl_conf_defaults(bl_bmc_conf_keys, group, base);
    (void) bl_conf_apply(f, group, bl_bmc_conf_keys, KINDS(group), base);
}

int
bl_bmc_config_load(const char *path, struct bl_bmc_config **out, char **errmsg)
{
    const struct bl_conf_key *const tables[] = {bl_bmc_conf_keys, bl_trap_conf_keys};
    struct bl_bmc_config *cfg;
    struct bl_conf *f = NULL;
    int rc;

    if (path == NULL || out == NULL) {
        return BL_E_INVALID;
    }
    *out = NULL;
    rc = bl_conf_open(path, &f, errmsg);
    if (rc != BL_OK) {
        return rc;
    }
    /* the trap side's groups are known here too: this reader refuses what neither reads */
    (void) bl_conf_check_groups(f, tables, G_N_ELEMENTS(tables), true);
    cfg = g_new0(struct bl_bmc_config, 1);
    bk_section(f, BK_HB, &cfg->hb);
    bk_section(f, BK_HEALTH, &cfg->health);
    bk_recovery(f, cfg);
    bk_nodes(f, cfg);
    rc = bl_conf_result(f, errmsg);
    bl_conf_close(f);
    if (rc != BL_OK) {
        bl_bmc_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return BL_OK;
}

int
bl_bmc_config_node_address(const char *path, const char *node, char *host, size_t cap,
                           uint16_t *port, char **errmsg)
{
    g_autofree char *group = g_strdup_printf(BK_NODE " %s", node != NULL ? node : "");
    g_autofree char *trap_group = g_strdup_printf(BK_TRAP_NODE " %s", node != NULL ? node : "");
    struct bk_access a = {0};
    struct bl_conf *f = NULL;
    GKeyFile *kf;
    int rc;

    if (node == NULL || host == NULL || port == NULL || cap == 0) {
        return BL_E_INVALID;
    }
    rc = bl_conf_open(path, &f, errmsg);
    if (rc != BL_OK) {
        return rc;
    }
    kf = bl_conf_keyfile(f);
    /* the node's keys over [bmc]'s, as bk_node() takes them; no password file is read */
    (void) bl_conf_defaults(bl_bmc_conf_keys, BK_BMC, &a);
    (void) bl_conf_apply(f, BK_BMC, bl_bmc_conf_keys, KINDS(BK_BMC), &a);
    bk_trap_bmc(f, trap_group, &a);
    (void) bl_conf_apply(f, group, bl_bmc_conf_keys, KINDS(BK_NODE, BK_BMC), &a);
    rc = bl_conf_result(f, errmsg);
    if (rc == BL_OK && !g_key_file_has_group(kf, group) && !g_key_file_has_group(kf, trap_group)) {
        rc = -ENOENT;
    }
    if (rc == BL_OK && (a.address[0] == '\0' || strlen(a.address) >= cap)) {
        rc = BL_E_INVALID;
    }
    if (rc == BL_OK) {
        memcpy(host, a.address, strlen(a.address) + 1);
        *port = (uint16_t) a.port;
    }
    bl_conf_close(f);
    explicit_bzero(&a, sizeof(a));
    return rc;
}

/* Lines of more not yet in all (the trap side and this reader may both see a secret). */
static void
bk_join(GString *all, const char *more)
{
    g_auto(GStrv) lines = g_strsplit(more != NULL ? more : "", "\n", -1);
    g_auto(GStrv) have = g_strsplit(all->str, "\n", -1);

    for (size_t i = 0; lines[i] != NULL; i++) {
        if (lines[i][0] != '\0' && !g_strv_contains((const gchar *const *) have, lines[i])) {
            g_string_append_printf(all, "%s%s", all->len > 0 ? "\n" : "", lines[i]);
        }
    }
}

int
bl_bmclink_conf_check(const char *path, const char *node, struct bl_bmc_config **out, char **errmsg)
{
    g_autoptr(GString) all = g_string_new(NULL);
    struct bl_trap_node_config tcfg;
    char *msg = NULL;
    int rc = bl_bmc_config_load(path, out, &msg);
    int rc2;

    if (rc != BL_OK && rc != BL_E_INVALID) {
        *errmsg = msg; /* the file itself: the trap side would say the same */
        return rc;
    }
    bk_join(all, msg);
    g_clear_pointer(&msg, g_free);
    rc2 = bl_trap_config_check(path, &msg);
    bk_join(all, msg);
    g_clear_pointer(&msg, g_free);
    if (rc2 == BL_OK && node != NULL) {
        rc2 = bl_trap_config_load(path, node, &tcfg, &msg);
        explicit_bzero(&tcfg, sizeof(tcfg));
        bk_join(all, msg);
        g_free(msg);
    }
    rc = rc != BL_OK ? rc : rc2;
    if (rc != BL_OK) {
        *errmsg = g_strdup(all->str);
    }
    return rc;
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
