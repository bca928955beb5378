/*
 * The agent's parameters: one table gives each parameter's OCF type, default, reloadability
 * and help; the meta-data is written from it and the environment is read through it.
 * Also the run snapshot kept in the node's runtime directory.
 */
#include "chain_agent.h"
#include "bl_conf.h"

#include "bl_result.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef BL_CHAIN_ETC_DIR
#define BL_CHAIN_ETC_DIR "/etc/bmclink/chains"
#endif
#ifndef BL_CHAIN_SHARE_DIR
#define BL_CHAIN_SHARE_DIR "/usr/share/bmclink/chains"
#endif

#ifndef BL_CHAIN_AGENT_VERSION
#define BL_CHAIN_AGENT_VERSION "0.1.0"
#endif

#define SNAPSHOT_PREFIX "bmclink-servicechain-"

struct param_def {
    const char *name;
    const char *type;
    const char *def; /* NULL: no default */
    bool reloadable;
    const char *shortdesc;
    const char *longdesc;
    const char *unique_group; /* OCF 1.1: no two resources of this agent share the value */
};

/* Indexed by enum bl_agent_param. */
static const struct param_def params[BL_AP_COUNT] = {
    [BL_AP_CHAIN_FILE] = {"chain_file", "string", NULL, false, "Chain file or profile name",
                          "The chain: an ordered list of members in the format of "
                          "bmclink.chain(5). A bare name such as esm-ver6 is looked up "
                          "in " BL_CHAIN_ETC_DIR " then " BL_CHAIN_SHARE_DIR ". Give this or "
                          "chain."},
    [BL_AP_CHAIN] = {"chain", "string", NULL, false, "Inline chain",
                     "The chain itself, in the chain file format, lines separated by newlines "
                     "or ';'. Give this or chain_file."},
    [BL_AP_STATE_DIR] = {"state_dir", "string", NULL, false, "State directory on the shared volume",
                         "Directory on the shared volume (mounted by ocf:heartbeat:Filesystem "
                         "earlier in the same group) that holds the folders and the record of "
                         "which node ran the chain last (which decides START or FAILOVER). "
                         "Without it, members always see START. Two chains never share one: "
                         "the folders and the record would mix (see "
                         "ocf_bmclink_servicechain(7)).",
                         "state_dir"},
    [BL_AP_FOLDERS] = {"folders", "string", NULL, false, "Folders bound from the shared volume",
                       "Local folders of the manager (work, database, service, package pool) "
                       "bound from state_dir while the chain runs, separated by blanks or "
                       "commas: [name=]/local/path[:owner[:group[:mode]]]. On the first start "
                       "each is copied to state_dir/name from the local install-time copy."},
    [BL_AP_FOLDER_OWNER] = {"folder_owner", "string", NULL, false, "Owner of new folders",
                            "Owner given to a folder created on the volume; default: the "
                            "local copy's."},
    [BL_AP_FOLDER_GROUP] = {"folder_group", "string", NULL, false, "Group of new folders",
                            "Group given to a folder created on the volume; default: the "
                            "local copy's."},
    [BL_AP_FOLDER_MODE] = {"folder_mode", "string", NULL, false, "Mode of new folders",
                           "Octal permissions given to a folder created on the volume; "
                           "default: the local copy's."},
    [BL_AP_VOLUME_DEVICE] = {"volume_device", "string", NULL, false, "Expected volume device",
                             "Block device (or a link to it, e.g. /dev/disk/by-uuid/...) that "
                             "must be mounted under state_dir; start refuses another one."},
    [BL_AP_FORCE_UNBIND] = {"force_unbind", "boolean", "true", true,
                            "End processes that keep a folder busy at stop",
                            "At stop, once the members are stopped, a bound folder that "
                            "stays busy (a shell whose working directory is in it, a "
                            "member's child that outlived it) is held by processes that "
                            "would block the move. true: after 1 s they are sent SIGTERM, "
                            "and SIGKILL 3 s later, as ocf:heartbeat:Filesystem's "
                            "force_unmount does for the volume. false: wait for them until "
                            "the stop times out; the stop then fails and the node is "
                            "fenced."},
    [BL_AP_VOLUME_FREE_MIN] = {"volume_free_min", "string", "10%", true,
                               "Free space below which the chain is degraded",
                               "A size (500M, 2G; powers of 1024) or a percentage of the "
                               "volume (10%, also applied to its inodes). With less free "
                               "space than this on state_dir's volume (what df shows as "
                               "available), monitor returns degraded (190) and says so; "
                               "0 turns the warning off."},
    [BL_AP_VOLUME_FREE_FAIL] = {"volume_free_fail", "string", "0", true,
                                "Free space at or below which the chain fails",
                                "A size or a percentage like volume_free_min. With this "
                                "much free space or less (0: the volume is full, or has no "
                                "free inode), monitor fails (1), so Pacemaker recovers the "
                                "group, and start refuses: the members could no longer "
                                "write their state."},
    [BL_AP_MEMBER_START_TIMEOUT] = {"member_start_timeout", "string", "60s", true,
                                    "Default member start timeout",
                                    "Start plus readiness time for members that set no "
                                    "start_timeout. Changing it only reloads the agent."},
    [BL_AP_MEMBER_STOP_TIMEOUT] = {"member_stop_timeout", "string", "30s", true,
                                   "Default member stop timeout",
                                   "Time between SIGTERM (or the stop command) and SIGKILL for "
                                   "members that set no stop_timeout. Changing it only reloads "
                                   "the agent."},
    [BL_AP_REGISTRY_PROFILE] =
        {"registry_profile", "string", NULL, false, "Synchronized registry profile",
         "A profile file (e.g. /usr/share/doc/bmclink/examples/esmpro.profile; "
         "the format in /usr/share/doc/bmclink/registry.md) naming the "
         "registry subtrees that belong to this chain. With it, start "
         "first waits until this node's replica of the registry "
         "(bmclinkd, ordered before this group) is in sync, and fails "
         "(1) when it is not within registry_sync_timeout."},
    [BL_AP_REGISTRY_RENDER] = {"registry_render", "string", NULL, false,
                               "Files the subtrees are rendered into",
                               "Absolute paths, separated by blanks or commas, of .reg files "
                               "written with the profile's subtrees before the first member "
                               "starts (after the folders are bound, so a path may lie in a "
                               "bound folder)."},
    [BL_AP_REGISTRY_SYNC_TIMEOUT] = {"registry_sync_timeout", "string", NULL, false,
                                     "Longest wait for the registry to be in sync",
                                     "Duration (60s, 2m); default the profile's sync-timeout. "
                                     "Never past the start action's own timeout."},
    [BL_AP_REGISTRY_CAPTURE] = {"registry_capture", "boolean", "true", false,
                                "Record changes to the rendered files",
                                "true: at each monitor (when a file's time, size or inode "
                                "changed) and at stop (after the members stopped, so what "
                                "they write while stopping counts), what the programs changed "
                                "in a rendered file is written back into the registry; only "
                                "the difference to the last rendered text, within the "
                                "profile's subtrees. The registry being unavailable then is "
                                "logged, never fails monitor or stop."},
    [BL_AP_REGISTRY_CAPTURE_SETTLE] = {"registry_capture_settle", "string", "1s", false,
                                       "How long a rendered file must be still to be captured",
                                       "Duration (1s, 500ms) or 0. A monitor does not read a "
                                       "file modified less than this ago, nor one that changes "
                                       "while it is read: it captures it at the next monitor, "
                                       "so a file half written is never recorded. Not applied "
                                       "at stop (the members are stopped then)."},
    [BL_AP_REGISTRY_SERVICE] = {"registry_service", "string", "bmclink", false,
                                "bmclinkd's IPC service",
                                "libqb IPC service name of the local bmclinkd (its "
                                "ipc-service setting)."},
};

