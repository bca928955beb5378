/*
 * `bmclink esm`'s library: the site file, the generated Pacemaker configuration (pcs argv
 * and crmsh text), the update plan, one node's facts against a fake install tree and fake
 * seams, the facts text (hostile input included), and the checks, one line per violation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "chain_test_util.h"

#include "bl_result.h"
#include "esm.h"

#include <glib.h>
#include <string.h>
#include <sys/wait.h>

static const char site_text[] = "[site]\n"
                                "version = 6.40\n"
                                "features = dmi_events cooperator\n"
                                "install_dir = %s/opt/esm\n"
                                "manager_name = mgr_ESMPRO\n"
                                "folder_group = esmpro\n"
                                "floating_ip = 192.168.0.11\n"
                                "floating_cidr = 24\n"
                                "volume_device = /dev/disk/by-label/esm-shared\n"
                                "nodes = node1 node2\n"
                                "[bmc]\n"
                                "node1 = 10.231.2.21\n"
                                "node2 = 10.231.2.22\n"
                                "[check]\n"
                                "serveragent = yes\n"
                                "agent_events_command = /usr/bin/agent-events --list\n"
                                "[managed]\n"
                                "host1 = %s/host1-snmpd.conf\n";

static const char *const chain_dirs[] = {BL_SOURCE_DIR "/conf/chains", NULL};

static void
assert_contains(const char *haystack, const char *needle)
{
    if (haystack == NULL || strstr(haystack, needle) == NULL) {
        fail_msg("'%s' not found in:\n%s", needle, haystack != NULL ? haystack : "(null)");
    }
}

static void
write_tmp(const char *rel, const char *text)
{
    g_autofree char *path = tmp_path(rel);
    g_autofree char *dir = g_path_get_dirname(path);

    assert_int_equal(g_mkdir_with_parents(dir, 0755), 0);
    assert_true(g_file_set_contents(path, text, -1, NULL));
}

static struct bl_esm_site *
load(const char *extra, struct bl_chain **chain)
{
    g_autofree char *text = g_strdup_printf(site_text, tmpdir, tmpdir);
    g_autofree char *all = g_strconcat(text, extra, NULL);
    g_autofree char *path = tmp_path("site.conf");
    g_autofree char *err = NULL;
    struct bl_esm_site *s = NULL;

    assert_true(g_file_set_contents(path, all, -1, NULL));
    if (bl_esm_site_load(path, &s, &err) != 0) {
        fail_msg("%s", err);
    }
    if (chain != NULL && bl_esm_chain_load(s, chain_dirs, chain, &err) != 0) {
        fail_msg("%s", err);
    }
    return s;
}

static void
test_site_file(void **state)
{
    struct bl_chain *chain = NULL;
    struct bl_esm_site *s = load("", &chain);
    g_autofree char *text = bl_esm_chain_text(s);
    g_autofree char *folders = bl_esm_folders_param(s, chain);
    g_autofree char *expect = NULL;

    (void) state;
    assert_string_equal(s->group, "esm");
    assert_string_equal(s->mount_dir, "/srv/esm");
    assert_int_equal(s->cidr, 24);
    assert_int_equal(s->n_nodes, 2);
    assert_string_equal(s->nodes[1].bmc, "10.231.2.22");
    assert_string_equal(bl_esm_profile(s), "esm-ver6");
    assert_string_equal(bl_esm_registry_profile(s), "esmpro-ver6.profile");
    assert_contains(text, "include = esm-ver6\nversion = 6.40\nfeatures = dmi_events cooperator\n");
    assert_int_equal(chain->n_members, 16); /* 6.40: the bridges; DMI events used */
    expect = g_strdup_printf("work=%s/opt/esm/NVWORK:::0775 service=%s/opt/esm/ESMWEB/wbserver/"
                             "webapps/esmpro/WEB-INF/service pkgpool=",
                             tmpdir, tmpdir);
    assert_contains(folders, expect);
    bl_chain_free(chain);
    bl_esm_site_free(s);
}

