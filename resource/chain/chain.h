/*
 * Service chain: an ordered list of members (systemd units, LSB init scripts, or commands
 * that daemonize with a pidfile) started first to last and stopped last to first.
 *
 * This header holds the model and the chain-file reader. The file format is a key file read
 * through the config engine (bl_conf.h), documented in docs/servicechain.md; every error is
 * "FILE:LINE: [GROUP] KEY: WHY" (FILE "<inline>" for inline text).
 *
 *     [chain]
 *     name = esm-ver6
 *     include = esm-ver4          # optional: members of another chain first
 *
 *     [member Nvbase]
 *     kind = systemd
 *     unit = nvbase.service
 *     start_timeout = 60s
 *
 * A [member NAME] section naming a member that an included file already declared
 * changes that member's keys in place (its position in the order stays), which is how an
 * administrator maps a shipped profile onto real programs without copying the order.
 */
#ifndef BL_CHAIN_H
#define BL_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum bl_member_kind {
    BL_KIND_SYSTEMD = 0,
    BL_KIND_LSB = 1,
    BL_KIND_DAEMON = 2,
    BL_KIND_COUNT = 3,
};

enum bl_ready_kind {
    BL_READY_ALIVE = 0,   /* the member's process (or unit) is alive */
    BL_READY_TCP = 1,     /* a TCP connect to host:port succeeds */
    BL_READY_COMMAND = 2, /* a check command exits 0 */
};

/* Index of each member key in the key table; also indexes bl_chain_member.key_line. */
enum bl_member_key {
    BL_MK_KIND,
    BL_MK_DESCRIPTION,
    BL_MK_OPTIONAL,
    BL_MK_UNIT,
    BL_MK_SCRIPT,
    BL_MK_COMMAND,
    BL_MK_STOP_COMMAND,
    BL_MK_FOREGROUND,
    BL_MK_PIDFILE,
    BL_MK_EXE,
    BL_MK_LOG,
    BL_MK_START_TIMEOUT,
    BL_MK_STOP_TIMEOUT,
    BL_MK_READY,
    BL_MK_HOST,
    BL_MK_PORT,
    BL_MK_CHECK,
    BL_MK_WHEN,         /* site condition: left out of the chain when not met */
    BL_MK_BEFORE_START, /* [outside] entries only: what to do around the chain's actions */
    BL_MK_AFTER_START,
    BL_MK_BEFORE_STOP,
    BL_MK_AFTER_STOP,
    BL_MK_COUNT,
};

/* The four points around the chain's start and stop where an [outside] service is acted on;
 * index of bl_chain_member.hook. */
enum bl_hook {
    BL_HOOK_BEFORE_START = 0,
    BL_HOOK_AFTER_START = 1,
    BL_HOOK_BEFORE_STOP = 2,
    BL_HOOK_AFTER_STOP = 3,
    BL_HOOK_COUNT = 4,
};

#define BL_MEMBER_NAME_MAX 64
#define BL_CHAIN_MAX_MEMBERS 64
#define BL_TIMEOUT_MAX_MS (3600u * 1000u) /* a member timeout: from 1 ms to 1 h */

struct bl_chain_member {
    char *name;        /* [member NAME]: letters, digits, '.', '_', '-' */
    char *description; /* free text, may be NULL */
    enum bl_member_kind kind;
    bool optional;       /* a failure is logged and skipped, monitor reports degraded */
    char *unit;          /* systemd: unit name, ".service" appended when no suffix */
    char *script;        /* lsb: absolute path of the init script */
    char **command;      /* daemon: argv, NULL-terminated */
    char **stop_command; /* daemon: optional argv used instead of SIGTERM */
    bool foreground;     /* daemon: the command does not fork; the agent writes the pidfile */
    char *pidfile;       /* daemon: required; lsb: optional, lets monitor avoid a fork */
    char *exe;           /* program the pidfile's process must run; default command[0] */
    char *log;           /* start/stop output for daemon and lsb; NULL: captured for the log */
    unsigned start_timeout_ms;
    unsigned stop_timeout_ms;
    enum bl_ready_kind ready;
    char *host; /* ready = tcp: numeric address, default 127.0.0.1 */
    unsigned port;
    char **check; /* ready = command: argv */
    char *when;   /* site condition ("FEATURE" or "version >= X.Y") it was kept by, or NULL */
    /* [outside] entries: "start" or "stop", optionally "... if CONDITION"; NULL: nothing.
     * A hook whose condition the site does not meet is dropped (NULL) when the chain loads. */
    char *hook[BL_HOOK_COUNT];
    bool outside; /* an [outside NAME] entry: acted on around the chain, not a member */

    /* Where the member was declared, for messages: source name and line of the section. */
    char *source;
    int line;
    /* Line of each key in its source (0: not set). */
    int key_line[BL_MK_COUNT];
    char *key_source[BL_MK_COUNT];
};