static const char *const search_dirs[] = {BL_CHAIN_ETC_DIR, BL_CHAIN_SHARE_DIR, NULL};

const char *const *
bl_chain_agent_search_dirs(void)
{
    return search_dirs;
}

static int
env_int(const char *name, int def)
{
    const char *text = g_getenv(name);
    gint64 value;

    if (text == NULL || !g_ascii_string_to_signed(text, 10, 0, G_MAXINT, &value, NULL)) {
        return def;
    }
    return (int) value;
}

static char *
host_name(void)
{
    struct utsname u;

    if (uname(&u) != 0) {
        return g_strdup("localhost");
    }
    /* crm_node -n reports the short name; so do we */
    return g_strndup(u.nodename, strcspn(u.nodename, "."));
}

void
bl_chain_agent_from_env(struct bl_agent *a)
{
    const char *node = g_getenv("OCF_RESKEY_CRM_meta_on_node");
    const char *rsctmp = g_getenv("HA_RSCTMP");

    memset(a, 0, sizeof(*a));
    a->instance = g_strdup(g_getenv("OCF_RESOURCE_INSTANCE"));
    if (a->instance == NULL) {
        a->instance = g_strdup("servicechain");
    }
    g_strdelimit(a->instance, "/", '_');
    a->node = (node != NULL && node[0] != '\0') ? g_strdup(node) : host_name();
    for (int i = 0; i < BL_AP_COUNT; i++) {
        g_autofree char *key = g_strconcat("OCF_RESKEY_", params[i].name, NULL);
        const char *value = g_getenv(key);
        a->param[i] = g_strdup(value != NULL && value[0] != '\0' ? value : params[i].def);
    }
    a->interval_ms = env_int("OCF_RESKEY_CRM_meta_interval", 0);
    a->timeout_ms = env_int("OCF_RESKEY_CRM_meta_timeout", 0);
    a->depth = env_int("OCF_CHECK_LEVEL", 0);
    a->run_dir = g_strdup(rsctmp != NULL && rsctmp[0] != '\0' ? rsctmp : "/run/resource-agents");
    a->search = search_dirs;
    bl_chain_sys_defaults(&a->sys);
}

