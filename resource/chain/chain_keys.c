/*
 * The member key table and the values it accepts, shared by the parser (chain_conf.c); and
 * from the same table the chain written back as text (the run snapshot), compared, and
 * documented (`bmclink chain keys`).
 */
#include "chain.h"
#include "bl_conf.h"

#include "bl_result.h"
#include "chain_int.h"

#include <errno.h>
#include <glib.h>
#include <stddef.h>
#include <string.h>

#define OFF(field) offsetof(struct bl_chain_member, field)

/* Indexed by enum bl_member_key. */
const struct bl_key_def bl_member_keys[BL_MK_COUNT] = {
    [BL_MK_KIND] = {"kind", KT_KIND, ALL_KINDS, OFF(kind), "(required)",
                    "systemd (a unit), lsb (an init script) or daemon (a command with a pidfile)"},
    [BL_MK_DESCRIPTION] = {"description", KT_STRING, ALL_KINDS, OFF(description), "",
                           "human-readable name, e.g. the Windows service's display name"},
    [BL_MK_OPTIONAL] = {"optional", KT_BOOL, ALL_KINDS, OFF(optional), "false",
                        "a failed start is logged and skipped; monitor reports degraded (190)"},
    [BL_MK_UNIT] = {"unit", KT_STRING, KIND_BIT(BL_KIND_SYSTEMD), OFF(unit), "(required)",
                    "systemd unit; \".service\" is appended when the name has no suffix"},
    [BL_MK_SCRIPT] = {"script", KT_PATH, KIND_BIT(BL_KIND_LSB), OFF(script), "(required)",
                      "LSB init script, e.g. /etc/init.d/nvbase"},
    [BL_MK_COMMAND] = {"command", KT_ARGV, KIND_BIT(BL_KIND_DAEMON), OFF(command), "(required)",
                       "program and arguments (shell-like quoting, no shell); must daemonize "
                       "and write the pidfile unless foreground = true"},
    [BL_MK_STOP_COMMAND] = {"stop_command", KT_ARGV, KIND_BIT(BL_KIND_DAEMON), OFF(stop_command),
                            "",
                            "run instead of sending SIGTERM; SIGKILL still follows the timeout"},
    [BL_MK_FOREGROUND] = {"foreground", KT_BOOL, KIND_BIT(BL_KIND_DAEMON), OFF(foreground), "false",
                          "the command stays in the foreground; the agent detaches it and writes "
                          "the pidfile"},
    [BL_MK_PIDFILE] = {"pidfile", KT_PATH, KIND_BIT(BL_KIND_DAEMON) | KIND_BIT(BL_KIND_LSB),
                       OFF(pidfile), "(required for daemon)",
                       "the member's pidfile; for lsb it lets monitor check /proc without running "
                       "the script"},
    [BL_MK_EXE] = {"exe", KT_PATH, KIND_BIT(BL_KIND_DAEMON) | KIND_BIT(BL_KIND_LSB), OFF(exe),
                   "command's program",
                   "program the pidfile's process must be running (/proc/PID/exe or its first "
                   "two arguments); any other process is \"not running\" and never signalled"},
    [BL_MK_LOG] = {"log", KT_PATH, KIND_BIT(BL_KIND_DAEMON) | KIND_BIT(BL_KIND_LSB), OFF(log),
                   "captured",
                   "file that receives the member's start/stop output (appended); "
                   "without it the output is captured and logged when a start fails"},
    [BL_MK_START_TIMEOUT] = {"start_timeout", KT_DURATION, ALL_KINDS, OFF(start_timeout_ms),
                             "agent's member_start_timeout",
                             "time for the start command and the readiness check together"},
    [BL_MK_STOP_TIMEOUT] = {"stop_timeout", KT_DURATION, ALL_KINDS, OFF(stop_timeout_ms),
                            "agent's member_stop_timeout", "time between SIGTERM and SIGKILL"},
    [BL_MK_READY] = {"ready", KT_READY, ALL_KINDS, OFF(ready), "alive",
                     "readiness check: alive (process or unit), tcp (host:port accepts), "
                     "command (check exits 0)"},
    [BL_MK_HOST] = {"host", KT_STRING, ALL_KINDS, OFF(host), "127.0.0.1",
                    "ready = tcp: numeric IPv4 or IPv6 address"},
    [BL_MK_PORT] = {"port", KT_PORT, ALL_KINDS, OFF(port), "", "ready = tcp: port (1-65535)"},
    [BL_MK_CHECK] = {"check", KT_ARGV, ALL_KINDS, OFF(check), "",
                     "ready = command: program and arguments; exit 0 means ready"},
    [BL_MK_WHEN] = {"when", KT_COND, ALL_KINDS, OFF(when), "always",
                    "site condition: a feature name (kept when the site's `features` list "
                    "it) or `version >= X.Y` (kept when the site's `version` is that or "
                    "later); otherwise the member is left out of the chain"},
    [BL_MK_BEFORE_START] = {"before_start", KT_HOOK, ALL_KINDS, OFF(hook[BL_HOOK_BEFORE_START]),
                            "-",
                            "[outside] only: `start` or `stop` it before the chain's first "
                            "member starts; may end with `if CONDITION`",
                            true},
    [BL_MK_AFTER_START] = {"after_start", KT_HOOK, ALL_KINDS, OFF(hook[BL_HOOK_AFTER_START]), "-",
                           "[outside] only: the same, after the chain's last member started", true},
    [BL_MK_BEFORE_STOP] = {"before_stop", KT_HOOK, ALL_KINDS, OFF(hook[BL_HOOK_BEFORE_STOP]), "-",
                           "[outside] only: the same, before the chain's stop begins", true},
    [BL_MK_AFTER_STOP] = {"after_stop", KT_HOOK, ALL_KINDS, OFF(hook[BL_HOOK_AFTER_STOP]), "-",
                          "[outside] only: the same, after the chain's stop ended", true},
};

