/*
 * Every prerequisite of the vendor's cluster guide that can be read, checked over every
 * node's facts (esm_facts.c) and the managed servers' trap destinations: one line per
 * violation, naming the node and saying what to do, with the guide's lines (docs/esm.md).
 */
#include "esm.h"

#include <string.h>

/* Guide lines for each version (Ver.4, Ver.5, Ver.6), picked by the site's version. */
struct refs {
    const char *v[3];
};

static const struct refs ref_same_version = {{"591", "1225", "2149"}};
static const struct refs ref_same_folder = {{"592", "1226", "2150"}};
static const struct refs ref_startup = {
    {"613-629", "1246-1266, 2007-2015", "2195-2224, 2872-2875"}};
static const struct refs ref_folders = {{"631-646", "1268-1324", "2226-2280"}};
static const struct refs ref_manager_name = {{"655-666", "1431-1447", "2289-2311"}};
static const struct refs ref_registry = {{"700-722", "1607-1629", "2435-2473"}};
static const struct refs ref_mghtplog = {{"1079-1091", "2021-2033", "2878-2889"}};
static const struct refs ref_traps = {{"994-996", "1925-1926", "2827-2829"}};

static const char *
ref(const struct bl_esm_site *s, const struct refs *r)
{
    return r->v[s->version[0] - '4'];
}

