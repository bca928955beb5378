/*
 * The member key table and the values it accepts, shared by the parser (chain_conf.c); and
 * from the same table the chain written back as text (the run snapshot), compared, and
 * documented (`bmclink chain keys`).
 */
#include "chain.h"
#include "bl_conf.h"

#include "bl_result.h"
#include "chain_int.h"

#include <glib.h>
#include <stddef.h>
#include <string.h>

#define OFF(field) offsetof(struct bl_chain_member, field)
#define ABSP (BL_CONF_ABSPATH)

static int parse_enum(const struct bl_conf_key *k, const char *text, void *base);
static int parse_argv(const struct bl_conf_key *k, const char *text, void *base);
static int parse_cond(const struct bl_conf_key *k, const char *text, void *base);
static int parse_hook(const struct bl_conf_key *k, const char *text, void *base);

#define ARGV_EXPECTED                                                                              \
    "a command line: the program's absolute path, then its arguments (shell-like quoting, no "     \
    "shell)"
#define HOOK_EXPECTED                                                                              \
    "start or stop, optionally followed by 'if CONDITION' (a feature name, or version >= X.Y)"

/* The rows' groups are the member kinds a key applies to: "member" (every kind), "systemd",
 * "lsb", "daemon", or "outside" ([outside NAME] entries only). The first BL_MK_COUNT rows are
 * one per key in enum bl_member_key order (the index of key_line); a key of two kinds has a
 * second row after them. `def` is what the documentation shows: the defaults come from the
 * agent's parameters and finish_member(), so bl_conf_defaults() is never run on this table. */
