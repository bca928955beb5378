/*
 * The two kinds run by a service manager: systemd units (through systemctl) and LSB init
 * scripts. Both go through the process seam, so their tests script the outputs.
 */
#include "chain_kind.h"

#include "bl_result.h"
#include "chain_proc.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#define STATUS_TIMEOUT_MS 10000
#define KILL_TIMEOUT_MS 5000

/* LSB status exit codes (LSB core, "Init Script Actions"). */
enum {
    LSB_STATUS_RUNNING = 0,
    LSB_STATUS_DEAD_PIDFILE = 1,
    LSB_STATUS_DEAD_LOCKFILE = 2,
    LSB_STATUS_STOPPED = 3,
};

struct unit_info {
    char load[32];
    char active[32];
    char file[32];
};

/* Run systemctl with fixed words then units; output captured. */
static int
systemctl(const struct bl_chain_sys *sys, const char *const *words,
          const struct bl_chain_member *const *m, size_t n, int timeout_ms, struct bl_exec_res *res)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    int rc;

    g_ptr_array_add(argv, (char *) sys->systemctl);
    for (size_t i = 0; words[i] != NULL; i++) {
        g_ptr_array_add(argv, (char *) words[i]);
    }
    g_ptr_array_add(argv, (char *) "--");
    for (size_t i = 0; i < n; i++) {
        g_ptr_array_add(argv, m[i]->unit);
    }
    g_ptr_array_add(argv, NULL);
    rc = bl_chain_kind_run(sys, (char *const *) argv->pdata, NULL, timeout_ms, res);
    return rc;
}

static void
copy_value(char *dst, size_t size, const char *line, const char *key)
{
    size_t klen = strlen(key);

    if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
        g_strlcpy(dst, line + klen + 1, size);
    }
}

/* Parse `systemctl show` for n units: blocks separated by blank lines, in argument order. */
static int
parse_show(const char *output, size_t n, struct unit_info *info)
{
    g_auto(GStrv) lines = g_strsplit(output != NULL ? output : "", "\n", -1);
    size_t block = 0;
    bool in_block = false;

    memset(info, 0, n * sizeof(*info));
    for (size_t i = 0; lines[i] != NULL; i++) {
        if (lines[i][0] == '\0') {
            block += in_block ? 1 : 0;
            in_block = false;
            continue;
        }
        if (block >= n) {
            return BL_E_PROTO;
        }
        in_block = true;
        copy_value(info[block].load, sizeof(info[block].load), lines[i], "LoadState");
        copy_value(info[block].active, sizeof(info[block].active), lines[i], "ActiveState");
        copy_value(info[block].file, sizeof(info[block].file), lines[i], "UnitFileState");
    }
    block += in_block ? 1 : 0;
    return block == n ? 0 : BL_E_PROTO;
}

static int
show_units(const struct bl_chain_sys *sys, const struct bl_chain_member *const *m, size_t n,
           struct unit_info *info)
{
    static const char *const words[] = {"show", "--property=Id,LoadState,ActiveState,UnitFileState",
                                        NULL};
    struct bl_exec_res res = {0};
    int rc = systemctl(sys, words, m, n, STATUS_TIMEOUT_MS, &res);

    if (rc == 0) {
        rc = bl_chain_exec_ok(&res) ? parse_show(res.output, n, info) : BL_E_STATE;
    }
    bl_chain_exec_res_clear(&res);
    return rc;
}

static enum bl_member_state
unit_state(const struct unit_info *info)
{
    static const char *const running[] = {"active", "reloading", "activating", "deactivating"};

    for (size_t i = 0; i < G_N_ELEMENTS(running); i++) {
        if (strcmp(info->active, running[i]) == 0) {
            return BL_MEMBER_RUNNING;
        }
    }
    return strcmp(info->active, "failed") == 0 ? BL_MEMBER_FAILED : BL_MEMBER_STOPPED;
}

/* Without systemd running (a container, the lab) no unit can be active: no need to ask. */
static bool
systemd_running(const struct bl_chain_sys *sys)
{
    return g_file_test(sys->systemd_run_dir, G_FILE_TEST_IS_DIR);
}

static int
systemd_status(const struct bl_chain_sys *sys, const struct bl_chain_member *const *m, size_t n,
               enum bl_member_state *out)
{
    g_autofree struct unit_info *info = g_new0(struct unit_info, n);
    int rc = 0;

