/*
 * The commands' parser over GOption (bl_cli.h): the checks GOption does not make (unknown
 * options with a suggestion, the subcommand, the number of words, options that do not apply)
 * come first, so each usage error is one line naming its cause.
 */
#include "bl_cli.h"
#include "bl_conf.h"
#include "bl_result.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#ifndef BL_PROJECT_VERSION
#define BL_PROJECT_VERSION "0"
#endif

const char *
bl_version(void)
{
    return BL_PROJECT_VERSION;
}

size_t
bl_cli_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    g_autofree size_t *d = g_new(size_t, (la + 1) * (lb + 1));

#define D(i, j) d[(i) * (lb + 1) + (j)]
    for (size_t i = 0; i <= la; i++) {
        D(i, 0) = i;
    }
    for (size_t j = 0; j <= lb; j++) {
        D(0, j) = j;
    }
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t best = MIN(MIN(D(i - 1, j) + 1, D(i, j - 1) + 1), D(i - 1, j - 1) + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                best = MIN(best, D(i - 2, j - 2) + 1); /* two neighbours swapped */
            }
            D(i, j) = best;
        }
    }
    size_t r = D(la, lb);
#undef D
    return r;
}

const char *
bl_cli_nearest(const char *typed, const char *const *candidates)
{
    size_t limit = strlen(typed) <= 4 ? 1 : 2;
    size_t best = SIZE_MAX;
    const char *near = NULL;
    const char *prefix_of = NULL;
    int n_prefix = 0;

    for (size_t i = 0; candidates[i] != NULL; i++) {
        size_t d = bl_cli_distance(typed, candidates[i]);
        if (d < best) {
            best = d;
            near = candidates[i];
        }
        if (typed[0] != '\0' && g_str_has_prefix(candidates[i], typed)) {
            prefix_of = candidates[i];
            n_prefix++;
        }
    }
    if (near != NULL && best <= limit && best > 0) {
        return near;
    }
    return n_prefix == 1 && strlen(typed) >= 2 ? prefix_of : NULL;
}

char *
bl_cli_unknown_text(const char *what, const char *typed, const char *const *candidates, bool list)
{
    const char *near = bl_cli_nearest(typed, candidates);
    g_autofree char *all = NULL;

    if (near != NULL) {
        return g_strdup_printf("unknown %s '%s' (did you mean '%s'?)", what, typed, near);
    }
    if (!list) {
        return g_strdup_printf("unknown %s '%s' (see --help)", what, typed);
    }
    all = g_strjoinv(", ", (char **) candidates);
    return g_strdup_printf("unknown %s '%s' (one of: %s)", what, typed, all);
}

static bool
takes_arg(const GOptionEntry *e)
{
    if (e->arg == G_OPTION_ARG_NONE) {
        return false;
    }
    return !(e->arg == G_OPTION_ARG_CALLBACK && (e->flags & G_OPTION_FLAG_NO_ARG) != 0);
}

static const GOptionEntry *
find_long(const GOptionEntry *entries, const char *name, size_t len)
{
    for (const GOptionEntry *e = entries; e->long_name != NULL; e++) {
        if (e->long_name[0] != '\0' && strlen(e->long_name) == len &&
            strncmp(e->long_name, name, len) == 0) {
            return e;
        }
    }
    return NULL;
}

static const GOptionEntry *
find_short(const GOptionEntry *entries, char c)
{
    for (const GOptionEntry *e = entries; e->long_name != NULL; e++) {
        if (e->short_name == c) {
            return e;
        }
    }
    return NULL;
}

static void
note_given(GPtrArray *given, const char *name)
{
    for (guint i = 0; i < given->len; i++) {
        if (strcmp(given->pdata[i], name) == 0) {
            return;
        }
    }
    g_ptr_array_add(given, g_strdup(name));
}

/* "--name" for every named entry, and --help: what a mistyped long option is compared with. */
static GPtrArray *
long_candidates(const GOptionEntry *entries)
{
    GPtrArray *c = g_ptr_array_new_with_free_func(g_free);

    for (const GOptionEntry *e = entries; e->long_name != NULL; e++) {
        if (e->long_name[0] != '\0') {
            g_ptr_array_add(c, g_strconcat("--", e->long_name, NULL));
        }
    }
    g_ptr_array_add(c, g_strdup("--help"));
    g_ptr_array_add(c, NULL);
    return c;
}

