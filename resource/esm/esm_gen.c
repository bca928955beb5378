/*
 * The site's Pacemaker configuration, from one description of each resource (agent,
 * parameters, operations, meta) written out twice: as pcs commands (argv lists, run as they
 * are by `bmclink esm setup --apply`, printed shell-quoted) and as crmsh text. The shapes are
 * those of the examples in conf/, which the lab loads: fencing as stonith-pcs.sh.example,
 * the bmclinkd clone and the BMCNOTICE rule as pcmk-bmcnotice.pcs.sh.example, the group and
 * its constraints with the registry as servicechain-pcs.sh.example (and their crm twins).
 */
#include "esm.h"

#include <string.h>

/* Characters a shell word may hold unquoted. */
#define SHELL_PLAIN "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=,@%+-"

/* One Pacemaker resource, before it is written in either syntax. */
struct res {
    char *id;
    const char *agent;   /* "ocf:heartbeat:IPaddr2", "stonith:fence_bmclink" */
    GPtrArray *params;   /* "name=value" */
    const char *ops[3];  /* "monitor interval=10s timeout=20s", ... */
    const char *meta;    /* "name=value name=value", or NULL */
    const char *comment; /* one line, or NULL */
};

static void
res_clear(struct res *r)
{
    g_free(r->id);
    g_ptr_array_unref(r->params);
}