const char *const bl_kind_names[BL_KIND_COUNT] = {"systemd", "lsb", "daemon"};
const char *const bl_ready_names[3] = {"alive", "tcp", "command"};

const char *
bl_member_kind_name(enum bl_member_kind kind)
{
    return (kind >= 0 && kind < BL_KIND_COUNT) ? bl_kind_names[kind] : "unknown";
}

const char *
bl_ready_kind_name(enum bl_ready_kind kind)
{
    return (kind >= 0 && kind <= BL_READY_COMMAND) ? bl_ready_names[kind] : "unknown";
}

/* The chain file's reader (chain_conf.c) still calls these names; it moves onto the config
 * engine with the chain format's next change. The parsing is bl_conf.h's. */
int
bl_parse_bool(const char *text, bool *value)
{
    return bl_conf_parse_bool(text, value);
}

int
bl_parse_duration_ms(const char *text, unsigned *ms)
{
    uint64_t v = 0;

    if (bl_conf_parse_duration(text, 1000, &v) != BL_OK || v == 0 || v > BL_TIMEOUT_MAX_MS) {
        return BL_E_INVALID;
    }
    *ms = (unsigned) v;
    return 0;
}

/* Parsing and clearing one key's value (the parser's side of the table). */

static int
parse_port(const char *text, unsigned *port)
{
    char *end = NULL;
    guint64 value;

    if (!g_ascii_isdigit(text[0])) {
        return BL_E_INVALID;
    }
    errno = 0;
    value = g_ascii_strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || value == 0 || value > 65535) {
        return BL_E_INVALID;
    }
    *port = (unsigned) value;
    return 0;
}

static int
lookup_name(const char *const *names, size_t n, const char *text)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], text) == 0) {
            return (int) i;
        }
    }
    return -1;
}

