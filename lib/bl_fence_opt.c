/*
 * fence_bmclink's two option parsers (argv, stdin) and the final check of the combination;
 * the table they read is bl_fence_opt_table.c.
 */
#include "bl_fence_opt.h"
#include "bl_cli.h"
#include "bl_conf.h"
#include "bl_result.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <qb/qblog.h>

#define BL_STDIN_MAX (1024 * 1024)

/* The table, BL_FOPT__COUNT rows in enum order (bl_fence_opt_table.c). */
#define bl_fopts (bl_fopt_table())

/* ---------------------------------------------------------------------------------- */
/* Raw values.                                                                         */

void
bl_fence_opts_init(struct bl_fence_opts *o)
{
    memset(o, 0, sizeof(*o));
}

static void
bl_free_secret(char *s)
{
    if (s != NULL) {
        explicit_bzero(s, strlen(s));
        g_free(s);
    }
}

void
bl_fence_opts_clear(struct bl_fence_opts *o)
{
    for (int i = 0; i < BL_FOPT__COUNT; i++) {
        bl_free_secret(o->val[i]);
        o->val[i] = NULL;
    }
    g_free(o->nodename);
    o->nodename = NULL;
}

static void
bl_set_val(struct bl_fence_opts *o, enum bl_fopt_id id, const char *v)
{
    bl_free_secret(o->val[id]);
    o->val[id] = g_strdup(v);
}

/* ---------------------------------------------------------------------------------- */
/* Command line.                                                                       */

static const struct bl_fopt_def *
bl_find_short(int ch)
{
    for (int i = 0; i < BL_FOPT__COUNT; i++) {
        if (bl_fopts[i].short_opt != 0 && bl_fopts[i].short_opt == ch) {
            return &bl_fopts[i];
        }
    }
    return NULL;
}

static void
bl_build_getopt(char *shortopts, struct option *longopts)
{
    char *p = shortopts;
    int n = 0;

    *p++ = ':'; /* report a missing argument as ':' */
    for (int i = 0; i < BL_FOPT__COUNT; i++) {
        const struct bl_fopt_def *d = &bl_fopts[i];

        if (d->short_opt != 0) {
            *p++ = d->short_opt;
            if (d->arg != NULL) {
                *p++ = ':';
            }
        }
        longopts[n++] = (struct option){
            d->long_opt, d->arg != NULL ? required_argument : optional_argument, NULL, 256 + d->id};
    }
    *p = '\0';
    longopts[n] = (struct option){NULL, 0, NULL, 0};
}

static int
bl_getopt_error(int ch, int argc, char **argv, char *err, size_t errlen)
{
    const char *arg = optind - 1 < argc ? argv[optind - 1] : "?";

    if (ch == ':') {
        snprintf(err, errlen, "Parse error: option %s requires an argument", arg);
    } else if (optopt != 0) {
        snprintf(err, errlen, "Parse error: option -%c not recognized", optopt);
    } else {
        /* a near miss of a long option gets the nearest (bl_cli.h) */
        const char *names[BL_FOPT__COUNT + 1] = {NULL};
        g_autofree char *typed = g_strndup(arg, strcspn(arg, "="));
        for (int i = 0, n = 0; i < BL_FOPT__COUNT; i++) {
            names[n] = bl_fopts[i].long_opt;
            n += names[n] != NULL;
        }
        const char *near = g_str_has_prefix(typed, "--") ? bl_cli_nearest(typed + 2, names) : NULL;
        snprintf(err, errlen, "Parse error: option %s not recognized%s%s%s", typed,
                 near != NULL ? " (did you mean '--" : "", near != NULL ? near : "",
                 near != NULL ? "'?)" : "");
    }
    return BL_E_INVALID;
}

static void
bl_store_cmdline(struct bl_fence_opts *o, const struct bl_fopt_def *d, char *arg)
{
    if (d->flags & BL_FOPTF_COUNT) {
        o->verbose_count++;
    }
    bl_set_val(o, d->id, arg != NULL ? arg : "1");
    if ((d->flags & BL_FOPTF_SECRET) && arg != NULL) {
        /* Gone from /proc/PID/cmdline from here on; stdin or password_script never show. */
        explicit_bzero(arg, strlen(arg));
    }
}

