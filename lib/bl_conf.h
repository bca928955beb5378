/*
 * The one configuration engine: every key file of bmclink (bmclinkd.conf, bmclink.conf, the
 * registry profiles, the chain files and the site file) is read through it. GLib's GKeyFile
 * tokenizes; a const table of rows {group, key, type, default, limits, parser, offset,
 * flags, description}, ending with an all-zero row, says what each key means, drives the
 * defaults, the checks and the documentation.
 *
 * Value spellings are Pacemaker's, so what an administrator writes in a CIB also works here:
 *   boolean   yes/no, true/false, on/off, y/n, 1/0, any case (crm_str_to_boolean)
 *   duration  a number with an optional unit: ms/msec, s/sec, m/min, h/hr, any case, blanks
 *             allowed between (crm_get_msec); or ISO 8601 "P[nW][nD][T[nH][nM][nS]]"
 *             (crm_parse_interval_spec, Pacemaker 2.1's name for operation intervals).
 *             A bare number is in the key's unit: seconds (Pacemaker's), or milliseconds for
 *             keys whose name says so (interval_ms = 1000), as those keys always read it.
 *             Each key has a range (BL_CONF_MS, BL_CONF_DURATION, BL_CONF_SECONDS rows;
 *             bl_conf_parse_ms() for other sources).
 *             Fractions and P..Y/P..M (years, months: no fixed length) are refused.
 *   address   IPv4 or IPv6, numeric, with an optional port: 10.0.0.1, 10.0.0.1:162, ::1,
 *             [fe80::1]:162 (bl_trap_addr_parse)
 *
 * Errors, one convention: a function returns 0, a negative errno or a BL_E_* code and, on
 * failure, sets *errmsg to a newly allocated text the caller frees with g_free() (errmsg may
 * be NULL when only the code matters). A file's text names every problem found, one per
 * line, each "FILE:LINE: [GROUP] KEY: WHY" ("FILE:LINE: [GROUP]: WHY" for a whole group;
 * LINE 0 when the group is not in the file; "FILE:LINE: WHY" for a line that is no group
 * header, key or comment: the rest of the file is still read, the keys under a refused
 * header skipped). Unknown groups and keys are errors. Secrets are never echoed and the
 * file's text is wiped when it is closed.
 */
#ifndef BL_CONF_H
#define BL_CONF_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BL_CONF_FILE_MAX (1u << 20) /* a configuration file larger than this is refused */

enum bl_conf_type {
    BL_CONF_BOOL,     /* bool */
    BL_CONF_UINT,     /* uint32_t in [min, max] */
    BL_CONF_INT,      /* int64_t in [min, max] */
    BL_CONF_MS,       /* uint32_t milliseconds in [min, max]; a bare number is ms */
    BL_CONF_SECONDS,  /* uint32_t seconds in [min, max]; a bare number is s, "500ms" refused */
    BL_CONF_DURATION, /* uint32_t milliseconds in [min, max]; a bare number is s (timeouts) */
    BL_CONF_STRING,   /* char[max + 1], length in [min, max]; `choices` when not NULL */
    BL_CONF_STRDUP,   /* char *, g_free()d by the owner; length in [min, max or unlimited] */
    BL_CONF_ADDRESS,  /* struct bl_trap_addr; `min` is the port when none is given */
    BL_CONF_HOST,     /* char[max + 1]: a numeric IPv4/IPv6 address without a port, or "" */
    BL_CONF_CUSTOM,   /* `parse`; `choices` is what it expects, shown in errors */
};

enum bl_conf_flags {
    BL_CONF_SECRET = 1 << 0,   /* never echoed; refused in a world-readable file */
    BL_CONF_REQUIRED = 1 << 1, /* bl_conf_required() reports it missing */
    BL_CONF_NAMED = 1 << 2,    /* the group is [GROUP NAME], one per name */
    BL_CONF_ABSPATH = 1 << 3,  /* strings: an absolute path (or empty when min is 0) */
    BL_CONF_RAW = 1 << 4,      /* the value as written: '\' is no escape (registry paths) */
};