const struct bl_conf_key bl_chain_member_keys[] = {
    [BL_MK_KIND] = {"member", "kind", BL_CONF_CUSTOM, "(required)", 0, 0, "systemd, lsb or daemon",
                    parse_enum, OFF(kind), 0,
                    "systemd (a unit), lsb (an init script) or daemon (a command with a pidfile)"},
    [BL_MK_DESCRIPTION] = {"member", "description", BL_CONF_STRDUP, "", 0, 0, NULL, NULL,
                           OFF(description), 0,
                           "human-readable name, e.g. the Windows service's display name"},
    [BL_MK_OPTIONAL] = {"member", "optional", BL_CONF_BOOL, "false", 0, 0, NULL, NULL,
                        OFF(optional), 0,
                        "a failed start is logged and skipped; monitor reports degraded (190)"},
    [BL_MK_UNIT] = {"systemd", "unit", BL_CONF_STRDUP, "(required)", 0, 0, NULL, NULL, OFF(unit), 0,
                    "systemd unit; \".service\" is appended when the name has no suffix"},
    [BL_MK_SCRIPT] = {"lsb", "script", BL_CONF_STRDUP, "(required)", 1, 0, NULL, NULL, OFF(script),
                      ABSP, "LSB init script, e.g. /etc/init.d/nvbase"},
    [BL_MK_COMMAND] = {"daemon", "command", BL_CONF_CUSTOM, "(required)", 0, 0, ARGV_EXPECTED,
                       parse_argv, OFF(command), 0,
                       "program and arguments (shell-like quoting, no shell); must daemonize "
                       "and write the pidfile unless foreground = true"},
    [BL_MK_STOP_COMMAND] = {"daemon", "stop_command", BL_CONF_CUSTOM, "", 0, 0, ARGV_EXPECTED,
                            parse_argv, OFF(stop_command), 0,
                            "run instead of sending SIGTERM; SIGKILL still follows the timeout"},
    [BL_MK_FOREGROUND] = {"daemon", "foreground", BL_CONF_BOOL, "false", 0, 0, NULL, NULL,
                          OFF(foreground), 0,
                          "the command stays in the foreground; the agent detaches it and writes "
                          "the pidfile"},
    [BL_MK_PIDFILE] = {"daemon", "pidfile", BL_CONF_STRDUP, "(required for daemon)", 1, 0, NULL,
                       NULL, OFF(pidfile), ABSP,
                       "the member's pidfile; for lsb it lets monitor check /proc without running "
                       "the script"},
    [BL_MK_EXE] = {"daemon", "exe", BL_CONF_STRDUP, "command's program", 1, 0, NULL, NULL, OFF(exe),
                   ABSP,
                   "program the pidfile's process must be running (/proc/PID/exe or its first "
                   "two arguments); any other process is \"not running\" and never signalled"},
    [BL_MK_LOG] = {"daemon", "log", BL_CONF_STRDUP, "captured", 1, 0, NULL, NULL, OFF(log), ABSP,
                   "file that receives the member's start/stop output (appended); "
                   "without it the output is captured and logged when a start fails"},
    [BL_MK_START_TIMEOUT] = {"member", "start_timeout", BL_CONF_DURATION,
                             "agent's member_start_timeout", 1, BL_TIMEOUT_MAX_MS, NULL, NULL,
                             OFF(start_timeout_ms), 0,
                             "time for the start command and the readiness check together"},
    [BL_MK_STOP_TIMEOUT] = {"member", "stop_timeout", BL_CONF_DURATION,
                            "agent's member_stop_timeout", 1, BL_TIMEOUT_MAX_MS, NULL, NULL,
                            OFF(stop_timeout_ms), 0, "time between SIGTERM and SIGKILL"},
    [BL_MK_READY] = {"member", "ready", BL_CONF_CUSTOM, "alive", 0, 0, "alive, tcp or command",
                     parse_enum, OFF(ready), 0,
                     "readiness check: alive (process or unit), tcp (host:port accepts), "
                     "command (check exits 0)"},
    [BL_MK_HOST] = {"member", "host", BL_CONF_STRDUP, "127.0.0.1", 0, 0, NULL, NULL, OFF(host), 0,
                    "ready = tcp: numeric IPv4 or IPv6 address"},
    [BL_MK_PORT] = {"member", "port", BL_CONF_UINT, "", 1, 65535, NULL, NULL, OFF(port), 0,
                    "ready = tcp: port (1-65535)"},
    [BL_MK_CHECK] = {"member", "check", BL_CONF_CUSTOM, "", 0, 0, ARGV_EXPECTED, parse_argv,
                     OFF(check), 0, "ready = command: program and arguments; exit 0 means ready"},
    [BL_MK_WHEN] = {"member", "when", BL_CONF_CUSTOM, "always", 0, 0,
                    "a condition: a feature name such as dmi_events, or version >= 6.40",
                    parse_cond, OFF(when), 0,
                    "site condition: a feature name (kept when the site's `features` list "
                    "it) or `version >= X.Y` (kept when the site's `version` is that or "
                    "later); otherwise the member is left out of the chain"},
    [BL_MK_BEFORE_START] = {"outside", "before_start", BL_CONF_CUSTOM, "-", 0, 0, HOOK_EXPECTED,
                            parse_hook, OFF(hook[BL_HOOK_BEFORE_START]), 0,
                            "[outside] only: `start` or `stop` it before the chain's first "
                            "member starts; may end with `if CONDITION`"},
    [BL_MK_AFTER_START] = {"outside", "after_start", BL_CONF_CUSTOM, "-", 0, 0, HOOK_EXPECTED,
                           parse_hook, OFF(hook[BL_HOOK_AFTER_START]), 0,
                           "[outside] only: the same, after the chain's last member started"},
    [BL_MK_BEFORE_STOP] = {"outside", "before_stop", BL_CONF_CUSTOM, "-", 0, 0, HOOK_EXPECTED,
                           parse_hook, OFF(hook[BL_HOOK_BEFORE_STOP]), 0,
                           "[outside] only: the same, before the chain's stop begins"},
    [BL_MK_AFTER_STOP] = {"outside", "after_stop", BL_CONF_CUSTOM, "-", 0, 0, HOOK_EXPECTED,
                          parse_hook, OFF(hook[BL_HOOK_AFTER_STOP]), 0,
                          "[outside] only: the same, after the chain's stop ended"},
    /* the keys of two kinds: their lsb rows */
    {"lsb", "pidfile", BL_CONF_STRDUP, NULL, 1, 0, NULL, NULL, OFF(pidfile), ABSP, NULL},
    {"lsb", "exe", BL_CONF_STRDUP, NULL, 1, 0, NULL, NULL, OFF(exe), ABSP, NULL},
    {"lsb", "log", BL_CONF_STRDUP, NULL, 1, 0, NULL, NULL, OFF(log), ABSP, NULL},
    {NULL, NULL, 0, NULL, 0, 0, NULL, NULL, 0, 0, NULL},
};