int
bl_fence_opts_parse_argv(struct bl_fence_opts *o, int argc, char **argv, char *err, size_t errlen)
{
    char shortopts[2 * BL_FOPT__COUNT + 2];
    struct option longopts[BL_FOPT__COUNT + 1];
    int ch;

    bl_build_getopt(shortopts, longopts);
    o->from_cmdline = true;
    optind = 0; /* full re-initialisation of GNU getopt */
    opterr = 0;
    while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        const struct bl_fopt_def *d = ch >= 256 ? &bl_fopts[ch - 256] : bl_find_short(ch);

        if (ch == '?' || ch == ':' || d == NULL) {
            return bl_getopt_error(ch, argc, argv, err, errlen);
        }
        bl_store_cmdline(o, d, optarg);
    }
    if (optind < argc) {
        /* fence-agents only warn; a stray word is refused here, as `-a HOST off` would
         * otherwise run the default action (reboot) instead of the word's */
        snprintf(err, errlen, "Parse error: unexpected argument '%s' (an action is -o ACTION)",
                 argv[optind]);
        return BL_E_INVALID;
    }
    if (o->val[BL_FOPT_PLUG] != NULL && o->val[BL_FOPT_PORT_AS_IP] == NULL) {
        snprintf(err, errlen, "Parser error: option -n/--plug is not recognized");
        return BL_E_INVALID;
    }
    return BL_OK;
}

/* ---------------------------------------------------------------------------------- */
/* Standard input.                                                                     */

static const struct bl_fopt_def *
bl_find_key(const char *key)
{
    g_autofree char *k = g_strdelimit(g_strdup(key), "-", '_');

    for (int i = 0; i < BL_FOPT__COUNT; i++) {
        const struct bl_fopt_def *d = &bl_fopts[i];
        g_autofree char *lo = g_strdelimit(g_strdup(d->long_opt), "-", '_');

        if (strcmp(k, d->name) == 0 || strcmp(k, lo) == 0 ||
            (d->deprecated != NULL && strcmp(k, d->deprecated) == 0)) {
            return d;
        }
    }
    return NULL;
}

static void
bl_store_stdin(struct bl_fence_opts *o, const char *key, const char *value)
{
    const struct bl_fopt_def *d = bl_find_key(key);
    bool b;

    if (d == NULL) {
        if (strcmp(key, "nodename") == 0) {
            g_free(o->nodename);
            o->nodename = g_strdup(value);
        } else {
            qb_log(LOG_WARNING, "Parse error: Ignoring unknown option '%s'", key);
        }
        return;
    }
    if (d->arg != NULL) {
        bl_set_val(o, d->id, value);
        return;
    }
    if (bl_conf_parse_bool(value, &b) != BL_OK) {
        qb_log(LOG_WARNING, "Parse error: Ignoring option '%s' because it does not have value",
               key);
        return;
    }
    if ((d->flags & BL_FOPTF_COUNT) && b) {
        o->verbose_count = 1;
    }
    bl_set_val(o, d->id, b ? "1" : "0");
}

/* Split one line into key and value in place; false for blank lines and comments. */
static bool
bl_split_line(char *line, char **key, char **value)
{
    char *eq;
    size_t n;

    line = g_strstrip(line);
    if (line[0] == '\0' || line[0] == '#') {
        return false;
    }
    eq = strchr(line, '=');
    *key = line;
    *value = eq != NULL ? eq + 1 : line + strlen(line);
    if (eq != NULL) {
        *eq = '\0';
    }
    n = strlen(*value);
    if (n >= 2 && (*value)[0] == '"' && (*value)[n - 1] == '"') {
        (*value)[n - 1] = '\0';
        (*value)++;
    }
    return true;
}

int
bl_fence_opts_parse_stream(struct bl_fence_opts *o, FILE *in, char *err, size_t errlen)
{
    char *line = NULL;
    size_t cap = 0;
    size_t total = 0;
    ssize_t n;
    int rc = BL_OK;

    o->from_cmdline = false;
    while ((n = getline(&line, &cap, in)) > 0) {
        char *key;
        char *value;

        total += (size_t) n;
        if (total > BL_STDIN_MAX) {
            snprintf(err, errlen, "Failed: more than 1 MiB of options on standard input");
            rc = BL_E_INVALID;
            break;
        }
        if (bl_split_line(line, &key, &value)) {
            bl_store_stdin(o, key, value);
        }
        explicit_bzero(line, cap); /* a password may have been on it */
    }
    if (line != NULL) {
        explicit_bzero(line, cap);
        free(line);
    }
    return rc;
}