void
bl_chain_agent_clear(struct bl_agent *a)
{
    if (a == NULL) {
        return;
    }
    for (int i = 0; i < BL_AP_COUNT; i++) {
        g_free(a->param[i]);
    }
    g_free(a->instance);
    g_free(a->node);
    g_free(a->run_dir);
    g_free(a->exit_reason);
    memset(a, 0, sizeof(*a));
}

/* The free-space thresholds of a configuration or a snapshot (unset: the defaults). */
static int
parse_space(char *const *p, struct bl_volume *v, char **errmsg)
{
    static const int keys[] = {BL_AP_VOLUME_FREE_MIN, BL_AP_VOLUME_FREE_FAIL};
    struct bl_volume_space *out[] = {&v->free_min, &v->free_fail};

    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        const char *text = p[keys[i]] != NULL ? p[keys[i]] : params[keys[i]].def;
        if (bl_volume_parse_space(text, out[i]) != 0) {
            if (errmsg != NULL) {
                *errmsg = g_strdup_printf("%s '%s' is not a size (500M, 2G) or a percentage "
                                          "(10%%)",
                                          params[keys[i]].name, text);
            }
            return BL_E_INVALID;
        }
    }
    return 0;
}

static int
parse_timeouts(const struct bl_agent *a, struct bl_chain_defaults *defs, char **errmsg)
{
    const char *start = a->param[BL_AP_MEMBER_START_TIMEOUT];
    const char *stop = a->param[BL_AP_MEMBER_STOP_TIMEOUT];

    if (bl_conf_parse_ms(start, 1000, 1, BL_TIMEOUT_MAX_MS, &defs->start_timeout_ms) != 0) {
        *errmsg = g_strdup_printf("member_start_timeout '%s' is not a duration", start);
        return BL_E_INVALID;
    }
    if (bl_conf_parse_ms(stop, 1000, 1, BL_TIMEOUT_MAX_MS, &defs->stop_timeout_ms) != 0) {
        *errmsg = g_strdup_printf("member_stop_timeout '%s' is not a duration", stop);
        return BL_E_INVALID;
    }
    return 0;
}