static void G_GNUC_PRINTF(2, 3) line(GPtrArray *lines, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_ptr_array_add(lines, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

static bool
same_version(const char *a, const char *b)
{
    int cmp = 1;

    return bl_chain_version_compare(a, b, &cmp) == 0 && cmp == 0;
}

static void
check_install(const struct bl_esm_site *s, const struct bl_esm_facts *f, GPtrArray *lines)
{
    if (!f->install_dir) {
        line(lines,
             "%s: %s missing: install the manager in the same folder on every node "
             "(guide line %s)",
             f->node, s->install_dir, ref(s, &ref_same_folder));
        return;
    }
    if (f->version == NULL) {
        line(lines,
             "%s: cannot read the installed version from %s: put it there, or set "
             "[check] version_file",
             f->node, s->version_file);
    } else if (!same_version(f->version, s->version)) {
        line(lines,
             "%s: manager version %s installed, the site says %s: the same version on "
             "every node (guide line %s)",
             f->node, f->version, s->version, ref(s, &ref_same_version));
    }
}

static void
check_lists(const struct bl_esm_site *s, const struct bl_esm_facts *f, GPtrArray *lines)
{
    for (size_t i = 0; f->member_problems[i] != NULL; i++) {
        const char *p = f->member_problems[i];
        if (strstr(p, "boot") != NULL) {
            /* the kind's own line says what to do (systemctl disable, update-rc.d ...) */
            line(lines, "%s: %s (guide lines %s)", f->node, p, ref(s, &ref_startup));
        } else {
            line(lines,
                 "%s: %s: the chain cannot start here until it is fixed (install the "
                 "program, or map the member in the site's chain file)",
                 f->node, p);
        }
    }
    for (size_t i = 0; f->folders_missing[i] != NULL; i++) {
        line(lines,
             "%s: folder %s missing: it is the install-time copy the volume's folder "
             "is made from (guide lines %s)",
             f->node, f->folders_missing[i], ref(s, &ref_folders));
    }
    for (size_t i = 0; f->files_missing[i] != NULL; i++) {
        line(lines,
             "%s: %s missing: copy it from another node's service folder (guide lines "
             "2177-2183)",
             f->node, f->files_missing[i]);
    }
}

static void
check_names(const struct bl_esm_site *s, const struct bl_esm_facts *f, GPtrArray *lines)
{
    if (f->nvisord_name != NULL ? strcmp(f->nvisord_name, s->manager_name) != 0
                                : s->version[0] == '4') {
        line(lines,
             "%s: CommunityName in NVWORK/local/nvisord.cf is %s%s%s, the manager name "
             "is \"%s\": write CommunityName: \"%s\" (the manager's name, not an SNMP "
             "community; guide lines %s)",
             f->node, f->nvisord_name ? "\"" : "", f->nvisord_name ? f->nvisord_name : "not set",
             f->nvisord_name ? "\"" : "", s->manager_name, s->manager_name,
             ref(s, &ref_manager_name));
    }
    if (s->version[0] == '6' && (f->sm_name == NULL || strcmp(f->sm_name, s->manager_name) != 0)) {
        line(lines,
             "%s: SM_NAME in service/options.txt is %s, the manager name is \"%s\": "
             "write SM_NAME=\"%s\" (guide lines 2289-2311)",
             f->node, f->sm_name ? f->sm_name : "not set", s->manager_name, s->manager_name);
    }
}

static void
check_fip(const struct bl_esm_site *s, const struct bl_esm_facts *f, GPtrArray *lines)
{
    int cmp = -1;
    bool has_indication = s->version[0] == '6' ||
                          (bl_chain_version_compare(s->version, "5.5", &cmp) == 0 && cmp >= 0);

    if (s->version[0] == '4') {
        return;
    }
    if (f->cluster_fip == NULL || strcmp(f->cluster_fip, s->floating_ip) != 0) {
        line(lines,
             "%s: CLUSTER_FIP in service/options.txt is %s, not the floating IP %s: "
             "write CLUSTER_FIP=%s (guide lines %s)",
             f->node, f->cluster_fip ? f->cluster_fip : "not set", s->floating_ip, s->floating_ip,
             s->version[0] == '5' ? "1582-1590" : "2414-2420");
    }
    if (has_indication &&
        (f->indication_ip == NULL || strcmp(f->indication_ip, s->floating_ip) != 0)) {
        line(lines,
             "%s: indicationReceiveGlobalIp in subscribeSetting.properties is %s, not the "
             "floating IP %s (guide lines %s)",
             f->node, f->indication_ip ? f->indication_ip : "not set", s->floating_ip,
             s->version[0] == '5' ? "1592-1605" : "2422-2433");
    }
}

static void
check_agent(const struct bl_esm_site *s, const struct bl_esm_facts *f, GPtrArray *lines)
{
    if (!s->serveragent) {
        return;
    }
    for (int e = 0; e < BL_ESM_AGENT_EVENTS; e++) {
        const char *action = f->agent_events[e];
        if (action != NULL && strcmp(action, "nothing") == 0) {
            continue;
        }
        line(lines,
             "%s: ServerAgent event %s (ESMCOMMONSERVICE) after-report action is %s: "
             "set it from \"shutdown\" to \"do nothing\" with ESMamsadm, or the agent "
             "shuts the node down during a BMC recovery (hardware guide lines 238-270)",
             f->node, bl_esm_agent_event_ids[e],
             action != NULL ? action
                            : (s->agent_events_command ? "not reported by agent_events_command"
                                                       : "unknown (no [check] "
                                                         "agent_events_command)"));
    }
}

static void
check_registry(const struct bl_esm_site *s, const struct bl_esm_facts *f, GPtrArray *lines)
{
    if (!s->registry) {
        return;
    }
    if (!f->registry_read) {
        line(lines,
             "%s: cannot read this node's registry replica: is bmclinkd running there "
             "(bmclink status)?",
             f->node);
        return;
    }
    for (size_t i = 0; f->registry_missing[i] != NULL; i++) {
        line(lines,
             "%s: registry key %s missing: import the manager's keys once, on any node "
             "(bmclink-reg import --wow64 FILE.reg; guide lines %s)",
             f->node, f->registry_missing[i], ref(s, &ref_registry));
    }
}

/* MGHTPLOG.INF lives outside the shared folders: every node must have the active's copy. */
static void
check_mghtplog(const struct bl_esm_site *s, const struct bl_esm_facts *facts, size_t n,
               GPtrArray *lines)
{
    const struct bl_esm_facts *first = NULL;

    for (size_t i = 0; i < n; i++) {
        if (facts[i].mghtplog != NULL) {
            first = first != NULL ? first : &facts[i];
        }
    }
    for (size_t i = 0; first != NULL && i < n; i++) {
        if (g_strcmp0(facts[i].mghtplog, first->mghtplog) != 0) {
            line(lines,
                 "%s: AlertMan/Work/WMGReprt/MGHTPLOG.INF %s %s's: copy it from the "
                 "active node after every change (guide lines %s)",
                 facts[i].node, facts[i].mghtplog != NULL ? "differs from" : "missing, unlike",
                 first->node, ref(s, &ref_mghtplog));
        }
    }
}

/* The host of a net-snmp destination: "[udp:]HOST[:PORT]", "[udp6:][ADDR]:PORT". */
static char *
dest_host(const char *h)
{
    static const char *const transports[] = {"udp:", "tcp:", "udp6:", "tcp6:", "udpv6:", "tcpv6:"};
    const char *end;

    for (size_t i = 0; i < G_N_ELEMENTS(transports); i++) {
        if (g_str_has_prefix(h, transports[i])) {
            h += strlen(transports[i]);
            break;
        }
    }
    if (h[0] == '[') {
        end = strchr(h, ']');
        return end != NULL ? g_strndup(h + 1, (gsize) (end - h - 1)) : g_strdup(h);
    }
    end = strchr(h, ':');
    if (end != NULL && strchr(end + 1, ':') != NULL) {
        return g_strdup(h); /* a bare IPv6 address */
    }
    return g_strndup(h, end != NULL ? (gsize) (end - h) : strlen(h));
}

/* Trap destinations in a net-snmp configuration: trapsink/trap2sink/informsink HOST ... and
 * trapsess ... HOST (its last word). NULL for other lines. */
static char *
trap_host(const char *line_text)
{
    g_auto(GStrv) w = g_strsplit_set(line_text, " \t", -1);
    GPtrArray *words = g_ptr_array_new();
    char *host = NULL;

    for (size_t i = 0; w[i] != NULL; i++) {
        if (w[i][0] != '\0') {
            g_ptr_array_add(words, w[i]);
        }
    }
    if (words->len >= 2) {
        const char *kw = words->pdata[0];
        if (strcmp(kw, "trapsess") == 0) {
            host = dest_host(words->pdata[words->len - 1]);
        } else if (strcmp(kw, "trapsink") == 0 || strcmp(kw, "trap2sink") == 0 ||
                   strcmp(kw, "informsink") == 0) {
            host = dest_host(words->pdata[1]);
        }
    }
    g_ptr_array_free(words, TRUE);
    return host;
}

static void
check_managed(const struct bl_esm_site *s, const struct bl_esm_managed *m, GPtrArray *lines)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) conf = NULL;
    size_t found = 0;

    if (!g_file_get_contents(m->snmpd_conf, &text, NULL, NULL)) {
        line(lines, "managed %s: cannot read %s", m->name, m->snmpd_conf);
        return;
    }
    conf = g_strsplit(text, "\n", -1);
    for (size_t i = 0; conf[i] != NULL; i++) {
        g_autofree char *host = trap_host(g_strstrip(conf[i]));
        if (host == NULL) {
            continue;
        }
        found++;
        if (strcmp(host, s->floating_ip) != 0) {
            line(lines,
                 "managed %s: traps go to %s (%s line %zu), not the floating IP %s: with "
                 "a node's real address alerts are lost at failover (guide lines %s)",
                 m->name, host, m->snmpd_conf, i + 1, s->floating_ip, ref(s, &ref_traps));
        }
    }
    if (found == 0) {
        line(lines, "managed %s: no trap destination in %s: add trap2sink %s (guide lines %s)",
             m->name, m->snmpd_conf, s->floating_ip, ref(s, &ref_traps));
    }
}