    if (!systemd_running(sys)) {
        for (size_t i = 0; i < n; i++) {
            out[i] = BL_MEMBER_STOPPED;
        }
        return 0;
    }
    rc = show_units(sys, m, n, info);

    for (size_t i = 0; i < n; i++) {
        out[i] = rc == 0 ? unit_state(&info[i]) : BL_MEMBER_FAILED;
    }
    return rc;
}

static int
systemd_action(const struct bl_chain_sys *sys, const struct bl_chain_member *m,
               const char *const *words, int timeout_ms, char **errmsg)
{
    struct bl_exec_res res = {0};
    int rc = systemctl(sys, words, &m, 1, timeout_ms, &res);

    return bl_chain_kind_run_result(rc, &res, "systemctl", errmsg);
}

static int
systemd_start(const struct bl_chain_sys *sys, const struct bl_chain_member *m, int timeout_ms,
              char **errmsg)
{
    static const char *const words[] = {"start", NULL};

    return systemd_action(sys, m, words, timeout_ms, errmsg);
}

static int
systemd_stop(const struct bl_chain_sys *sys, const struct bl_chain_member *m, int timeout_ms,
             char **errmsg)
{
    static const char *const stop[] = {"stop", NULL};
    static const char *const kill[] = {"kill", "--signal=SIGKILL", NULL};
    enum bl_member_state state = BL_MEMBER_FAILED;

    if (!systemd_running(sys)) {
        return 0;
    }
    if (systemd_action(sys, m, stop, timeout_ms, errmsg) != 0) {
        systemd_action(sys, m, kill, KILL_TIMEOUT_MS, errmsg);
    }
    if (systemd_status(sys, &m, 1, &state) != 0 || state == BL_MEMBER_RUNNING) {
        bl_chain_kind_errmsg(errmsg,
                             g_strdup_printf("unit %s still active after SIGKILL", m->unit));
        return BL_E_STATE;
    }
    return 0;
}

static int
systemd_check(const struct bl_chain_sys *sys, const struct bl_chain_member *const *m, size_t n,
              GString *problems)
{
    g_autofree struct unit_info *info = g_new0(struct unit_info, n);
    int rc = 0;

    if (!systemd_running(sys)) {
        g_string_append_printf(problems, "member '%s': systemd is not running on this node\n",
                               m[0]->name);
        return -ENOENT;
    }
    if (show_units(sys, m, n, info) != 0) {
        g_string_append(problems, "systemctl show failed\n");
        return -ENOENT;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(info[i].load, "loaded") != 0) {
            g_string_append_printf(problems, "member '%s': unit %s is %s\n", m[i]->name, m[i]->unit,
                                   info[i].load[0] ? info[i].load : "not found");
            rc = -ENOENT;
        } else if (g_str_has_prefix(info[i].file, "enabled")) {
            g_string_append_printf(problems,
                                   "member '%s': unit %s is enabled at boot; disable "
                                   "it, only the cluster may start it\n",
                                   m[i]->name, m[i]->unit);
            rc = rc == 0 ? BL_E_STATE : rc;
        }
    }
    return rc;
}

const struct bl_member_ops bl_chain_kind_systemd = {
    .start = systemd_start,
    .stop = systemd_stop,
    .status = systemd_status,
    .check = systemd_check,
};

static int
lsb_run(const struct bl_chain_sys *sys, const struct bl_chain_member *m, const char *action,
        int timeout_ms, struct bl_exec_res *res)
{
    char *argv[] = {m->script, (char *) action, NULL};

    /* status output is ours to read; start/stop output goes to the member's log */
    return bl_chain_kind_run(sys, argv, strcmp(action, "status") == 0 ? NULL : m->log, timeout_ms,
                             res);
}

static enum bl_member_state
lsb_state(const struct bl_chain_sys *sys, const struct bl_chain_member *m)
{
    struct bl_exec_res res = {0};
    int rc;
    int code;

    if (m->pidfile != NULL) {
        return bl_chain_kind_pidfile_state(m);
    }
    rc = lsb_run(sys, m, "status", STATUS_TIMEOUT_MS, &res);
    code = rc == 0 ? bl_chain_exec_exit_code(&res) : -1;
    bl_chain_exec_res_clear(&res);
    if (code == LSB_STATUS_RUNNING) {
        return BL_MEMBER_RUNNING;
    }
    return code == LSB_STATUS_STOPPED ? BL_MEMBER_STOPPED : BL_MEMBER_FAILED;
}