/* One "--name[=value]" word; *skip set when the next word is its value. */
static char *
check_long(const GOptionEntry *entries, const char *word, GPtrArray *given, bool *skip)
{
    const char *name = word + 2;
    size_t len = strcspn(name, "=");
    const GOptionEntry *e = find_long(entries, name, len);

    if (e == NULL && ((len == 4 && strncmp(name, "help", 4) == 0) ||
                      (len == 8 && strncmp(name, "help-all", 8) == 0))) {
        return NULL;
    }
    if (e == NULL) {
        g_autoptr(GPtrArray) cands = long_candidates(entries);
        g_autofree char *typed = g_strndup(word, (gsize) (len + 2));
        return bl_cli_unknown_text("option", typed, (const char *const *) cands->pdata, false);
    }
    note_given(given, e->long_name);
    *skip = takes_arg(e) && name[len] != '=';
    return NULL;
}

/* One "-abc" cluster; *skip set when its last option takes the next word. */
static char *
check_short(const GOptionEntry *entries, const char *word, GPtrArray *given, bool *skip)
{
    for (const char *c = word + 1; *c != '\0'; c++) {
        const GOptionEntry *e = find_short(entries, *c);
        if (e == NULL && (*c == 'h' || *c == '?')) {
            continue;
        }
        if (e == NULL && g_ascii_isdigit(*c)) {
            return g_strdup_printf("unknown option '%s' (a value starting with '-' goes after "
                                   "'--')",
                                   word);
        }
        if (e == NULL) {
            return g_strdup_printf("unknown option '-%c' (see --help)", *c);
        }
        note_given(given, e->long_name);
        if (takes_arg(e)) {
            *skip = c[1] == '\0';
            return NULL;
        }
    }
    return NULL;
}

char *
bl_cli_check_options(const GOptionEntry *entries, int argc, char **argv, char ***given_out)
{
    GPtrArray *given = g_ptr_array_new_with_free_func(g_free);
    char *err = NULL;

    for (int i = 1; i < argc && err == NULL; i++) {
        const char *w = argv[i];
        bool skip = false;

        if (strcmp(w, "--") == 0) {
            break;
        }
        if (g_str_has_prefix(w, "--")) {
            err = check_long(entries, w, given, &skip);
        } else if (w[0] == '-' && w[1] != '\0') {
            err = check_short(entries, w, given, &skip);
        }
        i += skip ? 1 : 0;
    }
    g_ptr_array_add(given, NULL);
    if (given_out != NULL && err == NULL) {
        *given_out = (char **) g_ptr_array_free(given, FALSE);
    } else {
        g_ptr_array_free(given, TRUE);
    }
    return err;
}

int
bl_cli_parse_timeout(const char *text, uint32_t *ms)
{
    return bl_conf_parse_ms(text, 1000, 1000, BL_CLI_TIMEOUT_MAX_S * 1000u, ms);
}

int
bl_cli_usage_error(const char *prog, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *cause = NULL;

    va_start(ap, fmt);
    cause = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s\n", prog, cause);
    return BL_CLI_EXIT_USAGE;
}

const char *
bl_cli_daemon_hint(int rc)
{
    if (rc == -ECONNREFUSED || rc == -ENOENT || rc == -ENOTCONN || rc == -ECONNRESET ||
        rc == -EPIPE || rc == -ENOTSOCK) {
        return "bmclinkd is not running on this node: it runs as the Pacemaker clone "
               "ocf:bmclink:bmclinkd (pcs resource status bmclinkd-clone) or, without "
               "Pacemaker, as the systemd unit bmclinkd.service (systemctl status bmclinkd)";
    }
    return NULL;
}

void
bl_cli_progress_start(struct bl_cli_progress *p, const char *prog, const char *what)
{
    *p = (struct bl_cli_progress){
        .prog = prog,
        .what = what,
        .start_us = g_get_monotonic_time(),
        .every_us = isatty(STDERR_FILENO) ? G_USEC_PER_SEC : 5 * G_USEC_PER_SEC,
    };
    p->last_us = p->start_us;
}