/* The shipped example loads and gives a chain. */
static void
test_site_example(void **state)
{
    struct bl_esm_site *s = NULL;
    struct bl_chain *chain = NULL;
    char *err = NULL;

    (void) state;
    if (bl_esm_site_load(BL_SOURCE_DIR "/conf/esm-site.conf.example", &s, &err) != 0) {
        fail_msg("%s", err);
    }
    if (bl_esm_chain_load(s, chain_dirs, &chain, &err) != 0) {
        fail_msg("%s", err);
    }
    assert_int_equal(chain->n_members, 16);
    assert_int_equal(s->n_managed, 0);
    bl_chain_free(chain);
    bl_esm_site_free(s);
}

static void
test_site_errors(void **state)
{
    g_autofree char *path = tmp_path("bad.conf");
    struct bl_esm_site *s = NULL;
    char *err = NULL;

    (void) state;
    assert_true(
        g_file_set_contents(path,
                            "[site]\nversion = 7.1\nfeatures = none\ninstall_dir = opt\n"
                            "floating_ip = 192.168.0.300\nvolume_device = /dev/x\n"
                            "nodes = node1\n[bmc]\nnode9 = 10.0.0.1\n[check]\nverbose = 1\n",
                            -1, NULL));
    assert_int_equal(bl_esm_site_load(path, &s, &err), BL_E_INVALID);
    assert_null(s);
    assert_contains(err,
                    "bad.conf:2: [site] version: invalid value '7.1' (expected a Ver.4, Ver.5 or "
                    "Ver.6 version");
    assert_contains(
        err, "bad.conf:4: [site] install_dir: invalid value 'opt' (expected an absolute path");
    assert_contains(err, "bad.conf:1: [site] manager_name: missing (required)");
    assert_contains(err,
                    "bad.conf:5: [site] floating_ip: invalid value '192.168.0.300' (expected a "
                    "numeric IPv4 or IPv6");
    assert_contains(err, "bad.conf:9: [bmc] node9: not in [site] nodes");
    assert_contains(err, "bad.conf:11: [check] verbose: unknown key");
    g_free(err);
    assert_int_equal(bl_esm_site_load("/nonexistent/site.conf", &s, &err), -ENOENT);
    g_free(err);
}

/* The pcs commands, in the order that never lets the chain start before its constraints. */
static void
test_pcs_commands(void **state)
{
    struct bl_chain *chain = NULL;
    struct bl_esm_site *s = load("", &chain);
    g_autoptr(GPtrArray) cmds = bl_esm_pcs_commands(s, chain);
    g_autofree char *script = bl_esm_pcs_script(s, chain);
    GString *all = g_string_new(NULL);

    (void) state;
    for (guint i = 0; i < cmds->len; i++) {
        const struct bl_esm_cmd *c = cmds->pdata[i];
        g_autofree char *line = g_strjoinv(" ", c->argv);
        g_string_append_printf(all, "%s\n", line);
    }
    assert_contains(all->str, "pcs stonith create fence-node1 fence_bmclink ip=10.231.2.21 "
                              "ipport=623 username=admin password_script=cat "
                              "/etc/bmclink/bmc-password lanplus=1");
    assert_contains(all->str, "pcs constraint location fence-node2 avoids node2\n");
    assert_contains(all->str, "pcs resource create bmclinkd ocf:bmclink:bmclinkd "
                              "config=/etc/bmclink/bmclinkd.conf op monitor interval=5s "
                              "timeout=20s op stop timeout=60s meta requires=nothing "
                              "allow-unhealthy-nodes=true clone interleave=true");
    assert_contains(all->str, "pcs resource create esm-ip ocf:heartbeat:IPaddr2 "
                              "ip=192.168.0.11 cidr_netmask=24 op monitor interval=10s "
                              "timeout=20s --group esm\n");
    /* Filesystem: mounted every 20 s, a real write and read every 60 s */
    assert_contains(all->str, "op monitor interval=20s timeout=40s op monitor interval=60s "
                              "timeout=60s OCF_CHECK_LEVEL=20 --group esm\n");
    assert_contains(all->str, "registry_profile=/usr/share/bmclink/registry/esmpro-ver6.profile");
    assert_contains(all->str, "--group esm --disabled\n");
    assert_contains(all->str, "pcs constraint order start bmclinkd-clone then start esm "
                              "kind=Optional\n");
    assert_contains(all->str, "pcs constraint location esm rule "
                              "constraint-id=bmclink-evacuate-esm score=-INFINITY "
                              "bmclink-evacuate eq 1\n");
    /* the IP first in the group, the chain enabled last */
    assert_true(strstr(all->str, "esm-ip") < strstr(all->str, "esm-fs"));
    assert_true(strstr(all->str, "esm-fs ocf") < strstr(all->str, "esm-chain ocf"));
    assert_true(g_str_has_suffix(all->str, "pcs resource enable esm-chain\n"));
    /* the script quotes what the shell would split */
    assert_contains(script, "'password_script=cat /etc/bmclink/bmc-password'");
    assert_contains(script, "'folders=work=");
    assert_contains(script, "set -eu\n");
    g_string_free(all, TRUE);
    bl_chain_free(chain);
    bl_esm_site_free(s);
}

