/*
 * What one node sees of the manager's prerequisites (its "facts"): the installed version,
 * the install folder and the shared folders at their install paths, the chain's node checks
 * (nothing started at boot), the manager's name in its files, the floating IP in its
 * configuration, the Express Report definition file, the ServerAgent's event settings and
 * the registry replica's keys. Gathered on each node (`bmclink esm facts`), carried as a
 * GKeyFile text, compared by esm_check.c. Text from another node is hostile: bounded and
 * checked when read.
 */
#include "esm.h"

#include "bl_conf.h"
#include "bl_result.h"
#include "chain_run.h"
#include "reg_profile.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define FACT_MAX 4096 /* longest value taken from another node's text */
#define LIST_MAX 256  /* most entries of a list */
#define SERVICE_DIR "ESMWEB/wbserver/webapps/esmpro/WEB-INF/service"
#define COMMAND_TIMEOUT_MS 20000

const char *const bl_esm_agent_event_ids[BL_ESM_AGENT_EVENTS] = {"C00001FD", "C0000203",
                                                                 "C0000454"};

static char *
read_text(const char *dir, const char *rel)
{
    g_autofree char *path = g_build_filename(dir, rel, NULL);
    char *text = NULL;

    return g_file_get_contents(path, &text, NULL, NULL) ? text : NULL;
}

/* The value after "key" and the separator in the first line that has it, without quotes. */
static char *
value_of(const char *text, const char *key, char sep)
{
    g_auto(GStrv) lines = text != NULL ? g_strsplit(text, "\n", -1) : NULL;
    size_t klen = strlen(key);

    for (size_t i = 0; lines != NULL && lines[i] != NULL; i++) {
        char *l = g_strstrip(lines[i]);
        if (strncmp(l, key, klen) != 0 || l[klen] != sep) {
            continue;
        }
        char *v = g_strstrip(l + klen + 1);
        size_t len = strlen(v);
        if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
            return g_strndup(v + 1, len - 2);
        }
        return g_strdup(v);
    }
    return NULL;
}

static char **
lines_of(const char *text)
{
    GPtrArray *out = g_ptr_array_new();
    g_auto(GStrv) lines = g_strsplit(text != NULL ? text : "", "\n", -1);

    for (size_t i = 0; lines[i] != NULL; i++) {
        if (g_strstrip(lines[i])[0] != '\0') {
            g_ptr_array_add(out, g_strdup(lines[i]));
        }
    }
    g_ptr_array_add(out, NULL);
    return (char **) g_ptr_array_free(out, FALSE);
}

static void
gather_files(const struct bl_esm_site *s, const struct bl_chain *chain, struct bl_esm_facts *f)
{
    static const char *const ver6_files[] = {"ServerManagerLog.properties",
                                             "NvBaseReceiver.properties", "systemlog.properties"};
    GPtrArray *folders = g_ptr_array_new();
    GPtrArray *files = g_ptr_array_new();

    for (size_t i = 0; i < chain->n_folders; i++) {
        const struct bl_chain_folder *d = &chain->folders[i];
        g_autofree char *path =
            d->path != NULL ? g_build_filename(s->install_dir, d->path, NULL) : NULL;
        if (path != NULL && !d->optional && !g_file_test(path, G_FILE_TEST_IS_DIR)) {
            g_ptr_array_add(folders, g_strdup_printf("%s %s", d->name, path));
        }
    }
    for (size_t i = 0; s->version[0] == '6' && i < G_N_ELEMENTS(ver6_files); i++) {
        g_autofree char *path = g_build_filename(s->install_dir, SERVICE_DIR, ver6_files[i], NULL);
        if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
            g_ptr_array_add(files, g_steal_pointer(&path));
        }
    }
    g_ptr_array_add(folders, NULL);
    g_ptr_array_add(files, NULL);
    f->folders_missing = (char **) g_ptr_array_free(folders, FALSE);
    f->files_missing = (char **) g_ptr_array_free(files, FALSE);
}