int
bl_chain_agent_parse_params(const struct bl_agent *a, struct bl_volume *v,
                            struct bl_chain_defaults *defs, char **errmsg)
{
    const char *state_dir = a->param[BL_AP_STATE_DIR];
    const char *device = a->param[BL_AP_VOLUME_DEVICE];

    memset(v, 0, sizeof(*v));
    defs->search_dirs = a->search;
    if (parse_timeouts(a, defs, errmsg) != 0) {
        return BL_E_INVALID;
    }
    if ((a->param[BL_AP_CHAIN_FILE] == NULL) == (a->param[BL_AP_CHAIN] == NULL)) {
        *errmsg = g_strdup("give exactly one of chain_file and chain");
        return BL_E_INVALID;
    }
    if ((state_dir != NULL && !g_path_is_absolute(state_dir)) ||
        (device != NULL && !g_path_is_absolute(device))) {
        *errmsg = g_strdup("state_dir and volume_device must be absolute paths");
        return BL_E_INVALID;
    }
    if (state_dir == NULL && (a->param[BL_AP_FOLDERS] != NULL || device != NULL)) {
        *errmsg = g_strdup("folders and volume_device need state_dir");
        return BL_E_INVALID;
    }
    if (bl_conf_parse_bool(a->param[BL_AP_FORCE_UNBIND], &v->force_unbind) != 0) {
        *errmsg =
            g_strdup_printf("force_unbind '%s' is not a boolean", a->param[BL_AP_FORCE_UNBIND]);
        return BL_E_INVALID;
    }
    if (parse_space(a->param, v, errmsg) != 0) {
        return BL_E_INVALID;
    }
    v->state_dir = g_strdup(state_dir);
    v->device = g_strdup(device);
    return bl_volume_parse_folders(v, a->param[BL_AP_FOLDERS], a->param[BL_AP_FOLDER_OWNER],
                                   a->param[BL_AP_FOLDER_GROUP], a->param[BL_AP_FOLDER_MODE],
                                   errmsg);
}

int
bl_chain_agent_load_chain(const struct bl_agent *a, const struct bl_chain_defaults *defs,
                          struct bl_chain **chain, char **errmsg)
{
    if (a->param[BL_AP_CHAIN] != NULL) {
        return bl_chain_load_text(a->param[BL_AP_CHAIN], "<inline chain>", defs, chain, errmsg);
    }
    return bl_chain_load_file(a->param[BL_AP_CHAIN_FILE], defs, chain, errmsg);
}

int
bl_chain_agent_parse_registry(const struct bl_agent *a, char *const *p, struct bl_chain_reg *r,
                              char **errmsg)
{
    const struct bl_chain_reg_params rp = {
        .profile = p[BL_AP_REGISTRY_PROFILE],
        .render = p[BL_AP_REGISTRY_RENDER],
        .sync_timeout = p[BL_AP_REGISTRY_SYNC_TIMEOUT],
        /* the default alone does not ask for a profile */
        .capture = p[BL_AP_REGISTRY_PROFILE] != NULL ? p[BL_AP_REGISTRY_CAPTURE] : NULL,
        .service = p[BL_AP_REGISTRY_SERVICE],
        .settle = p[BL_AP_REGISTRY_PROFILE] != NULL ? p[BL_AP_REGISTRY_CAPTURE_SETTLE] : NULL,
    };
    g_autofree char *stem = bl_chain_snapshot_path(a->run_dir, a->instance, "x");
    int rc;

    stem[strlen(stem) - 2] = '\0'; /* "<run_dir>/bmclink-servicechain-<instance>" */
    rc = bl_chain_reg_parse(&rp, stem, r, errmsg);
    if (a->reg_ops != NULL) {
        r->ops = a->reg_ops;
        r->ops_ctx = a->reg_ops_ctx;
    }
    return rc;
}