static void
test_crm_text(void **state)
{
    struct bl_chain *chain = NULL;
    struct bl_esm_site *s = load("", &chain);
    g_autofree char *text = bl_esm_crm_text(s, chain);

    (void) state;
    assert_contains(text, "primitive fence-node1 stonith:fence_bmclink \\\n    params "
                          "ip=\"10.231.2.21\"");
    assert_contains(text, "location l-fence-node1 fence-node1 -inf: node1\n");
    assert_contains(text, "clone bmclinkd-clone bmclinkd \\\n    meta interleave=true "
                          "allow-unhealthy-nodes=true\n");
    assert_contains(text, "group esm esm-ip esm-fs esm-chain \\\n    meta "
                          "resource-stickiness=100\n");
    assert_contains(text, "op start timeout=300s interval=0 \\\n");
    assert_contains(text, "order esm-after-bmclinkd Optional: bmclinkd-clone esm\n");
    assert_contains(text, "colocation esm-with-bmclinkd inf: esm bmclinkd-clone\n");
    assert_contains(text, "location bmclink-evacuate-esm esm \\\n    rule -inf: "
                          "bmclink-evacuate eq 1\n");
    /* one property line (crmsh makes one set per line), no "--" in comments (XML) */
    assert_contains(text, "property stonith-enabled=true node-health-strategy=migrate-on-red\n");
    assert_null(strstr(strstr(text, "property ") + 1, "\nproperty "));
    assert_null(strstr(text, "--"));
    bl_chain_free(chain);
    bl_esm_site_free(s);

    /* a cluster that has the clone already (conf/pcmk-bmcnotice.*): constraints only */
    s = load("[site]\nbmclinkd_clone = false\n", &chain);
    g_free(text);
    text = bl_esm_crm_text(s, chain);
    assert_null(strstr(text, "primitive bmclinkd "));
    assert_contains(text, "order esm-after-bmclinkd Optional: bmclinkd-clone esm\n");
    bl_chain_free(chain);
    bl_esm_site_free(s);
}

static void
test_update_plan(void **state)
{
    struct bl_chain *chain = NULL;
    struct bl_esm_site *s = load("", &chain);
    g_autofree char *plan = bl_esm_update_plan(s, chain, false);
    g_autofree char *crm = bl_esm_update_plan(s, chain, true);

    (void) state;
    assert_contains(plan, "pcs resource unmanage esm-chain\n");
    /* stopped in the guide's stop order: the cooperator, then the chain last to first */
    assert_contains(plan, "systemctl stop esm-clusterprocooperator.service\n"
                          "      systemctl stop esm-dianascope-modemagent.service\n"
                          "      systemctl stop esm-esmwebcontainer.service\n");
    assert_contains(plan, "systemctl stop esm-alertmanagerhttpsservice.service\n"
                          "      systemctl stop esm-alertmanagerwmiservice.service\n");
    assert_contains(plan, "ServerManagerLog.properties");
    assert_contains(plan, "pcs resource manage esm-chain\n      pcs resource cleanup esm-chain\n");
    assert_true(strstr(plan, "unmanage") < strstr(plan, "installer"));
    assert_contains(crm, "crm resource unmanage esm-chain\n");
    bl_chain_free(chain);
    bl_esm_site_free(s);
}