static void G_GNUC_PRINTF(2, 3) param(struct res *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_ptr_array_add(r->params, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

static struct res
res_new(const char *agent, const char *comment, char *id)
{
    return (struct res){.id = id,
                        .agent = agent,
                        .comment = comment,
                        .params = g_ptr_array_new_with_free_func(g_free)};
}

/* fence_bmclink for one node: the password stays in a root-only file, read by the agent
 * through password_script, so it is neither in the CIB nor in any process's arguments. */
static struct res
fence_res(const struct bl_esm_site *s, const struct bl_esm_node *n)
{
    struct res r = res_new("stonith:fence_bmclink", NULL, g_strdup_printf("fence-%s", n->name));

    param(&r, "ip=%s", n->bmc);
    param(&r, "ipport=623");
    param(&r, "username=%s", s->bmc_user);
    param(&r, "password_script=cat %s", s->bmc_password_file);
    param(&r, "lanplus=1");
    param(&r, "cipher=3");
    param(&r, "privlvl=administrator");
    param(&r, "method=onoff");
    param(&r, "power_timeout=20");
    param(&r, "pcmk_host_list=%s", n->name);
    r.ops[0] = "monitor interval=60s";
    return r;
}

/* bmclinkd on every node: the BMC notices and the synchronized registry. It keeps running
 * on a red node and without quorum (conf/pcmk-bmcnotice.pcs.sh.example says why). */
static struct res
bmclinkd_res(const struct bl_esm_site *s)
{
    struct res r = res_new("ocf:bmclink:bmclinkd",
                           "bmclinkd on every node: BMC notices (BMCNOTICE) and the "
                           "synchronized registry",
                           g_strdup("bmclinkd"));

    param(&r, "config=%s", s->bmclinkd_config);
    r.ops[0] = s->registry ? "monitor interval=5s timeout=20s" : "monitor interval=10s timeout=20s";
    r.ops[1] = "stop timeout=60s";
    r.meta = "requires=nothing allow-unhealthy-nodes=true";
    return r;
}

static struct res
ip_res(const struct bl_esm_site *s)
{
    struct res r = res_new("ocf:heartbeat:IPaddr2",
                           "the floating IP: managed servers send their traps here (guide "
                           "lines 994-996, 1925-1926, 2827-2829)",
                           g_strdup_printf("%s-ip", s->group));

    param(&r, "ip=%s", s->floating_ip);
    param(&r, "cidr_netmask=%u", s->cidr);
    if (s->nic != NULL) {
        param(&r, "nic=%s", s->nic);
    }
    r.ops[0] = "monitor interval=10s timeout=20s";
    return r;
}

static struct res
fs_res(const struct bl_esm_site *s)
{
    struct res r = res_new("ocf:heartbeat:Filesystem", "the shared volume",
                           g_strdup_printf("%s-fs", s->group));

    param(&r, "device=%s", s->volume_device);
    param(&r, "directory=%s", s->mount_dir);
    param(&r, "fstype=%s", s->fstype);
    r.ops[0] = "monitor interval=20s timeout=40s";
    /* a real write and read: a device failing or hanging under a file system still "rw"
     * (the chain's monitor sees read-only, unmounted, replaced, full; docs/servicechain.md) */
    r.ops[1] = "monitor interval=60s timeout=60s OCF_CHECK_LEVEL=20";
    return r;
}

static struct res
chain_res(const struct bl_esm_site *s, const struct bl_chain *chain)
{
    struct res r = res_new("ocf:bmclink:servicechain",
                           "the manager's services, in the guide's order, state on the volume",
                           g_strdup_printf("%s-chain", s->group));
    g_autofree char *folders = bl_esm_folders_param(s, chain);

    param(&r, "chain_file=%s", s->chain);
    param(&r, "state_dir=%s/state", s->mount_dir);
    param(&r, "volume_device=%s", s->volume_device);
    if (folders[0] != '\0') {
        param(&r, "folders=%s", folders);
    }
    if (s->folder_group != NULL) {
        param(&r, "folder_group=%s", s->folder_group);
    }
    if (s->registry) {
        param(&r, "registry_profile=/usr/share/bmclink/registry/%s", bl_esm_registry_profile(s));
        param(&r, "registry_render=%s", s->registry_render);
        param(&r, "registry_sync_timeout=60s");
    }
    r.ops[0] = "start timeout=300s";
    r.ops[1] = "stop timeout=300s";
    r.ops[2] = "monitor interval=10s timeout=30s";
    return r;
}

static struct bl_esm_cmd *
cmd_new(const char *comment, GPtrArray *argv)
{
    struct bl_esm_cmd *c = g_new0(struct bl_esm_cmd, 1);

    c->comment = g_strdup(comment);
    g_ptr_array_add(argv, NULL);
    c->argv = (char **) g_ptr_array_free(argv, FALSE);
    return c;
}

static void
cmd_free(gpointer p)
{
    struct bl_esm_cmd *c = p;

    g_free(c->comment);
    g_strfreev(c->argv);
    g_free(c);
}

/* Append the words of a space-separated list. */
static void
words(GPtrArray *argv, const char *list)
{
    g_auto(GStrv) w = g_strsplit(list, " ", -1);

    for (size_t i = 0; w[i] != NULL; i++) {
        g_ptr_array_add(argv, g_strdup(w[i]));
    }
}

static GPtrArray *
argv_of(const char *first, ...)
{
    GPtrArray *argv = g_ptr_array_new();
    va_list ap;

    va_start(ap, first);
    for (const char *w = first; w != NULL; w = va_arg(ap, const char *)) {
        g_ptr_array_add(argv, g_strdup(w));
    }
    va_end(ap);
    return argv;
}

/* pcs resource|stonith create ID AGENT params... op ... [meta ...] [tail words] */
static struct bl_esm_cmd *
pcs_create(const struct res *r, const char *tail)
{
    bool stonith = g_str_has_prefix(r->agent, "stonith:");
    GPtrArray *argv = argv_of("pcs", stonith ? "stonith" : "resource", "create", r->id,
                              stonith ? r->agent + strlen("stonith:") : r->agent, NULL);

    for (guint i = 0; i < r->params->len; i++) {
        g_ptr_array_add(argv, g_strdup(r->params->pdata[i]));
    }
    for (size_t i = 0; i < G_N_ELEMENTS(r->ops) && r->ops[i] != NULL; i++) {
        g_ptr_array_add(argv, g_strdup("op"));
        words(argv, r->ops[i]);
    }
    if (r->meta != NULL) {
        g_ptr_array_add(argv, g_strdup("meta"));
        words(argv, r->meta);
    }
    if (tail != NULL) {
        words(argv, tail);
    }
    return cmd_new(r->comment, argv);
}

static void
add_fencing(const struct bl_esm_site *s, GPtrArray *cmds)
{
    bool any = false;

    for (size_t i = 0; i < s->n_nodes; i++) {
        if (s->nodes[i].bmc == NULL) {
            continue;
        }
        struct res r = fence_res(s, &s->nodes[i]);
        struct bl_esm_cmd *c = pcs_create(&r, NULL);
        g_free(c->comment);
        c->comment =
            g_strdup_printf("fencing %s through its BMC (fence_bmclink)", s->nodes[i].name);
        g_ptr_array_add(cmds, c);
        g_ptr_array_add(cmds, cmd_new("never run a node's fence device on the node itself",
                                      argv_of("pcs", "constraint", "location", r.id, "avoids",
                                              s->nodes[i].name, NULL)));
        res_clear(&r);
        any = true;
    }
    if (any) {
        g_ptr_array_add(
            cmds, cmd_new(NULL, argv_of("pcs", "property", "set", "stonith-enabled=true", NULL)));
    }
}

static void
add_group(const struct bl_esm_site *s, const struct bl_chain *chain, GPtrArray *cmds)
{
    g_autofree char *tail = g_strdup_printf("--group %s", s->group);
    g_autofree char *tail_disabled = g_strdup_printf("--group %s --disabled", s->group);
    struct res r[3] = {ip_res(s), fs_res(s), chain_res(s, chain)};

    for (size_t i = 0; i < 3; i++) {
        /* the chain disabled until its constraints exist */
        g_ptr_array_add(cmds, pcs_create(&r[i], i == 2 ? tail_disabled : tail));
        res_clear(&r[i]);
    }
    g_ptr_array_add(cmds, cmd_new("stay where it runs: every move restarts the manager",
                                  argv_of("pcs", "resource", "meta", s->group,
                                          "resource-stickiness=100", NULL)));
}

static void
add_constraints(const struct bl_esm_site *s, GPtrArray *cmds)
{
    g_autofree char *rule_id = g_strdup_printf("constraint-id=bmclink-evacuate-%s", s->group);
    g_autofree char *chain_id = g_strdup_printf("%s-chain", s->group);

    if (s->registry) {
        g_ptr_array_add(cmds,
                        cmd_new("the registry's daemon first when both start together, "
                                "and only then (docs/servicechain.md: why Optional)",
                                argv_of("pcs", "constraint", "order", "start", "bmclinkd-clone",
                                        "then", "start", s->group, "kind=Optional", NULL)));
        g_ptr_array_add(cmds, cmd_new("only on nodes where the daemon runs",
                                      argv_of("pcs", "constraint", "colocation", "add", s->group,
                                              "with", "bmclinkd-clone", "INFINITY", NULL)));
    }
    g_ptr_array_add(cmds,
                    cmd_new("BMCNOTICE: off the node whose BMC reported a fatal fault "
                            "(docs/bmcnotice.md)",
                            argv_of("pcs", "constraint", "location", s->group, "rule", rule_id,
                                    "score=-INFINITY", "bmclink-evacuate", "eq", "1", NULL)));
    g_ptr_array_add(cmds, cmd_new("node health from the BMCs: a red node runs nothing",
                                  argv_of("pcs", "property", "set",
                                          "node-health-strategy=migrate-on-red", NULL)));
    g_ptr_array_add(cmds, cmd_new(NULL, argv_of("pcs", "resource", "enable", chain_id, NULL)));
}

GPtrArray *
bl_esm_pcs_commands(const struct bl_esm_site *s, const struct bl_chain *chain)
{
    GPtrArray *cmds = g_ptr_array_new_with_free_func(cmd_free);
    struct res d = bmclinkd_res(s);

    add_fencing(s, cmds);
    if (s->bmclinkd_clone) {
        g_ptr_array_add(cmds, pcs_create(&d, "clone interleave=true allow-unhealthy-nodes=true"));
    }
    res_clear(&d);
    add_group(s, chain, cmds);
    add_constraints(s, cmds);
    return cmds;
}

/* crmsh keeps comments in the CIB as XML comments: no "--" in them. */
static void
script_header(const struct bl_esm_site *s, GString *out, const char *how)
{
    g_string_append_printf(
        out,
        "# The server manager's cluster, written by `bmclink esm setup%s %s`\n"
        "# (docs/esm.md). Before: on every node the manager installed in %s,\n"
        "# its services disabled at boot, /etc/bmclink/chains/%s.chain (`bmclink "
        "esm chain`),\n# %s, and `bmclink esm check %s` clean.\n",
        how, s->source, s->install_dir, s->chain, s->bmclinkd_config, s->source);
}

char *
bl_esm_cmd_line(const struct bl_esm_cmd *c)
{
    GString *out = g_string_new(NULL);

    for (size_t w = 0; c->argv[w] != NULL; w++) {
        bool plain = strspn(c->argv[w], SHELL_PLAIN) == strlen(c->argv[w]);
        g_autofree char *quoted = plain ? g_strdup(c->argv[w]) : g_shell_quote(c->argv[w]);
        g_string_append_printf(out, "%s%s", w > 0 ? " " : "", quoted);
    }
    return g_string_free(out, FALSE);
}

char *
bl_esm_pcs_script(const struct bl_esm_site *s, const struct bl_chain *chain)
{
    g_autoptr(GPtrArray) cmds = bl_esm_pcs_commands(s, chain);
    GString *out = g_string_new("#!/bin/sh\n");

    script_header(s, out, "");
    g_string_append(out, "set -eu\n");
    for (guint i = 0; i < cmds->len; i++) {
        const struct bl_esm_cmd *c = cmds->pdata[i];
        g_autofree char *cmd_line = bl_esm_cmd_line(c);
        if (c->comment != NULL) {
            g_string_append_printf(out, "\n# %s\n", c->comment);
        }
        g_string_append_printf(out, "%s\n", cmd_line);
    }
    return g_string_free(out, FALSE);
}

/* crmsh: primitive ID AGENT params k="v" ... op ... meta ... */
static void
crm_primitive(GString *out, const struct res *r)
{
    if (r->comment != NULL) {
        g_string_append_printf(out, "# %s\n", r->comment);
    }
    g_string_append_printf(out, "primitive %s %s", r->id, r->agent);
    for (guint i = 0; i < r->params->len; i++) {
        const char *kv = r->params->pdata[i];
        const char *eq = strchr(kv, '=');
        g_string_append_printf(out, "%s%.*s=\"%s\"", i == 0 ? " \\\n    params " : " ",
                               (int) (eq - kv), kv, eq + 1);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(r->ops) && r->ops[i] != NULL; i++) {
        g_string_append_printf(out, " \\\n    op %s", r->ops[i]);
        if (g_str_has_prefix(r->ops[i], "start ") || g_str_has_prefix(r->ops[i], "stop ")) {
            g_string_append(out, " interval=0");
        }
    }
    if (r->meta != NULL) {
        g_string_append_printf(out, " \\\n    meta %s", r->meta);
    }
    g_string_append_c(out, '\n');
}

/* \return whether any fence device was made */
static bool
crm_fencing(const struct bl_esm_site *s, GString *out)
{
    bool any = false;

    for (size_t i = 0; i < s->n_nodes; i++) {
        if (s->nodes[i].bmc == NULL) {
            continue;
        }
        struct res r = fence_res(s, &s->nodes[i]);
        crm_primitive(out, &r);
        g_string_append_printf(out, "location l-%s %s -inf: %s\n", r.id, r.id, s->nodes[i].name);
        res_clear(&r);
        any = true;
    }
    return any;
}

char *
bl_esm_crm_text(const struct bl_esm_site *s, const struct bl_chain *chain)
{
    GString *out = g_string_new(NULL);
    struct res d = bmclinkd_res(s);
    struct res r[3] = {ip_res(s), fs_res(s), chain_res(s, chain)};

    script_header(s, out, " (crm)");
    g_string_append(out, "# Load with: crm configure load update FILE\n");
    bool fencing = crm_fencing(s, out);
    if (s->bmclinkd_clone) {
        crm_primitive(out, &d);
        g_string_append(out, "clone bmclinkd-clone bmclinkd \\\n    meta interleave=true "
                             "allow-unhealthy-nodes=true\n");
    }
    for (size_t i = 0; i < 3; i++) {
        crm_primitive(out, &r[i]);
    }
    g_string_append_printf(out, "group %s %s %s %s \\\n    meta resource-stickiness=100\n",
                           s->group, r[0].id, r[1].id, r[2].id);
    if (s->registry) {
        g_string_append_printf(out, "order %s-after-bmclinkd Optional: bmclinkd-clone %s\n",
                               s->group, s->group);
        g_string_append_printf(out, "colocation %s-with-bmclinkd inf: %s bmclinkd-clone\n",
                               s->group, s->group);
    }
    g_string_append_printf(out,
                           "location bmclink-evacuate-%s %s \\\n    rule -inf: "
                           "bmclink-evacuate eq 1\n",
                           s->group, s->group);
    /* one property line: crmsh makes each a cib-bootstrap-options set of its own */
    g_string_append_printf(out, "property %snode-health-strategy=migrate-on-red\n",
                           fencing ? "stonith-enabled=true " : "");
    res_clear(&d);
    for (size_t i = 0; i < 3; i++) {
        res_clear(&r[i]);
    }
    return g_string_free(out, FALSE);
}