static int
lsb_action(const struct bl_chain_sys *sys, const struct bl_chain_member *m, const char *action,
           int timeout_ms, char **errmsg)
{
    struct bl_exec_res res = {0};
    int rc = lsb_run(sys, m, action, timeout_ms, &res);

    return bl_chain_kind_run_result(rc, &res, m->script, errmsg);
}

static int
lsb_start(const struct bl_chain_sys *sys, const struct bl_chain_member *m, int timeout_ms,
          char **errmsg)
{
    if (lsb_state(sys, m) == BL_MEMBER_RUNNING) {
        return 0;
    }
    return lsb_action(sys, m, "start", timeout_ms, errmsg);
}

static int
lsb_stop(const struct bl_chain_sys *sys, const struct bl_chain_member *m, int timeout_ms,
         char **errmsg)
{
    int64_t deadline = bl_chain_mono_ms() + timeout_ms;

    if (lsb_state(sys, m) == BL_MEMBER_STOPPED) {
        return 0;
    }
    /* LSB stop must succeed on a stopped service, but scripts differ: judge by the state. */
    lsb_action(sys, m, "stop", timeout_ms, errmsg);
    if (m->pidfile != NULL) {
        return bl_chain_kind_stop_pidfile(m, (int) MAX(deadline - bl_chain_mono_ms(), 0), false);
    }
    if (lsb_state(sys, m) == BL_MEMBER_RUNNING) {
        bl_chain_kind_errmsg(errmsg, g_strdup_printf("%s status still reports running", m->script));
        return BL_E_STATE;
    }
    return 0;
}

static int
lsb_status(const struct bl_chain_sys *sys, const struct bl_chain_member *const *m, size_t n,
           enum bl_member_state *out)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = lsb_state(sys, m[i]);
    }
    return 0;
}

/* Whether an rc?.d directory starts the script at boot: an S* entry for it. */
static bool
rc_dir_starts(const char *dir, const char *script_base)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *entry;

    while (d != NULL && (entry = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = NULL;
        g_autofree char *target = NULL;
        if (entry[0] != 'S') {
            continue;
        }
        path = g_build_filename(dir, entry, NULL);
        target = g_file_read_link(path, NULL);
        g_autofree char *base = target != NULL ? g_path_get_basename(target) : NULL;
        size_t skip = strspn(entry + 1, "0123456789") + 1;
        if (g_strcmp0(base, script_base) == 0 || strcmp(entry + skip, script_base) == 0) {
            return true;
        }
    }
    return false;
}

static int
lsb_check_one(const struct bl_chain_sys *sys, const struct bl_chain_member *m, GString *problems)
{
    static const char *const levels[] = {"rcS.d", "rc1.d", "rc2.d", "rc3.d", "rc4.d", "rc5.d"};
    g_autofree char *base = g_path_get_basename(m->script);

    if (bl_chain_kind_check_program(m, "init script", m->script, problems) != 0 ||
        bl_chain_kind_check_program(m, "exe", m->exe, problems) != 0) {
        return -ENOENT;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(levels); i++) {
        g_autofree char *dir = g_build_filename(sys->sysconf_dir, levels[i], NULL);
        if (rc_dir_starts(dir, base)) {
            g_string_append_printf(problems,
                                   "member '%s': %s is started at boot (%s); run "
                                   "update-rc.d %s disable, only the cluster may "
                                   "start it\n",
                                   m->name, m->script, dir, base);
            return BL_E_STATE;
        }
    }
    return 0;
}

static int
lsb_check(const struct bl_chain_sys *sys, const struct bl_chain_member *const *m, size_t n,
          GString *problems)
{
    int worst = 0;

    for (size_t i = 0; i < n; i++) {
        int rc = lsb_check_one(sys, m[i], problems);
        worst = (worst == -ENOENT || rc == 0) ? worst : rc;
    }
    return worst;
}

const struct bl_member_ops bl_chain_kind_lsb = {
    .start = lsb_start,
    .stop = lsb_stop,
    .status = lsb_status,
    .check = lsb_check,
};