/* pacemaker-execd keeps the last "ocf-exit-reason:" line of stderr, cut at this length */
#define EXIT_REASON_MAX 128

void
bl_chain_agent_print_exit_reason(const struct bl_agent *a, FILE *err)
{
    g_autofree char *line = NULL;

    if (a->exit_reason == NULL) {
        return;
    }
    line = g_strndup(a->exit_reason, EXIT_REASON_MAX);
    g_strdelimit(line, "\n\r", ' ');
    fprintf(err, "ocf-exit-reason:%s\n", line);
    fflush(err);
}

static void
print_text(FILE *out, const char *tag, const char *text)
{
    g_autofree char *escaped = g_markup_escape_text(text, -1);

    fprintf(out, "<%s lang=\"en\">%s</%s>\n", tag, escaped, tag);
}

static void
print_params(FILE *out)
{
    fputs("<parameters>\n", out);
    for (int i = 0; i < BL_AP_COUNT; i++) {
        const struct param_def *p = &params[i];
        fprintf(out, "<parameter name=\"%s\" unique=\"0\" required=\"0\"%s", p->name,
                p->reloadable ? " reloadable=\"1\"" : "");
        if (p->unique_group != NULL) {
            fprintf(out, " unique-group=\"%s\"", p->unique_group);
        }
        fputs(">\n", out);
        print_text(out, "longdesc", p->longdesc);
        print_text(out, "shortdesc", p->shortdesc);
        fprintf(out, "<content type=\"%s\"", p->type);
        if (p->def != NULL) {
            fprintf(out, " default=\"%s\"", p->def);
        }
        fputs(" />\n</parameter>\n", out);
    }
    fputs("</parameters>\n", out);
}

void
bl_chain_agent_meta_data(FILE *out)
{
    /* ra-api-1.dtd predates OCF 1.1: the internal subset declares what 1.1 added (the
     * reloadable attribute, the reload-agent action), so xmllint --valid accepts both. */
    fputs("<?xml version=\"1.0\"?>\n"
          "<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\" [\n"
          "<!ATTLIST parameter reloadable (1|0) \"0\">\n"
          "<!ATTLIST parameter unique-group CDATA #IMPLIED>\n"
          "<!ATTLIST action name CDATA #REQUIRED>\n"
          "]>\n"
          "<resource-agent name=\"servicechain\" version=\"" BL_CHAIN_AGENT_VERSION "\">\n"
          "<version>1.1</version>\n",
          out);
    print_text(out, "longdesc",
               "Starts an ordered chain of services (systemd units, LSB init scripts or "
               "daemonizing commands), each waited for until ready, and stops them in reverse. "
               "Optional members that fail are skipped and reported as degraded (190). Folders "
               "of the service set are bound from state_dir on a shared volume while the chain "
               "runs. Members see BMCLINK_START_MODE (START or FAILOVER), BMCLINK_NODE, "
               "BMCLINK_STATE_DIR, BMCLINK_RESOURCE and BMCLINK_ACTION. With "
               "registry_profile, start waits until this node's synchronized registry is in "
               "sync, renders the profile's keys into files for the programs, and their "
               "changes to those files are recorded back into the registry. The chain file: "
               "bmclink.chain(5); a guide: /usr/share/doc/bmclink/servicechain.md.");
    print_text(out, "shortdesc", "Ordered service chain with state on a shared volume");
    print_params(out);
    fputs("<actions>\n"
          "<action name=\"start\" timeout=\"300s\" />\n"
          "<action name=\"stop\" timeout=\"300s\" />\n"
          "<action name=\"monitor\" timeout=\"30s\" interval=\"10s\" depth=\"0\" />\n"
          "<action name=\"monitor\" timeout=\"60s\" interval=\"60s\" depth=\"10\" />\n"
          "<action name=\"reload-agent\" timeout=\"30s\" />\n"
          "<action name=\"validate-all\" timeout=\"30s\" />\n"
          "<action name=\"meta-data\" timeout=\"5s\" />\n"
          "</actions>\n"
          "</resource-agent>\n",
          out);
}