static void
gather_config(const struct bl_esm_site *s, struct bl_esm_facts *f)
{
    g_autofree char *nvisord = read_text(s->install_dir, "NVWORK/local/nvisord.cf");
    g_autofree char *options = read_text(s->install_dir, SERVICE_DIR "/options.txt");
    g_autofree char *subscribe = read_text(
        s->install_dir, SERVICE_DIR "/esmpro/eventman/indication/subscribeSetting.properties");
    g_autofree char *mg = NULL;
    g_autofree char *version = NULL;
    gsize mg_len = 0;
    g_autofree char *mg_path =
        g_build_filename(s->install_dir, "AlertMan/Work/WMGReprt/MGHTPLOG.INF", NULL);

    f->nvisord_name = value_of(nvisord, "CommunityName", ':');
    f->sm_name = value_of(options, "SM_NAME", '=');
    f->cluster_fip = value_of(options, "CLUSTER_FIP", '=');
    f->indication_ip = value_of(subscribe, "indicationReceiveGlobalIp", '=');
    if (g_file_get_contents(mg_path, &mg, &mg_len, NULL)) {
        f->mghtplog = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *) mg, mg_len);
    }
    if (g_file_get_contents(s->version_file, &version, NULL, NULL)) {
        f->version = g_strndup(g_strstrip(version), strcspn(version, "\n"));
    }
    f->install_dir = g_file_test(s->install_dir, G_FILE_TEST_IS_DIR);
}

/* Run a command through the seam; its output or NULL (the caller g_free()s). */
static char *
run_capture(const struct bl_chain_sys *sys, char *const *argv)
{
    struct bl_exec_req req = {.argv = argv, .timeout_ms = COMMAND_TIMEOUT_MS};
    struct bl_exec_res res;
    char *out = NULL;

    if (sys->exec->run(sys->exec_ctx, &req, &res) == 0 && bl_chain_exec_ok(&res)) {
        out = g_steal_pointer(&res.output);
        out = out != NULL ? out : g_strdup("");
    }
    bl_chain_exec_res_clear(&res);
    return out;
}

static void
gather_agent_events(const struct bl_esm_site *s, const struct bl_chain_sys *sys,
                    struct bl_esm_facts *f)
{
    g_auto(GStrv) argv = NULL;
    g_autofree char *out = NULL;
    g_auto(GStrv) lines = NULL;

    if (s->agent_events_command == NULL ||
        !g_shell_parse_argv(s->agent_events_command, NULL, &argv, NULL)) {
        return;
    }
    out = run_capture(sys, argv);
    lines = g_strsplit(out != NULL ? out : "", "\n", -1);
    for (size_t i = 0; lines[i] != NULL; i++) {
        g_auto(GStrv) w = g_strsplit_set(g_strstrip(lines[i]), " \t", 2);
        for (int e = 0; w[0] != NULL && w[1] != NULL && e < BL_ESM_AGENT_EVENTS; e++) {
            if (g_ascii_strcasecmp(w[0], bl_esm_agent_event_ids[e]) == 0) {
                g_free(f->agent_events[e]);
                f->agent_events[e] = g_ascii_strdown(g_strstrip(w[1]), -1);
            }
        }
    }
}

/* Whether a rendered .reg text has the key (its header, or a subkey's). */
static bool
reg_has_key(const char *text, const char *key)
{
    g_autofree char *win = g_strdelimit(g_strdup(key), "/", '\\');
    g_autofree char *header = g_strconcat("[HKEY_LOCAL_MACHINE\\", win, NULL);
    size_t len = strlen(header);

    for (const char *p = strstr(text, header); p != NULL; p = strstr(p + 1, header)) {
        if ((p == text || p[-1] == '\n') && (p[len] == ']' || p[len] == '\\')) {
            return true;
        }
    }
    return false;
}

