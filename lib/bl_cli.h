/*
 * The one command-line parser of bmclink's commands (bmclink, bmclink-reg) and the pieces the
 * other programs share with it (bmclinkd, fence_bmclink): near-miss suggestions, the
 * --timeout duration, the version, progress lines and the hint when bmclinkd is not running.
 *
 * The parser is GLib's GOption, as Pacemaker's tools use it (crm_mon, crm_resource through
 * pcmk__cmdline_parse): --help is generated from the same entries the program reads, long
 * options take "--name value" and "--name=value", and it is already linked by every program.
 * GOption alone reports an unknown option as "Unknown option --x" and accepts any extra word;
 * bl_cli_parse() checks the command line against the tables first, so every usage error is
 * one line on stderr naming the cause ("bmclink chain: unknown command 'stauts' (did you mean
 * 'status'?)"), with a suggestion for near misses, and exit code BL_CLI_EXIT_USAGE.
 *
 * Exit codes every command shares: 0 done, 1 failed, 2 usage; commands add their own above
 * (bmclink reg: 3 not found, 4 no quorum or not in sync).
 */
#ifndef BL_CLI_H
#define BL_CLI_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum {
    BL_CLI_EXIT_OK = 0,
    BL_CLI_EXIT_FAILED = 1,
    BL_CLI_EXIT_USAGE = 2,
};

/** bl_cli_parse() printed what was asked (--help, --version): exit 0. */
#define BL_CLI_DONE (-1)

/*
 * --timeout, the same everywhere: a Pacemaker duration (bl_conf.h: "30", "30s", "2min",
 * "PT2M"), a bare number in seconds, from 1 s to 1 h.
 */
#define BL_CLI_TIMEOUT_HELP                                                                        \
    "How long to wait: a duration (30, 30s, 2min, PT2M; a bare number is seconds)"
#define BL_CLI_TIMEOUT_DEFAULT_S 30
#define BL_CLI_TIMEOUT_MAX_S 3600

/** bmclink's version (the CMake project's). \return a static string */
const char *bl_version(void);

/**
 * Edit distance between two words: insertions, deletions, substitutions and swaps of two
 * neighbours each count one ("stauts" is 1 from "status").
 */
size_t bl_cli_distance(const char *a, const char *b);

/**
 * The candidate typed was most likely meant to be: at edit distance at most 2 (1 for words
 * of up to 4 characters), or the only candidate typed is a prefix of.
 * \param[in] candidates  NULL-terminated
 * \return one of candidates (borrowed), or NULL when none is near
 */
const char *bl_cli_nearest(const char *typed, const char *const *candidates);

/**
 * One line for an unknown word: "unknown WHAT 'typed' (did you mean 'x'?)" or, when nothing
 * is near, "unknown WHAT 'typed' (one of: a, b, c)" (list may be NULL: no list).
 * \return newly allocated, g_free()
 */
char *bl_cli_unknown_text(const char *what, const char *typed, const char *const *candidates,
                          bool list);

/**
 * The first option of argv that entries do not know (--help, --help-all, --version and -h are
 * known), checked as GOption will read argv: "--" ends the options, an option's argument is
 * skipped. Callers report it; GOption's own message has neither the cause's shape nor a
 * suggestion.
 * \param[in]  entries  as given to GOption, ending with an all-zero entry
 * \param[out] given    may be NULL; the long names of the options found (each once), a new
 *                      NULL-terminated array, g_strfreev()
 * \return a newly allocated one-line message (g_free()), or NULL when every option is known
 */
char *bl_cli_check_options(const GOptionEntry *entries, int argc, char **argv, char ***given);

/**
 * Parse a --timeout value (BL_CLI_TIMEOUT_HELP) into milliseconds, 1 s to 1 h.
 * \return 0, or BL_E_INVALID (malformed or out of range; ms untouched)
 */
int bl_cli_parse_timeout(const char *text, uint32_t *ms);

/* A subcommand: its words and the options it takes besides the command's common ones. */
struct bl_cli_sub {
    const char *name;
    const char *args; /* for help: "PATH [NAME]" */
    int min_args;
    int max_args;     /* -1: any number */
    const char *opts; /* long option names this subcommand takes, space-separated; NULL none */
    const char *help;
};

/* A command: programs and the subcommands of bmclink share this shape. */
struct bl_cli_spec {
    const char *prog;              /* as messages name it: "bmclink chain", "bmclink-reg" */
    const char *summary;           /* one line for --help */
    GOptionEntry *entries;         /* ending with an all-zero entry; arg_data point at the result */
    const char *common;            /* options every subcommand takes, space-separated; NULL none */
    const struct bl_cli_sub *subs; /* NULL-name-terminated; NULL: no subcommands */
    const char *description;       /* after the subcommands in --help; may be NULL */
};

/* What bl_cli_parse() found besides the options it stored through the entries. */
struct bl_cli_args {
    const struct bl_cli_sub *sub; /* NULL when the spec has no subcommands */
    char **words;                 /* the words after the subcommand, NULL-terminated */
    int n_words;
    char **given; /* long names of the options on the command line */
};

/**
 * Parse argv (argv[0] is the command's own name) against spec: options, then the subcommand
 * and its number of words, then whether each option given applies to that subcommand.
 * --version prints the version. On a usage error prints one line "PROG: CAUSE" on stderr.
 * \param[out] out  on 0, bl_cli_args_clear() it; cleared otherwise
 * \return 0, BL_CLI_DONE (help or version printed), or BL_CLI_EXIT_USAGE
 */
int bl_cli_parse(const struct bl_cli_spec *spec, int argc, char **argv, struct bl_cli_args *out);

/** Free what out holds (not out itself). Accepts a cleared struct. */
void bl_cli_args_clear(struct bl_cli_args *a);

/** Whether the option of this long name was on the command line. */
bool bl_cli_given(const struct bl_cli_args *a, const char *long_name);

/**
 * Refuse two options given together: prints "PROG: --a and --b conflict: give one".
 * \return 0 or BL_CLI_EXIT_USAGE
 */
int bl_cli_conflict(const struct bl_cli_spec *spec, const struct bl_cli_args *a, const char *opt_a,
                    const char *opt_b);

/**
 * Print one usage error "PROG: CAUSE" on stderr (printf-style cause).
 * \return BL_CLI_EXIT_USAGE
 */
int bl_cli_usage_error(const char *prog, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/**
 * The line to add when bmclinkd could not be asked (rc from bl_ipcc_connect or a request):
 * how the daemon is meant to run, or that it runs without the registry. NULL when rc says
 * nothing of the kind.
 * \return a static string or NULL
 */
const char *bl_cli_daemon_hint(int rc);

/* Progress of a wait longer than a second: lines on stderr, never stdout. */
struct bl_cli_progress {
    const char *prog;
    const char *what; /* "waiting for this node's registry to be in sync" */
    gint64 start_us;
    gint64 last_us;
    gint64 every_us; /* 1 s on a terminal, 5 s otherwise (a log keeps fewer lines) */
};

/** Start measuring (now). */
void bl_cli_progress_start(struct bl_cli_progress *p, const char *prog, const char *what);

/** Print "PROG: WHAT (N s of M s)" once due (nothing in the first second). */
void bl_cli_progress_tick(struct bl_cli_progress *p, uint32_t total_ms);

#endif