char *
bl_chain_snapshot_path(const char *run_dir, const char *instance, const char *what)
{
    g_autofree char *base = g_strdup_printf(SNAPSHOT_PREFIX "%s.%s", instance, what);

    return g_build_filename(run_dir, base, NULL);
}

static void
set_opt(GKeyFile *kf, const char *key, const char *value)
{
    if (value != NULL) {
        g_key_file_set_string(kf, "agent", key, value);
    }
}

/* What start saw under state_dir: compared by each monitor (volume_health.c). */
static void
set_volume_id(GKeyFile *kf, const struct bl_volume_id *id)
{
    g_autofree char *dev = NULL;
    g_autofree char *fsid = NULL;

    if (id == NULL || !id->known) {
        return;
    }
    dev = g_strdup_printf("%u:%u", id->major, id->minor);
    fsid = g_strdup_printf("%016llx", (unsigned long long) id->fsid);
    set_opt(kf, "volume_mount", id->point);
    set_opt(kf, "volume_source", id->source);
    set_opt(kf, "volume_dev", dev);
    set_opt(kf, "volume_fsid", fsid);
}

int
bl_chain_snapshot_write(const struct bl_agent *a, const struct bl_chain *chain,
                        enum bl_start_mode mode, const struct bl_volume_id *id)
{
    g_autofree char *chain_text = bl_chain_to_text(chain);
    g_autofree char *chain_path = bl_chain_snapshot_path(a->run_dir, a->instance, "chain");
    g_autofree char *conf_path = bl_chain_snapshot_path(a->run_dir, a->instance, "conf");
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *started = g_date_time_format_iso8601(now);
    g_autofree char *conf_text = NULL;
    int rc;

    if (g_mkdir_with_parents(a->run_dir, 0755) != 0) {
        return -errno;
    }
    set_opt(kf, "instance", a->instance);
    set_opt(kf, "node", a->node);
    set_opt(kf, "mode", bl_chain_start_mode_name(mode));
    set_opt(kf, "started", started);
    for (int i = BL_AP_STATE_DIR; i < BL_AP_COUNT; i++) {
        set_opt(kf, params[i].name, a->param[i]);
    }
    set_volume_id(kf, id);
    conf_text = g_key_file_to_data(kf, NULL, NULL);
    rc = bl_chain_file_write_atomic(chain_path, chain_text, strlen(chain_text), 0644);
    return rc != 0 ? rc : bl_chain_file_write_atomic(conf_path, conf_text, strlen(conf_text), 0644);
}

static char *
get_opt(GKeyFile *kf, const char *key)
{
    return g_key_file_get_string(kf, "agent", key, NULL);
}

/* A snapshot without the keys (an older agent's): not known, the monitor does without. */
static void
get_volume_id(GKeyFile *kf, struct bl_volume_id *id)
{
    g_autofree char *dev = get_opt(kf, "volume_dev");
    g_autofree char *fsid = get_opt(kf, "volume_fsid");
    g_autofree char *point = get_opt(kf, "volume_mount");
    char *end = NULL;

    memset(id, 0, sizeof(*id));
    if (dev == NULL || fsid == NULL || point == NULL ||
        sscanf(dev, "%u:%u", &id->major, &id->minor) != 2) {
        return;
    }
    id->fsid = g_ascii_strtoull(fsid, &end, 16);
    if (end == fsid || *end != '\0') {
        return;
    }
    id->point = g_steal_pointer(&point);
    id->source = get_opt(kf, "volume_source");
    id->known = true;
}