static void
gather_registry(const struct bl_chain_sys *sys, const char *reg_cli, const char *reg_profile,
                struct bl_esm_facts *f)
{
    struct bl_reg_profile *prof = NULL;
    g_autofree char *perr = NULL;
    g_autofree char *tmp = g_build_filename(g_get_tmp_dir(), "bmclink-esm-XXXXXX", NULL);
    GPtrArray *missing = g_ptr_array_new();
    g_autofree char *text = NULL;
    int fd;

    if (bl_reg_profile_load(reg_profile, &prof, &perr) == 0 && (fd = g_mkstemp(tmp)) >= 0) {
        close(fd);
        char *argv[] = {(char *) reg_cli, "--profile", (char *) reg_profile, "-o", tmp,
                        "render",         NULL};
        g_autofree char *out = run_capture(sys, argv);
        f->registry_read = out != NULL && g_file_get_contents(tmp, &text, NULL, NULL);
        unlink(tmp);
    }
    for (size_t i = 0; f->registry_read && prof->keys[i] != NULL; i++) {
        if (!reg_has_key(text, prof->keys[i])) {
            g_ptr_array_add(missing, g_strdelimit(g_strdup(prof->keys[i]), "/", '\\'));
        }
    }
    g_ptr_array_add(missing, NULL);
    f->registry_missing = (char **) g_ptr_array_free(missing, FALSE);
    bl_reg_profile_free(prof);
}

void
bl_esm_gather(const struct bl_esm_site *s, const struct bl_chain *chain,
              const struct bl_chain_sys *sys, const char *node, const char *reg_cli,
              const char *reg_profile, struct bl_esm_facts *f)
{
    GString *problems = g_string_new(NULL);

    memset(f, 0, sizeof(*f));
    f->node = g_strdup(node);
    gather_config(s, f);
    gather_files(s, chain, f);
    bl_chain_check(sys, chain, problems);
    f->member_problems = lines_of(problems->str);
    g_string_free(problems, TRUE);
    gather_agent_events(s, sys, f);
    if (reg_cli != NULL && reg_profile != NULL) {
        gather_registry(sys, reg_cli, reg_profile, f);
    } else {
        f->registry_missing = g_new0(char *, 1);
    }
}

static void
set_opt(GKeyFile *kf, const char *key, const char *value)
{
    if (value != NULL) {
        g_key_file_set_string(kf, "facts", key, value);
    }
}

static void
set_list(GKeyFile *kf, const char *key, char **list)
{
    g_key_file_set_string_list(kf, "facts", key, (const char *const *) list,
                               list != NULL ? g_strv_length(list) : 0);
}

char *
bl_esm_facts_to_text(const struct bl_esm_facts *f)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();

    set_opt(kf, "node", f->node);
    set_opt(kf, "version", f->version);
    g_key_file_set_boolean(kf, "facts", "install_dir", f->install_dir);
    set_list(kf, "member_problems", f->member_problems);
    set_list(kf, "folders_missing", f->folders_missing);
    set_list(kf, "files_missing", f->files_missing);
    set_opt(kf, "nvisord_name", f->nvisord_name);
    set_opt(kf, "sm_name", f->sm_name);
    set_opt(kf, "cluster_fip", f->cluster_fip);
    set_opt(kf, "indication_ip", f->indication_ip);
    set_opt(kf, "mghtplog", f->mghtplog);
    for (int e = 0; e < BL_ESM_AGENT_EVENTS; e++) {
        set_opt(kf, bl_esm_agent_event_ids[e], f->agent_events[e]);
    }
    g_key_file_set_boolean(kf, "facts", "registry_read", f->registry_read);
    set_list(kf, "registry_missing", f->registry_missing);
    return g_key_file_to_data(kf, NULL, NULL);
}

/* A value from another node: bounded, UTF-8, one line (it is printed back). */
static char *
get_opt(GKeyFile *kf, const char *key, GString *err)
{
    char *v = g_key_file_get_string(kf, "facts", key, NULL);

    if (v != NULL &&
        (strlen(v) > FACT_MAX || !g_utf8_validate(v, -1, NULL) || strpbrk(v, "\n\r") != NULL)) {
        g_string_append_printf(err, "facts: %s is too long or not one line of text\n", key);
        g_clear_pointer(&v, g_free);
    }
    return v;
}