const char *const bl_chain_kind_names[BL_KIND_COUNT] = {"systemd", "lsb", "daemon"};
const char *const bl_chain_ready_names[3] = {"alive", "tcp", "command"};

const char *
bl_chain_member_kind_name(enum bl_member_kind kind)
{
    return (kind >= 0 && kind < BL_KIND_COUNT) ? bl_chain_kind_names[kind] : "unknown";
}

const char *
bl_chain_ready_kind_name(enum bl_ready_kind kind)
{
    return (kind >= 0 && kind <= BL_READY_COMMAND) ? bl_chain_ready_names[kind] : "unknown";
}

/* Parsing and clearing one key's value (the parser's side of the table). */

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

/* kind and ready: a name of their list, stored as its enum. */
static int
parse_enum(const struct bl_conf_key *k, const char *text, void *base)
{
    bool kind = strcmp(k->key, "kind") == 0;
    int idx = kind ? lookup_name(bl_chain_kind_names, G_N_ELEMENTS(bl_chain_kind_names), text)
                   : lookup_name(bl_chain_ready_names, G_N_ELEMENTS(bl_chain_ready_names), text);

    if (idx < 0) {
        return BL_E_INVALID;
    }
    *(int *) (void *) ((char *) base + k->offset) = idx; /* both enums are int-sized */
    return 0;
}

static int
parse_argv(const struct bl_conf_key *k, const char *text, void *base)
{
    char ***field = (char ***) (void *) ((char *) base + k->offset);
    char **argv = NULL;

    if (!g_shell_parse_argv(text, NULL, &argv, NULL)) {
        return BL_E_INVALID;
    }
    if (argv[0][0] != '/') {
        g_strfreev(argv);
        return BL_E_INVALID;
    }
    g_strfreev(*field);
    *field = argv;
    return 0;
}

static int
store_text(const struct bl_conf_key *k, const char *text, void *base)
{
    char **field = (char **) (void *) ((char *) base + k->offset);

    g_free(*field);
    *field = g_strdup(text);
    return 0;
}

static int
parse_cond(const struct bl_conf_key *k, const char *text, void *base)
{
    return bl_chain_cond_problem(text) == NULL ? store_text(k, text, base) : BL_E_INVALID;
}

static int
parse_hook(const struct bl_conf_key *k, const char *text, void *base)
{
    return bl_chain_hook_problem(text) == NULL ? store_text(k, text, base) : BL_E_INVALID;
}

int
bl_chain_parse_cond(const struct bl_conf_key *k, const char *text, void *base)
{
    return parse_cond(k, text, base);
}

void
bl_chain_member_clear_key(struct bl_chain_member *m, enum bl_member_key k)
{
    const struct bl_conf_key *row = &bl_chain_member_keys[k];
    char *field = (char *) m + row->offset;

    if (row->parse == parse_argv) {
        g_clear_pointer((char ***) (void *) field, g_strfreev);
    } else if (row->type == BL_CONF_STRDUP || row->parse == parse_cond ||
               row->parse == parse_hook) {
        g_clear_pointer((char **) (void *) field, g_free);
    } else if (row->type == BL_CONF_BOOL) {
        *(bool *) field = false;
    } else { /* durations, ports and enums are int-sized; zero is each one's default */
        memset(field, 0, sizeof(unsigned));
    }
    m->key_line[k] = 0;
    g_clear_pointer(&m->key_source[k], g_free);
}

bool
bl_chain_member_key_applies(enum bl_member_key k, enum bl_member_kind kind)
{
    const char *key = bl_chain_member_keys[k].key;

    return bl_conf_find(bl_chain_member_keys, "member", key) != NULL ||
           bl_conf_find(bl_chain_member_keys, "outside", key) != NULL ||
           bl_conf_find(bl_chain_member_keys, bl_chain_member_kind_name(kind), key) != NULL;
}