/* Fake seams for gathering: the kind's node check and the programs run. */
static int
fake_check(const struct bl_chain_sys *sys, const struct bl_chain_member *const *m, size_t n,
           GString *problems)
{
    (void) sys;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(m[i]->name, "DianaScope-ModemAgent") == 0) {
            /* as the systemd kind says it */
            g_string_append_printf(problems,
                                   "member '%s': unit %s is enabled at boot; disable it, "
                                   "only the cluster may start it\n",
                                   m[i]->name, m[i]->unit);
            return BL_E_STATE;
        }
    }
    return 0;
}

static const struct bl_member_ops fake_kind = {.check = fake_check};

static int
fake_run(void *ctx, const struct bl_exec_req *req, struct bl_exec_res *res)
{
    (void) ctx;
    memset(res, 0, sizeof(*res));
    res->status = W_EXITCODE(0, 0);
    if (strcmp(req->argv[0], "/usr/bin/agent-events") == 0) {
        res->output = g_strdup("C00001FD nothing\nC0000203 shutdown\nother line\n");
    } else if (strcmp(req->argv[0], "/usr/bin/bmclink-reg") == 0) {
        /* render -o FILE: the replica lacks Socketr */
        assert_true(g_file_set_contents(
            req->argv[4],
            "Windows Registry Editor Version "
            "5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\ESMSM]\r\n"
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\NVBASE\\AlertViewer]\r\n"
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\ESMAlertMan\\BaseSetting\\Receive]\r\n"
            "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Nvbase]\r\n",
            -1, NULL));
    } else {
        res->status = W_EXITCODE(1, 0);
    }
    return 0;
}

static const struct bl_exec_ops fake_exec = {.run = fake_run};

static void
fake_install(const char *version)
{
    write_tmp("opt/esm/VERSION", version);
    write_tmp("opt/esm/NVWORK/local/nvisord.cf", "CommunityName: \"mgr_ESMPRO\"\n");
    write_tmp("opt/esm/ESMWEB/wbserver/webapps/esmpro/WEB-INF/service/options.txt",
              "EU_RM_PKG_DATAPOOL_PATH=/srv\nSM_NAME=\"mgr_other\"\nCLUSTER_FIP=192.168.0.11\n");
    write_tmp("opt/esm/ESMWEB/wbserver/webapps/esmpro/WEB-INF/service/esmpro/eventman/"
              "indication/subscribeSetting.properties",
              "indicationReceiveGlobalIp=192.168.0.1\n");
    write_tmp("opt/esm/ESMWEB/wbserver/webapps/esmpro/WEB-INF/service/ServerManagerLog.properties",
              "x");
    write_tmp("opt/esm/ESMWEB/wbserver/webapps/esmpro/WEB-INF/service/systemlog.properties", "x");
    write_tmp("opt/esm/AlertMan/Work/WMGReprt/MGHTPLOG.INF", version);
}

static void
gather(struct bl_esm_site *s, struct bl_chain *chain, const char *node, struct bl_esm_facts *f)
{
    struct bl_chain_sys sys = {.exec = &fake_exec};

    for (int k = 0; k < BL_KIND_COUNT; k++) {
        sys.kinds[k] = &fake_kind;
    }
    bl_esm_gather(s, chain, &sys, node, "/usr/bin/bmclink-reg",
                  BL_SOURCE_DIR "/conf/registry/esmpro-ver6.profile", f);
}