static char **
get_list(GKeyFile *kf, const char *key, GString *err)
{
    gsize n = 0;
    char **v = g_key_file_get_string_list(kf, "facts", key, &n, NULL);

    for (gsize i = 0; v != NULL && i < n; i++) {
        if (n > LIST_MAX || strlen(v[i]) > FACT_MAX || !g_utf8_validate(v[i], -1, NULL) ||
            strpbrk(v[i], "\n\r") != NULL) {
            g_string_append_printf(err, "facts: %s: too many or malformed entries\n", key);
            g_strfreev(v);
            return g_new0(char *, 1);
        }
    }
    return v != NULL ? v : g_new0(char *, 1);
}

/* A yes/no fact, read by the one boolean parser (bl_conf.h); false when absent or malformed. */
static bool
get_bool(GKeyFile *kf, const char *key)
{
    g_autofree char *v = g_key_file_get_value(kf, "facts", key, NULL);
    bool b = false;

    return v != NULL && bl_conf_parse_bool(g_strstrip(v), &b) == BL_OK && b;
}

int
bl_esm_facts_from_text(const char *text, struct bl_esm_facts *f, char **errmsg)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    GString *problems = g_string_new(NULL);

    memset(f, 0, sizeof(*f));
    if (!g_key_file_load_from_data(kf, text, (gsize) -1, G_KEY_FILE_NONE, NULL)) {
        g_string_append(problems, "facts: not a key file\n");
    }
    f->node = get_opt(kf, "node", problems);
    if (problems->len == 0 && f->node == NULL) {
        g_string_append(problems, "facts: no node name\n");
    }
    f->version = get_opt(kf, "version", problems);
    f->install_dir = get_bool(kf, "install_dir");
    f->member_problems = get_list(kf, "member_problems", problems);
    f->folders_missing = get_list(kf, "folders_missing", problems);
    f->files_missing = get_list(kf, "files_missing", problems);
    f->nvisord_name = get_opt(kf, "nvisord_name", problems);
    f->sm_name = get_opt(kf, "sm_name", problems);
    f->cluster_fip = get_opt(kf, "cluster_fip", problems);
    f->indication_ip = get_opt(kf, "indication_ip", problems);
    f->mghtplog = get_opt(kf, "mghtplog", problems);
    for (int e = 0; e < BL_ESM_AGENT_EVENTS; e++) {
        f->agent_events[e] = get_opt(kf, bl_esm_agent_event_ids[e], problems);
    }
    f->registry_read = get_bool(kf, "registry_read");
    f->registry_missing = get_list(kf, "registry_missing", problems);
    if (problems->len > 0) {
        bl_esm_facts_clear(f);
        *errmsg = g_string_free(problems, FALSE);
        return BL_E_INVALID;
    }
    g_string_free(problems, TRUE);
    *errmsg = NULL;
    return 0;
}

void
bl_esm_facts_clear(struct bl_esm_facts *f)
{
    g_clear_pointer(&f->node, g_free);
    g_clear_pointer(&f->version, g_free);
    g_clear_pointer(&f->member_problems, g_strfreev);
    g_clear_pointer(&f->folders_missing, g_strfreev);
    g_clear_pointer(&f->files_missing, g_strfreev);
    g_clear_pointer(&f->nvisord_name, g_free);
    g_clear_pointer(&f->sm_name, g_free);
    g_clear_pointer(&f->cluster_fip, g_free);
    g_clear_pointer(&f->indication_ip, g_free);
    g_clear_pointer(&f->mghtplog, g_free);
    for (int e = 0; e < BL_ESM_AGENT_EVENTS; e++) {
        g_clear_pointer(&f->agent_events[e], g_free);
    }
    g_clear_pointer(&f->registry_missing, g_strfreev);
}