struct bl_conf_key;

/**
 * A parser of its own for a BL_CONF_CUSTOM row.
 * \param[in]     k     the row (k->offset is its field in base)
 * \param[in]     text  the value, blanks stripped
 * \param[in,out] base  the struct the table describes
 * \return 0 or BL_E_INVALID
 */
typedef int (*bl_conf_parse_fn)(const struct bl_conf_key *k, const char *text, void *base);

struct bl_conf_key {
    const char *group; /* [group] or, with BL_CONF_NAMED, [group NAME] */
    const char *key;   /* NULL ends the table */
    enum bl_conf_type type;
    const char *def; /* the default as written in a file; NULL: none */
    int64_t min;
    int64_t max;
    const char *choices; /* STRING: '|'-separated; CUSTOM: what is expected */
    bl_conf_parse_fn parse;
    size_t offset; /* of the field in the struct the table fills */
    unsigned flags;
    const char *description;
};

/** One file being read. */
struct bl_conf;

/**
 * Read a configuration file through one O_CLOEXEC descriptor and tokenize it.
 * \param[in]  path    a regular file of at most BL_CONF_FILE_MAX bytes
 * \param[out] out     free with bl_conf_close()
 * \param[out] errmsg  on failure "PATH: why" (g_free())
 * \return 0, -errno reading it (-ENOENT missing, -EFBIG too large, -EINVAL not a regular
 *         file), BL_E_INVALID when GKeyFile refuses its syntax
 */
int bl_conf_open(const char *path, struct bl_conf **out, char **errmsg);

/**
 * The same over text in memory (tests, fuzzing); `name` stands for the file in errors.
 * \param[in] text  len bytes, copied
 */
int bl_conf_open_data(const char *name, const char *text, size_t len, struct bl_conf **out,
                      char **errmsg);

/** Wipe the text and free. Accepts NULL. */
void bl_conf_close(struct bl_conf *f);

/** The tokenized file (borrowed: for listing groups). */
GKeyFile *bl_conf_keyfile(const struct bl_conf *f);

/** The file's name as given to bl_conf_open() (borrowed). */
const char *bl_conf_path(const struct bl_conf *f);

/** Whether the file may be read by anyone (mode o+r). */
bool bl_conf_world_readable(const struct bl_conf *f);

/**
 * Record a problem: "PATH:LINE: [group] key: why" (key NULL: about the whole group); the
 * same line twice is recorded once.
 * \return BL_E_INVALID
 */