/* An override that changes a member's kind drops the keys that only fitted the old kind. */
void
bl_chain_member_drop_other_kind_keys(struct bl_chain_member *m, const char *source)
{
    for (int k = 0; k < BL_MK_COUNT; k++) {
        const char *group = bl_chain_member_keys[k].group;
        if (strcmp(group, "member") != 0 && strcmp(group, "outside") != 0 && m->key_line[k] != 0 &&
            g_strcmp0(m->key_source[k], source) != 0) {
            bl_chain_member_clear_key(m, (enum bl_member_key) k);
        }
    }
}

int
bl_chain_member_key_find(const char *key)
{
    for (int k = 0; k < BL_MK_COUNT; k++) {
        if (strcmp(bl_chain_member_keys[k].key, key) == 0) {
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
    const struct bl_conf_key *row = &bl_chain_member_keys[k];
    const char *field = (const char *) m + row->offset;

    if (row->parse == parse_argv) {
        if (*(char **const *) (const void *) field != NULL) {
            g_string_append_printf(out, "%s = ", row->key);
            append_argv(out, *(char **const *) (const void *) field);
            g_string_append_c(out, '\n');
        }
    } else if (k == BL_MK_KIND) {
        g_string_append_printf(out, "%s = %s\n", row->key, bl_chain_member_kind_name(m->kind));
    } else if (k == BL_MK_READY) {
        g_string_append_printf(out, "%s = %s\n", row->key, bl_chain_ready_kind_name(m->ready));
    } else if (row->type == BL_CONF_BOOL) {
        g_string_append_printf(out, "%s = %s\n", row->key,
                               *(const bool *) field ? "true" : "false");
    } else if (row->type == BL_CONF_DURATION) {
        g_string_append_printf(out, "%s = %ums\n", row->key, *(const unsigned *) field);
    } else if (row->type == BL_CONF_UINT) {
        if (*(const unsigned *) field != 0) {
            g_string_append_printf(out, "%s = %u\n", row->key, *(const unsigned *) field);
        }
    } else if (*(char *const *) (const void *) field != NULL) {
        g_string_append_printf(out, "%s = %s\n", row->key, *(char *const *) (const void *) field);
    }
}

static void
append_member(GString *out, const struct bl_chain_member *m)
{
    g_string_append_printf(out, "\n[%s %s]\n", m->outside ? "outside" : "member", m->name);
    for (int k = 0; k < BL_MK_COUNT; k++) {
        bool outside_only = strcmp(bl_chain_member_keys[k].group, "outside") == 0;
        if (bl_chain_member_key_applies((enum bl_member_key) k, m->kind) &&
            (m->outside || !outside_only) && (k != BL_MK_OPTIONAL || !m->outside)) {
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

/* "all", or the kinds the key's rows name ("lsb, daemon"). */
static void
print_kinds(FILE *out, const char *key)
{
    const char *sep = "";

    if (bl_conf_find(bl_chain_member_keys, "member", key) != NULL ||
        bl_conf_find(bl_chain_member_keys, "outside", key) != NULL) {
        fputs("all", out);
        return;
    }
    for (int k = 0; k < BL_KIND_COUNT; k++) {
        if (bl_conf_find(bl_chain_member_keys, bl_chain_kind_names[k], key) != NULL) {
            fprintf(out, "%s%s", sep, bl_chain_kind_names[k]);
            sep = ", ";
        }
    }
}

void
bl_chain_print_keys(FILE *out)
{
    fputs("| key | kinds | default | meaning |\n|---|---|---|---|\n", out);
    for (int k = 0; k < BL_MK_COUNT; k++) {
        const struct bl_conf_key *row = &bl_chain_member_keys[k];
        fprintf(out, "| `%s` | ", row->key);
        print_kinds(out, row->key);
        fprintf(out, " | %s | %s |\n", row->def[0] != '\0' ? row->def : "-", row->description);
    }
}