/* Store one value; returns NULL or a static description of what is wrong. */
const char *
bl_member_store(struct bl_chain_member *m, const struct bl_key_def *def, const char *value)
{
    char *field = (char *) m + def->offset;
    char **argv = NULL;
    const char *problem;
    int idx;

    switch (def->type) {
        case KT_PATH:
            if (value[0] != '/') {
                return "must be an absolute path";
            }
            /* fall through */
        case KT_STRING:
            g_free(*(char **) field);
            *(char **) field = g_strdup(value);
            return NULL;
        case KT_ARGV:
            if (!g_shell_parse_argv(value, NULL, &argv, NULL)) {
                return "is not a valid command line (check the quoting)";
            }
            if (argv[0][0] != '/') {
                g_strfreev(argv);
                return "must start with the program's absolute path";
            }
            g_strfreev(*(char ***) field);
            *(char ***) field = argv;
            return NULL;
        case KT_BOOL:
            return bl_parse_bool(value, (bool *) field) == 0 ? NULL
                                                             : "must be true or false (yes/no)";
        case KT_DURATION:
            return bl_parse_duration_ms(value, (unsigned *) field) == 0
                       ? NULL
                       : "must be a duration such as 500ms, 30s or 2min (above 0, at most 1h)";
        case KT_PORT:
            return parse_port(value, (unsigned *) field) == 0 ? NULL : "must be a port 1-65535";
        case KT_KIND:
            idx = lookup_name(bl_kind_names, G_N_ELEMENTS(bl_kind_names), value);
            if (idx < 0) {
                return "is an unknown member kind (expected systemd, lsb or daemon)";
            }
            *(enum bl_member_kind *) field = (enum bl_member_kind) idx;
            return NULL;
        case KT_READY:
            idx = lookup_name(bl_ready_names, G_N_ELEMENTS(bl_ready_names), value);
            if (idx < 0) {
                return "is an unknown readiness check (expected alive, tcp or command)";
            }
            *(enum bl_ready_kind *) field = (enum bl_ready_kind) idx;
            return NULL;
        case KT_COND:
        case KT_HOOK:
            problem = def->type == KT_COND ? bl_cond_problem(value) : bl_hook_problem(value);
            if (problem != NULL) {
                return problem;
            }
            g_free(*(char **) field);
            *(char **) field = g_strdup(value);
            return NULL;
    }
    return "has an unsupported type";
}

void
bl_member_clear_key(struct bl_chain_member *m, enum bl_member_key k)
{
    char *field = (char *) m + bl_member_keys[k].offset;

    switch (bl_member_keys[k].type) {
        case KT_STRING:
        case KT_PATH:
        case KT_COND:
        case KT_HOOK:
            g_clear_pointer((char **) field, g_free);
            break;
        case KT_ARGV:
            g_clear_pointer((char ***) field, g_strfreev);
            break;
        case KT_BOOL:
            *(bool *) field = false;
            break;
        default: /* durations, ports and enums are int-sized; zero is each one's default */
            memset(field, 0, sizeof(unsigned));
            break;
    }
    m->key_line[k] = 0;
    g_clear_pointer(&m->key_source[k], g_free);
}

/* An override that changes a member's kind drops the keys that only fitted the old kind. */
void
bl_member_drop_other_kind_keys(struct bl_chain_member *m, const char *source)
{
    for (int k = 0; k < BL_MK_COUNT; k++) {
        if (bl_member_keys[k].kinds != ALL_KINDS && m->key_line[k] != 0 &&
            g_strcmp0(m->key_source[k], source) != 0) {
            bl_member_clear_key(m, (enum bl_member_key) k);
        }
    }
}

int
bl_member_key_find(const char *key)
{
    for (int k = 0; k < BL_MK_COUNT; k++) {
        if (strcmp(bl_member_keys[k].key, key) == 0) {
            return k;
        }
    }
    return -1;
}

static void
append_argv(GString *out, char *const *argv)
{
    for (size_t i = 0; argv[i] != NULL; i++) {
        g_autofree char *quoted = g_shell_quote(argv[i]);
        g_string_append_printf(out, "%s%s", i > 0 ? " " : "", quoted);
    }
}