static int
snapshot_volume(GKeyFile *kf, struct bl_volume *v, char *const *p)
{
    g_autofree char *folders = get_opt(kf, "folders");
    g_autofree char *owner = get_opt(kf, "folder_owner");
    g_autofree char *group = get_opt(kf, "folder_group");
    g_autofree char *mode = get_opt(kf, "folder_mode");
    g_autofree char *force = get_opt(kf, "force_unbind");

    /* a snapshot from before force_unbind existed: the default */
    if (force == NULL || bl_conf_parse_bool(force, &v->force_unbind) != 0) {
        v->force_unbind = true;
    }
    v->state_dir = get_opt(kf, "state_dir");
    v->device = get_opt(kf, "volume_device");
    get_volume_id(kf, &v->id);
    if (parse_space(p, v, NULL) != 0) {
        /* cannot be: start parsed the same values; the defaults rather than no monitor */
        static char *const none[BL_AP_COUNT];
        parse_space(none, v, NULL);
    }
    return bl_volume_parse_folders(v, folders, owner, group, mode, NULL);
}

int
bl_chain_snapshot_read(const char *run_dir, const char *instance, struct bl_snapshot *s)
{
    g_autofree char *chain_path = bl_chain_snapshot_path(run_dir, instance, "chain");
    g_autofree char *conf_path = bl_chain_snapshot_path(run_dir, instance, "conf");
    g_autoptr(GKeyFile) kf = g_key_file_new();
    int rc;

    memset(s, 0, sizeof(*s));
    if (access(conf_path, F_OK) != 0 || access(chain_path, F_OK) != 0) {
        return -ENOENT;
    }
    if (!g_key_file_load_from_file(kf, conf_path, G_KEY_FILE_NONE, NULL)) {
        return BL_E_INVALID;
    }
    for (int i = BL_AP_STATE_DIR; i < BL_AP_COUNT; i++) {
        s->param[i] = get_opt(kf, params[i].name);
    }
    rc = bl_chain_load_file(chain_path, NULL, &s->chain, NULL);
    if (rc == 0) {
        rc = snapshot_volume(kf, &s->volume, s->param);
    }
    s->node = get_opt(kf, "node");
    s->mode = get_opt(kf, "mode");
    s->started = get_opt(kf, "started");
    if (rc != 0) {
        bl_chain_snapshot_clear(s);
    }
    return rc;
}

void
bl_chain_snapshot_remove(const struct bl_agent *a)
{
    static const char *const what[] = {"chain", "conf", "env", "reg", "regstamp"};

    for (size_t i = 0; i < G_N_ELEMENTS(what); i++) {
        g_autofree char *path = bl_chain_snapshot_path(a->run_dir, a->instance, what[i]);
        g_unlink(path);
    }
}

void
bl_chain_snapshot_clear(struct bl_snapshot *s)
{
    if (s == NULL) {
        return;
    }
    bl_chain_free(s->chain);
    bl_volume_clear(&s->volume);
    for (int i = 0; i < BL_AP_COUNT; i++) {
        g_free(s->param[i]);
    }
    g_free(s->node);
    g_free(s->mode);
    g_free(s->started);
    memset(s, 0, sizeof(*s));
}

char **
bl_chain_snapshot_list(const char *run_dir)
{
    g_autoptr(GDir) dir = g_dir_open(run_dir, 0, NULL);
    GPtrArray *names = g_ptr_array_new();
    const char *entry;

    while (dir != NULL && (entry = g_dir_read_name(dir)) != NULL) {
        if (g_str_has_prefix(entry, SNAPSHOT_PREFIX) && g_str_has_suffix(entry, ".conf")) {
            size_t len = strlen(entry) - strlen(SNAPSHOT_PREFIX) - strlen(".conf");
            g_ptr_array_add(names, g_strndup(entry + strlen(SNAPSHOT_PREFIX), len));
        }
    }
    g_ptr_array_add(names, NULL);
    return (char **) g_ptr_array_free(names, FALSE);
}