/* ---------------------------------------------------------------------------------- */
/* Validation.                                                                         */

static int
bl_apply_all(const struct bl_fence_opts *o, struct bl_fence_config *cfg, char *err, size_t errlen)
{
    for (int i = 0; i < BL_FOPT__COUNT; i++) {
        const struct bl_fopt_def *d = &bl_fopts[i];
        const char *v = o->val[i] != NULL ? o->val[i] : bl_fopt_default(d, o->alias);
        int rc;

        if (v == NULL || (o->val[i] == NULL && (d->flags & BL_FOPTF_UNUSED))) {
            continue;
        }
        rc = d->apply(d, cfg, v, err, errlen);
        if (rc != BL_OK) {
            return rc;
        }
    }
    if (o->val[BL_FOPT_VERBOSE_LEVEL] == NULL && o->verbose_count > 0) {
        cfg->verbose_level = (int) o->verbose_count;
    }
    return BL_OK;
}

static bool
bl_is_doc_action(const struct bl_fence_config *cfg)
{
    return cfg->action == BL_FENCE_METADATA || cfg->action == BL_FENCE_MANPAGE || cfg->help ||
           cfg->version;
}

static int
bl_check_combination(struct bl_fence_config *cfg, char *err, size_t errlen)
{
    const char *why = NULL;
    int rc;

    if (cfg->port_as_ip && cfg->plug != NULL) {
        rc = bl_fopts[BL_FOPT_IP].apply(&bl_fopts[BL_FOPT_IP], cfg, cfg->plug, err, errlen);
        if (rc != BL_OK) {
            return rc;
        }
    }
    if (!cfg->have_ip) {
        snprintf(err, errlen, "Failed: You have to enter fence address");
        return BL_E_INVALID;
    }
    g_strlcpy(cfg->ipmi.host, cfg->ip, sizeof(cfg->ipmi.host));
    rc = bl_ipmi_params_check(&cfg->ipmi, &why);
    if (rc != BL_OK) {
        snprintf(err, errlen, "Failed: %s", why);
    }
    return rc;
}

int
bl_fence_opts_resolve(const struct bl_fence_opts *o, struct bl_fence_config *cfg, char *err,
                      size_t errlen)
{
    int rc;

    memset(cfg, 0, sizeof(*cfg));
    cfg->alias = o->alias;
    bl_ipmi_params_init(&cfg->ipmi);
    cfg->nodename = g_strdup(o->nodename);
    err[0] = '\0';
    /* Help, version and the documentation actions need nothing else to be valid. */
    if (o->val[BL_FOPT_ACTION] != NULL) {
        (void) bl_fence_action_parse(o->val[BL_FOPT_ACTION], &cfg->action);
    } else {
        cfg->action = BL_FENCE_REBOOT;
    }
    cfg->help = o->val[BL_FOPT_HELP] != NULL;
    cfg->version = o->val[BL_FOPT_VERSION] != NULL;
    if (bl_is_doc_action(cfg)) {
        return BL_OK;
    }
    rc = bl_apply_all(o, cfg, err, errlen);
    if (rc == BL_OK) {
        rc = bl_check_combination(cfg, err, errlen);
    }
    return rc;
}

void
bl_fence_config_clear(struct bl_fence_config *cfg)
{
    bl_ipmi_params_wipe(&cfg->ipmi);
    g_free(cfg->password_script);
    g_free(cfg->plug);
    g_free(cfg->debug_file);
    g_free(cfg->nodename);
    g_free(cfg->bmclink_conf);
    g_free(cfg->node_bmc);
    cfg->bmclink_conf = NULL;
    cfg->node_bmc = NULL;
    cfg->password_script = NULL;
    cfg->plug = NULL;
    cfg->debug_file = NULL;
    cfg->nodename = NULL;
}