static void
append_key(GString *out, const struct bl_chain_member *m, int k)
{
    const struct bl_key_def *def = &bl_member_keys[k];
    const char *field = (const char *) m + def->offset;

    switch (def->type) {
        case KT_STRING:
        case KT_PATH:
        case KT_COND:
        case KT_HOOK:
            if (*(char *const *) field != NULL) {
                g_string_append_printf(out, "%s = %s\n", def->key, *(char *const *) field);
            }
            break;
        case KT_ARGV:
            if (*(char **const *) field != NULL) {
                g_string_append_printf(out, "%s = ", def->key);
                append_argv(out, *(char **const *) field);
                g_string_append_c(out, '\n');
            }
            break;
        case KT_BOOL:
            g_string_append_printf(out, "%s = %s\n", def->key,
                                   *(const bool *) field ? "true" : "false");
            break;
        case KT_DURATION:
            g_string_append_printf(out, "%s = %ums\n", def->key, *(const unsigned *) field);
            break;
        case KT_PORT:
            if (*(const unsigned *) field != 0) {
                g_string_append_printf(out, "%s = %u\n", def->key, *(const unsigned *) field);
            }
            break;
        case KT_KIND:
            g_string_append_printf(out, "%s = %s\n", def->key, bl_member_kind_name(m->kind));
            break;
        case KT_READY:
            g_string_append_printf(out, "%s = %s\n", def->key, bl_ready_kind_name(m->ready));
            break;
    }
}

static void
append_member(GString *out, const struct bl_chain_member *m)
{
    g_string_append_printf(out, "\n[%s %s]\n", m->outside ? "outside" : "member", m->name);
    for (int k = 0; k < BL_MK_COUNT; k++) {
        if ((bl_member_keys[k].kinds & KIND_BIT(m->kind)) &&
            (m->outside || !bl_member_keys[k].outside_only) &&
            (k != BL_MK_OPTIONAL || !m->outside)) {
            append_key(out, m, k);
        }
    }
}

char *
bl_chain_to_text(const struct bl_chain *chain)
{
    GString *out = g_string_new(NULL);

    g_string_append_printf(out, "# written by bmclink from %s\n[chain]\nname = %s\n", chain->source,
                           chain->name);
    if (chain->description != NULL) {
        g_string_append_printf(out, "description = %s\n", chain->description);
    }
    bl_chain_site_to_text(chain, out);
    for (size_t i = 0; i < chain->n_members; i++) {
        append_member(out, &chain->members[i]);
    }
    for (size_t i = 0; i < chain->n_outside; i++) {
        append_member(out, &chain->outside[i]);
    }
    bl_chain_folders_to_text(chain, out);
    return g_string_free(out, FALSE);
}

static bool
same_argv(char *const *a, char *const *b)
{
    if (a == NULL || b == NULL) {
        return a == b;
    }
    return g_strv_equal((const char *const *) a, (const char *const *) b);
}

static bool
same_member(const struct bl_chain_member *a, const struct bl_chain_member *b)
{
    return strcmp(a->name, b->name) == 0 && a->kind == b->kind && a->optional == b->optional &&
           g_strcmp0(a->unit, b->unit) == 0 && g_strcmp0(a->script, b->script) == 0 &&
           same_argv(a->command, b->command) && same_argv(a->stop_command, b->stop_command) &&
           a->foreground == b->foreground && g_strcmp0(a->pidfile, b->pidfile) == 0 &&
           g_strcmp0(a->exe, b->exe) == 0 && g_strcmp0(a->log, b->log) == 0 &&
           a->ready == b->ready && g_strcmp0(a->host, b->host) == 0 && a->port == b->port &&
           same_argv(a->check, b->check);
}

bool
bl_chain_same_members(const struct bl_chain *a, const struct bl_chain *b)
{
    if (a->n_members != b->n_members) {
        return false;
    }
    for (size_t i = 0; i < a->n_members; i++) {
        if (!same_member(&a->members[i], &b->members[i])) {
            return false;
        }
    }
    return true;
}

static void
print_kinds(FILE *out, unsigned kinds)
{
    const char *sep = "";

    if (kinds == ALL_KINDS) {
        fputs("all", out);
        return;
    }
    for (int k = 0; k < BL_KIND_COUNT; k++) {
        if (kinds & KIND_BIT(k)) {
            fprintf(out, "%s%s", sep, bl_kind_names[k]);
            sep = ", ";
        }
    }
}

void
bl_chain_print_keys(FILE *out)
{
    fputs("| key | kinds | default | meaning |\n|---|---|---|---|\n", out);
    for (int k = 0; k < BL_MK_COUNT; k++) {
        const struct bl_key_def *def = &bl_member_keys[k];
        fprintf(out, "| `%s` | ", def->key);
        print_kinds(out, def->kinds);
        fprintf(out, " | %s | %s |\n", def->def[0] != '\0' ? def->def : "-", def->desc);
    }
}