static void
test_gather_and_text(void **state)
{
    struct bl_chain *chain = NULL;
    struct bl_esm_site *s = load("", &chain);
    struct bl_esm_facts f, back;
    g_autofree char *text = NULL;
    g_autofree char *err = NULL;

    (void) state;
    fake_install("6.40\n");
    gather(s, chain, "node1", &f);
    assert_string_equal(f.version, "6.40");
    assert_true(f.install_dir);
    assert_string_equal(f.member_problems[0],
                        "member 'DianaScope-ModemAgent': unit esm-dianascope-modemagent.service "
                        "is enabled at boot; disable it, only the cluster may start it");
    assert_null(f.member_problems[1]);
    assert_non_null(strstr(f.files_missing[0], "NvBaseReceiver.properties"));
    assert_null(f.files_missing[1]);
    assert_string_equal(f.nvisord_name, "mgr_ESMPRO");
    assert_string_equal(f.sm_name, "mgr_other");
    assert_string_equal(f.indication_ip, "192.168.0.1");
    assert_string_equal(f.agent_events[0], "nothing");
    assert_string_equal(f.agent_events[1], "shutdown");
    assert_null(f.agent_events[2]);
    assert_true(f.registry_read);
    assert_string_equal(f.registry_missing[0], "SOFTWARE\\NEC\\ESMAlertMan\\Socket\\Socketr");
    assert_null(f.registry_missing[1]);
    text = bl_esm_facts_to_text(&f);
    assert_int_equal(bl_esm_facts_from_text(text, &back, &err), 0);
    assert_string_equal(back.member_problems[0], f.member_problems[0]);
    assert_string_equal(back.registry_missing[0], f.registry_missing[0]);
    assert_string_equal(back.mghtplog, f.mghtplog);
    bl_esm_facts_clear(&f);
    bl_esm_facts_clear(&back);
    bl_chain_free(chain);
    bl_esm_site_free(s);
}

/* Facts come from another node over ssh: malformed or oversized text is refused. */
static void
test_hostile_facts(void **state)
{
    struct bl_esm_facts f;
    g_autofree char *big = g_strnfill(5000, 'a');
    g_autofree char *long_text = g_strdup_printf("[facts]\nnode=n1\nversion=%s\n", big);
    char *err = NULL;

    (void) state;
    assert_int_equal(bl_esm_facts_from_text("not a key file\x01", &f, &err), BL_E_INVALID);
    g_free(err);
    assert_int_equal(bl_esm_facts_from_text("[facts]\nversion=6.40\n", &f, &err), BL_E_INVALID);
    assert_contains(err, "no node name");
    g_free(err);
    assert_int_equal(bl_esm_facts_from_text(long_text, &f, &err), BL_E_INVALID);
    assert_contains(err, "version is too long");
    g_free(err);
    assert_int_equal(bl_esm_facts_from_text("[facts]\nnode=n1\nsm_name=a\\nb\n", &f, &err),
                     BL_E_INVALID);
    g_free(err);
}

static bool
has_line(GPtrArray *lines, const char *needle)
{
    for (guint i = 0; i < lines->len; i++) {
        if (strstr(lines->pdata[i], needle) != NULL) {
            return true;
        }
    }
    return false;
}

static void
test_check_lines(void **state)
{
    struct bl_chain *chain = NULL;
    struct bl_esm_site *s = load("", &chain);
    struct bl_esm_facts f[2];
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);

    (void) state;
    write_tmp("host1-snmpd.conf", "rocommunity public\ntrap2sink 192.168.0.1 public\n"
                                  "trapsess -v 2c -c public udp:192.168.0.11:162\n");
    fake_install("6.40\n");
    gather(s, chain, "node1", &f[0]);
    fake_install("6.22\n"); /* node2: an older version, another MGHTPLOG.INF */
    gather(s, chain, "node2", &f[1]);
    bl_esm_check(s, chain, f, 2, lines);
    for (guint i = 0; i < lines->len; i++) {
        printf("  %s\n", (char *) lines->pdata[i]);
    }
    assert_true(has_line(lines, "node2: manager version 6.22 installed, the site says 6.40"));
    assert_true(has_line(lines, "node1: member 'DianaScope-ModemAgent': unit "
                                "esm-dianascope-modemagent.service is enabled at boot; disable "
                                "it, only the cluster may start it (guide lines 2195-2224"));
    assert_true(has_line(lines, "node1: SM_NAME in service/options.txt is mgr_other"));
    assert_true(has_line(lines, "node1: indicationReceiveGlobalIp in subscribeSetting.properties "
                                "is 192.168.0.1, not the floating IP 192.168.0.11"));
    assert_true(has_line(lines, "node1: ServerAgent event C0000203 (ESMCOMMONSERVICE) "
                                "after-report action is shutdown"));
    assert_true(has_line(lines, "node1: ServerAgent event C0000454 (ESMCOMMONSERVICE) "
                                "after-report action is not reported"));
    assert_false(has_line(lines, "event C00001FD"));
    assert_true(has_line(lines, "node1: registry key SOFTWARE\\NEC\\ESMAlertMan\\Socket\\Socketr "
                                "missing"));
    assert_true(has_line(lines, "node2: AlertMan/Work/WMGReprt/MGHTPLOG.INF differs from "
                                "node1's"));
    assert_true(has_line(lines, "NvBaseReceiver.properties missing"));
    assert_true(has_line(lines, "managed host1: traps go to 192.168.0.1 ("));
    assert_false(has_line(lines, "line 3)"));       /* trapsess udp:192.168.0.11:162 is right */
    assert_false(has_line(lines, "CommunityName")); /* nvisord.cf is right */
    assert_false(has_line(lines, "CLUSTER_FIP"));
    bl_esm_facts_clear(&f[0]);
    bl_esm_facts_clear(&f[1]);
    bl_chain_free(chain);
    bl_esm_site_free(s);
}