void
bl_cli_progress_tick(struct bl_cli_progress *p, uint32_t total_ms)
{
    gint64 now = g_get_monotonic_time();

    if (now - p->last_us < p->every_us || now - p->start_us < G_USEC_PER_SEC) {
        return;
    }
    p->last_us = now;
    fprintf(stderr, "%s: %s (%" G_GINT64_FORMAT " s of %u s)\n", p->prog, p->what,
            (now - p->start_us) / G_USEC_PER_SEC, (total_ms + 999) / 1000);
}

/* Whether name is one of the space-separated words of list (NULL: none). */
static bool
in_list(const char *list, const char *name)
{
    size_t len = strlen(name);

    for (const char *p = list; p != NULL && *p != '\0';) {
        size_t n = strcspn(p, " ");
        if (n == len && strncmp(p, name, len) == 0) {
            return true;
        }
        p += n + (p[n] == ' ');
    }
    return false;
}

/* The subcommands in --help: usage, description, and the options each takes. */
static char *
describe(const struct bl_cli_spec *spec)
{
    GString *s = g_string_new(NULL);

    if (spec->subs != NULL) {
        g_string_append(s, "Commands:\n");
    }
    for (const struct bl_cli_sub *c = spec->subs; c != NULL && c->name != NULL; c++) {
        g_autofree char *left = g_strdup_printf("%s %s", c->name, c->args != NULL ? c->args : "");
        g_string_append_printf(s, "  %-28s %s\n", left, c->help);
        if (c->opts != NULL) {
            g_auto(GStrv) words = g_strsplit(c->opts, " ", -1);
            g_autofree char *opts = g_strjoinv(", --", words);
            g_string_append_printf(s, "  %-28s (options: --%s)\n", "", opts);
        }
    }
    if (spec->description != NULL) {
        g_string_append_printf(s, "%s%s", s->len > 0 ? "\n" : "", spec->description);
    }
    return g_string_free(s, FALSE);
}

/* The entries with --version and the words' collector appended. */
static GOptionEntry *
with_builtins(const GOptionEntry *entries, gboolean *version, char ***rest)
{
    size_t n = 0;

    while (entries[n].long_name != NULL) {
        n++;
    }
    GOptionEntry *all = g_new0(GOptionEntry, n + 3);
    memcpy(all, entries, n * sizeof(*all));
    all[n] = (GOptionEntry){
        "version", 0, 0, G_OPTION_ARG_NONE, version, "Print the version and exit", NULL};
    all[n + 1] =
        (GOptionEntry){G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, rest, NULL, NULL};
    return all;
}

/* GOption over argv (a copy of the pointers: GOption reorders them). \return 0 or usage */
static int
run_goption(const struct bl_cli_spec *spec, GOptionEntry *all, int argc, char **argv)
{
    g_autofree char *desc = describe(spec);
    GOptionContext *ctx = g_option_context_new(spec->subs != NULL ? "COMMAND [ARG...]" : NULL);
    g_autofree char **av = g_new0(char *, (size_t) argc + 1);
    char **avp = av;
    GError *err = NULL;
    int ac = argc;

    memcpy(av, argv, sizeof(char *) * (size_t) argc);
    g_set_prgname(spec->prog);
    g_option_context_set_summary(ctx, spec->summary);
    g_option_context_set_description(ctx, desc[0] != '\0' ? desc : NULL);
    g_option_context_add_main_entries(ctx, all, NULL);
    gboolean ok = g_option_context_parse(ctx, &ac, &avp, &err);
    g_option_context_free(ctx);
    if (!ok) {
        bl_cli_usage_error(spec->prog, "%s", err->message);
        g_error_free(err);
        return BL_CLI_EXIT_USAGE;
    }
    return 0;
}