int bl_conf_fail(struct bl_conf *f, const char *group, const char *key, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

/**
 * Every group of the file must be one the tables know, and no secret of theirs may stand in
 * a world-readable file. Each problem is recorded.
 * \param[in] tables     n tables (each ending with an all-zero row)
 * \param[in] all_known  false when other readers own the groups these tables do not know
 * \return 0 or BL_E_INVALID
 */
int bl_conf_check_groups(struct bl_conf *f, const struct bl_conf_key *const *tables, size_t n,
                         bool all_known);

/**
 * The defaults of the rows of `kind` onto base.
 * \return 0, BL_E_INVALID when a default does not parse (a broken table)
 */
int bl_conf_defaults(const struct bl_conf_key *table, const char *kind, void *base);

/**
 * Every key present in [group] onto base, as a row of one of `kinds` (NULL-terminated).
 * Unknown keys and bad values are recorded, all of them; a secret value is wiped after use.
 * \return 0 or BL_E_INVALID
 */
int bl_conf_apply(struct bl_conf *f, const char *group, const struct bl_conf_key *table,
                  const char *const *kinds, void *base);

/**
 * Record every BL_CONF_REQUIRED row of `kind` that [group] lacks.
 * \return 0 or BL_E_INVALID
 */
int bl_conf_required(struct bl_conf *f, const char *group, const struct bl_conf_key *table,
                     const char *kind);

/**
 * Parse one value of row k onto base (k->offset); a problem is recorded against [group]
 * when f is not NULL.
 * \return 0 or BL_E_INVALID
 */
int bl_conf_store(struct bl_conf *f, const char *group, const struct bl_conf_key *k,
                  const char *text, void *base);

/**
 * What was recorded.
 * \param[out] errmsg  every problem, one per line (g_free()); untouched when none
 * \return 0 when nothing was, else BL_E_INVALID
 */
int bl_conf_result(const struct bl_conf *f, char **errmsg);

/**
 * The 1-based line of the last "key =" in [group] of the file (key NULL: the group's header);
 * 0 when neither is there. For a reader that reports problems after reading.
 */
unsigned bl_conf_line(const struct bl_conf *f, const char *group, const char *key);

/**
 * Record each group declared twice in the file and each key given twice in one group: for
 * formats where a repeat is a mistake (GKeyFile merges groups and keeps the last value).
 * \return 0 or BL_E_INVALID
 */
int bl_conf_check_repeats(struct bl_conf *f);

/** The row of key in rows of `kind` (NULL: any kind); NULL when there is none. */
const struct bl_conf_key *bl_conf_find(const struct bl_conf_key *table, const char *kind,
                                       const char *key);

/**
 * What a row accepts, for errors and documentation ("a boolean (yes/no ...)", "one of a|b").
 * \return a newly allocated text (g_free())
 */
char *bl_conf_expects(const struct bl_conf_key *k);

/**
 * Print a table's rows as a man page's list (roff, bl_conf_man.c): ".SS [GROUP]" (or
 * "[GROUP NAME]") at each change of group, then per key its description, what it accepts,
 * its default or that it is required, and whether it is a secret.
 * \param[in] table  ending with an all-zero row
 */
void bl_conf_man(FILE *out, const struct bl_conf_key *table);

/**
 * Print text as roff: backslashes printed as such, a leading '.' or '\'' not taken for a
 * request; with `typed` (a key, a value, an option) each '-' is a minus sign.
 */
void bl_conf_man_text(FILE *out, const char *s, bool typed);

/* ---- the value parsers, for readers of other sources (OCF parameters, fence options) ---- */

/**
 * Parse a boolean (Pacemaker's spellings, above).
 * \return 0 or BL_E_INVALID (out untouched)
 */
int bl_conf_parse_bool(const char *text, bool *out);

/**
 * Parse a duration (above) into milliseconds.
 * \param[in]  bare_ms  what a number without a unit counts: 1000 (seconds) or 1 (ms)
 * \param[out] ms       the value, at most UINT32_MAX
 * \return 0, BL_E_INVALID (malformed), -ERANGE (above UINT32_MAX ms)
 */
int bl_conf_parse_duration(const char *text, uint64_t bare_ms, uint64_t *ms);

/**
 * Parse a duration (above) into milliseconds within a range.
 * \param[in]  bare_ms  as bl_conf_parse_duration()
 * \param[out] ms       the value in [min_ms, max_ms] (max_ms at most UINT32_MAX)
 * \return 0 or BL_E_INVALID (malformed or out of range; ms untouched)
 */
int bl_conf_parse_ms(const char *text, uint64_t bare_ms, uint64_t min_ms, uint64_t max_ms,
                     uint32_t *ms);

/**
 * Read a whole regular file of at most max bytes through one O_CLOEXEC descriptor (its mode
 * from that descriptor, not from a second look at the path).
 * \param[out] text  NUL-terminated; g_free() it (wipe it first when it holds a secret)
 * \param[out] mode  its st_mode
 * \return 0 or -errno (-EFBIG when larger, -EINVAL when not a regular file)
 */
int bl_conf_read_file(const char *path, size_t max, char **text, unsigned *mode);

#endif