/* A folder of the manager that lives on the shared volume ([folder NAME] in a chain file):
 * what the vendor's guide moves or copies to the shared disk, per version. */
struct bl_chain_folder {
    char *name;        /* the name used in the agent's "folders" parameter */
    char *description; /* may be NULL */
    char *path;        /* below the manager's install folder, '/'-separated, or NULL */
    unsigned mode;     /* permissions the folder gets on the volume; 0: not given */
    bool optional;     /* may be missing on a fresh install (nothing to copy then) */
    char *when;        /* site condition, or NULL */
    char *source;
    int line;
};

struct bl_chain {
    char *name;        /* [chain] name, default the file's base name */
    char *description; /* may be NULL */
    char *source;      /* file the chain was read from, or "<inline>" */
    size_t n_members;
    struct bl_chain_member *members; /* in start order, members left out by the site removed */
    /* The site, from [chain] version/features/series (the outermost file that sets each). */
    char *version;   /* the manager's version, e.g. "6.40"; NULL when not given */
    char **features; /* features the site uses; NULL when not given, empty for "none" */
    char *series;    /* the profile's major version, e.g. "6"; NULL when not given */
    /* Services outside the chain acted on around its start and stop ([outside NAME]), in
     * file order; only those the site keeps. */
    size_t n_outside;
    struct bl_chain_member *outside;
    size_t n_folders;
    struct bl_chain_folder *folders;
    /* What the site's conditions left out, one line each ("member DmiEventWatcher: when =
     * dmi_events, not among the site's features"), NULL-terminated; never NULL. */
    char **left_out;
};

/* Defaults for members that do not set their own timeouts. */
struct bl_chain_defaults {
    unsigned start_timeout_ms;
    unsigned stop_timeout_ms;
    /* Directories searched for a chain or include given by bare name ("esm-ver6"),
     * NULL-terminated; may be NULL. */
    const char *const *search_dirs;
};

/**
 * Read and validate a chain file.
 * \param[in]  path    file name; a bare name (no '/') is looked up in defs->search_dirs,
 *                     with or without the ".chain" suffix
 * \param[in]  defs    defaults and search path; not kept
 * \param[out] out     on success the chain, to free with bl_chain_free()
 * \param[out] errmsg  on failure every problem found, one "FILE:LINE: [GROUP] KEY: WHY" a
 *                     line (no newline after the last); the caller frees it with g_free();
 *                     may be NULL
 * \return 0, -errno when the file cannot be read, BL_E_INVALID when it is malformed
 */
int bl_chain_load_file(const char *path, const struct bl_chain_defaults *defs,
                       struct bl_chain **out, char **errmsg);

/**
 * Parse and validate a chain given as text (the agent's inline "chain" parameter).
 * Lines are separated by newlines or ';'. Otherwise as bl_chain_load_file().
 * \param[in] text    the chain text
 * \param[in] source  name used in messages, e.g. "<inline>"
 */
int bl_chain_load_text(const char *text, const char *source, const struct bl_chain_defaults *defs,
                       struct bl_chain **out, char **errmsg);

/**
 * Write a chain in canonical form (every key explicit) that bl_chain_load_text() reads back
 * to an equal chain. Used for the run snapshot.
 * \return the text; the caller frees it with g_free()
 */
char *bl_chain_to_text(const struct bl_chain *chain);

/**
 * Whether two chains run the same members the same way, ignoring timeouts and descriptions.
 * Decides whether a changed configuration can be applied by reload-agent.
 */
bool bl_chain_same_members(const struct bl_chain *a, const struct bl_chain *b);

/** Find a member by name; NULL when absent. The result belongs to the chain. */
const struct bl_chain_member *bl_chain_find(const struct bl_chain *chain, const char *name);

/**
 * Compare two manager versions "M" or "M.m" (minor as a decimal fraction: "5.5" is "5.50",
 * above "5.4x" and below "5.66", as the vendor numbers its releases).
 * \param[out] cmp  negative, 0 or positive as a is below, equal to or above b
 * \return 0, or BL_E_INVALID when either is not such a version
 */
int bl_chain_version_compare(const char *a, const char *b, int *cmp);

/** Free a chain; accepts NULL. */
void bl_chain_free(struct bl_chain *chain);

/** "systemd", "lsb", "daemon"; static string. */
const char *bl_chain_member_kind_name(enum bl_member_kind kind);

/** "alive", "tcp", "command"; static string. */
const char *bl_chain_ready_kind_name(enum bl_ready_kind kind);

/**
 * Print the member and chain keys as a Markdown table (for docs and `bmclink chain keys`),
 * from the same table the parser uses.
 */
void bl_chain_print_keys(FILE *out);

#endif