static int
find_sub(const struct bl_cli_spec *spec, char **words, struct bl_cli_args *out)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new();

    for (const struct bl_cli_sub *c = spec->subs; c->name != NULL; c++) {
        g_ptr_array_add(names, (gpointer) c->name);
        if (words != NULL && words[0] != NULL && strcmp(words[0], c->name) == 0) {
            out->sub = c;
        }
    }
    g_ptr_array_add(names, NULL);
    if (out->sub != NULL) {
        return 0;
    }
    if (words == NULL || words[0] == NULL) {
        g_autofree char *all = g_strjoinv(", ", (char **) names->pdata);
        return bl_cli_usage_error(spec->prog, "no command given (one of: %s)", all);
    }
    g_autofree char *why =
        bl_cli_unknown_text("command", words[0], (const char *const *) names->pdata, true);
    return bl_cli_usage_error(spec->prog, "%s", why);
}

/* The subcommand's number of words and the options given that it does not take. */
static int
check_sub(const struct bl_cli_spec *spec, const struct bl_cli_args *a)
{
    const struct bl_cli_sub *c = a->sub;
    int max = c != NULL ? c->max_args : 0;
    g_autofree char *who =
        c != NULL ? g_strdup_printf("%s %s", spec->prog, c->name) : g_strdup(spec->prog);

    if (c != NULL && a->n_words < c->min_args) {
        return bl_cli_usage_error(who, "missing argument (usage: %s %s)", who, c->args);
    }
    if (max >= 0 && a->n_words > max) {
        if (c == NULL) {
            return bl_cli_usage_error(who, "unexpected argument '%s'", a->words[max]);
        }
        return bl_cli_usage_error(who, "unexpected argument '%s' (usage: %s %s)", a->words[max],
                                  who, c->args);
    }
    for (size_t i = 0; c != NULL && a->given[i] != NULL; i++) {
        const char *o = a->given[i];
        if (!in_list(spec->common, o) && !in_list(c->opts, o) && strcmp(o, "version") != 0) {
            return bl_cli_usage_error(who, "option --%s does not apply to '%s' (see --help)", o,
                                      c->name);
        }
    }
    return 0;
}

int
bl_cli_parse(const struct bl_cli_spec *spec, int argc, char **argv, struct bl_cli_args *out)
{
    gboolean version = FALSE;
    char **rest = NULL;
    g_autofree GOptionEntry *all = with_builtins(spec->entries, &version, &rest);
    g_autofree char *bad = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    bad = bl_cli_check_options(all, argc, argv, &out->given);
    if (bad != NULL) {
        return bl_cli_usage_error(spec->prog, "%s", bad);
    }
    rc = run_goption(spec, all, argc, argv);
    if (rc == 0 && version) {
        g_autofree char *name = g_strndup(spec->prog, strcspn(spec->prog, " "));
        printf("%s %s\n", name, bl_version());
        rc = BL_CLI_DONE;
    }
    if (rc == 0 && spec->subs != NULL) {
        rc = find_sub(spec, rest, out);
    }
    if (rc == 0) {
        size_t skip = spec->subs != NULL ? 1 : 0;
        out->n_words = rest != NULL ? (int) (g_strv_length(rest) - skip) : 0;
        out->words = g_new0(char *, (size_t) out->n_words + 1);
        for (int i = 0; i < out->n_words; i++) {
            out->words[i] = g_strdup(rest[(size_t) i + skip]);
        }
        rc = check_sub(spec, out);
    }
    g_strfreev(rest);
    if (rc != 0) {
        bl_cli_args_clear(out);
    }
    return rc;
}

void
bl_cli_args_clear(struct bl_cli_args *a)
{
    g_strfreev(a->words);
    g_strfreev(a->given);
    memset(a, 0, sizeof(*a));
}

bool
bl_cli_given(const struct bl_cli_args *a, const char *long_name)
{
    for (size_t i = 0; a->given != NULL && a->given[i] != NULL; i++) {
        if (strcmp(a->given[i], long_name) == 0) {
            return true;
        }
    }
    return false;
}

int
bl_cli_conflict(const struct bl_cli_spec *spec, const struct bl_cli_args *a, const char *opt_a,
                const char *opt_b)
{
    if (bl_cli_given(a, opt_a) && bl_cli_given(a, opt_b)) {
        return bl_cli_usage_error(spec->prog, "--%s and --%s conflict: give one", opt_a, opt_b);
    }
    return 0;
}