/* Everything in order: not a single line. A node without facts is one line. */
static void
test_check_clean(void **state)
{
    struct bl_chain *chain = NULL;
    struct bl_esm_site *s = load("", &chain);
    struct bl_esm_facts f = {0};
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    char *empty[] = {NULL};

    (void) state;
    write_tmp("host1-snmpd.conf", "trap2sink 192.168.0.11 public\n"
                                  "informsink udp:192.168.0.11:162 public\n");
    f.node = "node1";
    f.version = "6.4";
    f.install_dir = true;
    f.member_problems = f.folders_missing = f.files_missing = f.registry_missing = empty;
    f.nvisord_name = f.sm_name = "mgr_ESMPRO";
    f.cluster_fip = f.indication_ip = "192.168.0.11";
    f.agent_events[0] = f.agent_events[1] = f.agent_events[2] = "nothing";
    f.registry_read = true;
    struct bl_esm_facts both[2] = {f, f};
    both[1].node = "node2";
    bl_esm_check(s, chain, both, 2, lines);
    for (guint i = 0; i < lines->len; i++) {
        printf("  unexpected: %s\n", (char *) lines->pdata[i]);
    }
    assert_int_equal(lines->len, 0);
    bl_esm_check(s, chain, both, 1, lines);
    assert_int_equal(lines->len, 1);
    assert_contains(lines->pdata[0], "node2: no facts from this node");
    bl_chain_free(chain);

    /* a site chain file kept from Ver.5 still names Trap Redirection: appended, and told */
    write_tmp("chains/esm-site.chain", "[chain]\nname = esm-site\ninclude = esm-ver6\n"
                                       "version = 6.40\nfeatures = dmi_events cooperator\n"
                                       "[member EsmTrapRedirection]\nkind = systemd\n"
                                       "unit = esm-esmtrapredirection\n");
    g_autofree char *chains = tmp_path("chains");
    const char *const dirs[] = {chains, BL_SOURCE_DIR "/conf/chains", NULL};
    assert_int_equal(bl_esm_chain_load(s, dirs, &chain, NULL), 0);
    g_ptr_array_set_size(lines, 0);
    bl_esm_check(s, chain, both, 2, lines);
    assert_int_equal(lines->len, 1);
    assert_contains(lines->pdata[0], "Ver.6 has no Trap Redirection");
    bl_chain_free(chain);
    bl_esm_site_free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_site_file),       cmocka_unit_test(test_site_example),
        cmocka_unit_test(test_site_errors),     cmocka_unit_test(test_pcs_commands),
        cmocka_unit_test(test_crm_text),        cmocka_unit_test(test_update_plan),
        cmocka_unit_test(test_gather_and_text), cmocka_unit_test(test_hostile_facts),
        cmocka_unit_test(test_check_lines),     cmocka_unit_test(test_check_clean),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