static void
check_chain(const struct bl_esm_site *s, const struct bl_chain *chain, GPtrArray *lines)
{
    if (s->version[0] == '6' && bl_chain_find(chain, "EsmTrapRedirection") != NULL) {
        line(lines,
             "chain %s: Ver.6 has no Trap Redirection; a site updated from Ver.5 removes "
             "its [member EsmTrapRedirection] (guide lines 2595, 2730)",
             chain->name);
    }
    if (chain->version == NULL || !same_version(chain->version, s->version)) {
        line(lines,
             "chain %s: version %s, the site says %s: write it again on every node "
             "(bmclink esm chain %s > /etc/bmclink/chains/%s.chain)",
             chain->name, chain->version ? chain->version : "not set", s->version, s->source,
             s->chain);
    }
}

void
bl_esm_check(const struct bl_esm_site *s, const struct bl_chain *chain,
             const struct bl_esm_facts *facts, size_t n, GPtrArray *lines)
{
    check_chain(s, chain, lines);
    for (size_t k = 0; k < s->n_nodes; k++) {
        const struct bl_esm_facts *f = NULL;
        for (size_t i = 0; i < n && f == NULL; i++) {
            f = strcmp(facts[i].node, s->nodes[k].name) == 0 ? &facts[i] : NULL;
        }
        if (f == NULL) {
            line(lines, "%s: no facts from this node: run `bmclink esm facts %s` there",
                 s->nodes[k].name, s->source);
            continue;
        }
        check_install(s, f, lines);
        check_lists(s, f, lines);
        check_names(s, f, lines);
        check_fip(s, f, lines);
        check_agent(s, f, lines);
        check_registry(s, f, lines);
    }
    check_mghtplog(s, facts, n, lines);
    for (size_t i = 0; i < s->n_managed; i++) {
        check_managed(s, &s->managed[i], lines);
    }
}
