/*
 * fence_bmclink's options: one const table that parses argv and stdin key=value lines,
 * validates, and generates the metadata XML, the --help text and the man page.
 *
 * Conventions follow fence-agents' fencing.py, so Pacemaker's fencer, pcs and crmsh treat
 * fence_bmclink like fence_ipmilan: the same option names and short letters, the old names
 * (ipaddr, login, passwd, passwd_script, port) accepted as deprecated aliases, unknown
 * stdin keys ignored with a warning, unknown command-line options refused.
 */
#ifndef BL_FENCE_OPT_H
#define BL_FENCE_OPT_H

#include "bl_ipmi.h"

#include <stdbool.h>
#include <stdio.h>

/* Exit codes, as fencing.py's: every failure is EC_GENERIC_ERROR, "status" of an
 * powered-off device is 2. */
#define BL_FENCE_EXIT_OK 0
#define BL_FENCE_EXIT_ERROR 1
#define BL_FENCE_EXIT_OFF 2

enum bl_fence_action {
    BL_FENCE_ON,
    BL_FENCE_OFF,
    BL_FENCE_REBOOT,
    BL_FENCE_STATUS,
    BL_FENCE_MONITOR,
    BL_FENCE_LIST,
    BL_FENCE_LIST_STATUS,
    BL_FENCE_METADATA,
    BL_FENCE_MANPAGE,
    BL_FENCE_VALIDATE_ALL,
    BL_FENCE_DIAG,
};

enum bl_fence_method {
    BL_FENCE_METHOD_ONOFF,
    BL_FENCE_METHOD_CYCLE,
};

/* Option identifiers, the index into the table and into struct bl_fence_opts. */
enum bl_fopt_id {
    BL_FOPT_ACTION,
    BL_FOPT_IP,
    BL_FOPT_IPPORT,
    BL_FOPT_USERNAME,
    BL_FOPT_PASSWORD,
    BL_FOPT_PASSWORD_SCRIPT,
    BL_FOPT_LANPLUS,
    BL_FOPT_CIPHER,
    BL_FOPT_PRIVLVL,
    BL_FOPT_KG,
    BL_FOPT_AUTH,
    BL_FOPT_ALLOW_WEAK,
    BL_FOPT_METHOD,
    BL_FOPT_PLUG,
    BL_FOPT_PORT_AS_IP,
    BL_FOPT_TARGET,
    BL_FOPT_QUIET,
    BL_FOPT_VERBOSE,
    BL_FOPT_VERBOSE_LEVEL,
    BL_FOPT_DEBUG_FILE,
    BL_FOPT_VERSION,
    BL_FOPT_HELP,
    BL_FOPT_DELAY,
    BL_FOPT_LOGIN_TIMEOUT,
    BL_FOPT_SHELL_TIMEOUT,
    BL_FOPT_POWER_TIMEOUT,
    BL_FOPT_POWER_WAIT,
    BL_FOPT_STATUS_SLEEP,
    BL_FOPT_RETRY_ON,
    BL_FOPT_DISABLE_TIMEOUT,
    BL_FOPT_IPMITOOL_PATH,
    BL_FOPT_IPMITOOL_TIMEOUT,
    BL_FOPT_USE_SUDO,
    BL_FOPT_SUDO_PATH,
    BL_FOPT_PLUG_SEPARATOR,
    BL_FOPT_BMCLINK_CONF,
    BL_FOPT__COUNT,
};

enum bl_fopt_type {
    BL_FOPT_STRING,
    BL_FOPT_INTEGER,
    BL_FOPT_SECOND,
    BL_FOPT_BOOLEAN,
    BL_FOPT_SELECT,
};

enum bl_fopt_flags {
    BL_FOPTF_REQUIRED = 1 << 0, /* shown as required="1" in the metadata */
    BL_FOPTF_SECRET = 1 << 1,   /* wiped from argv and memory, never logged */
    BL_FOPTF_COUNT = 1 << 3,    /* -v -v -v: counted */
    BL_FOPTF_UNUSED = 1 << 4,   /* fence_ipmilan's, accepted and not needed here */
};

/* The names fence_bmclink answers to (argv[0]'s base name), each with fence-agents'
 * defaults for the fence_ipmilan alias it stands for (fence_bmclink_ilo3 as fence_ilo3). */
enum bl_fence_alias {
    BL_FENCE_ALIAS_NONE,
    BL_FENCE_ALIAS_IPMILANPLUS,
    BL_FENCE_ALIAS_ILO3,
    BL_FENCE_ALIAS_ILO4,
    BL_FENCE_ALIAS_ILO5,
    BL_FENCE_ALIAS_IMM,
    BL_FENCE_ALIAS_IDRAC,
    BL_FENCE_ALIAS__COUNT,
};

struct bl_fence_config;

/* One option: everything each of the parsers and generators needs. */
struct bl_fopt_def {
    enum bl_fopt_id id;
    const char *name;       /* stdin key and metadata name ("ip") */
    const char *deprecated; /* older stdin key ("ipaddr") or NULL */
    char short_opt;         /* getopt letter, 0 for none */
    const char *long_opt;   /* "--ip" without the dashes */
    const char *arg;        /* "[ip]" for options with a value; NULL for flags */
    enum bl_fopt_type type;
    const char *def;            /* default value as text, or NULL */
    const char *const *choices; /* NULL-terminated, for BL_FOPT_SELECT */
    const char *shortdesc;      /* one line: metadata shortdesc and --help */
    const char *longdesc;       /* extra sentences for the man page, or NULL */
    unsigned int flags;         /* enum bl_fopt_flags */
    size_t field;               /* offsetof() in struct bl_fence_config, for generic appliers */
    /* Validate \p value and store it in \p cfg; on error write one line into err. */
    int (*apply)(const struct bl_fopt_def *def, struct bl_fence_config *cfg, const char *value,
                 char *err, size_t errlen);
};

/** The option table, BL_FOPT__COUNT entries in enum order. */
const struct bl_fopt_def *bl_fopt_table(void);

/* Raw option values as given, before validation. */
struct bl_fence_opts {
    char *val[BL_FOPT__COUNT]; /* g_malloc'd text; secrets wiped on clear */
    unsigned int verbose_count;
    char *nodename; /* Pacemaker's target node, for log context */
    bool from_cmdline;
    enum bl_fence_alias alias; /* whose defaults apply */
};

/* Validated configuration for one run. */
struct bl_fence_config {
    enum bl_fence_action action;
    enum bl_fence_alias alias;
    struct bl_ipmi_params ipmi; /* host still a name here; resolved at run time */
    char ip[BL_IPMI_HOST_MAX + 1];
    bool have_ip;
    bool have_password;
    char *password_script;
    enum bl_fence_method method;
    char *plug;
    bool port_as_ip;
    unsigned int delay_s;
    unsigned int login_timeout_s;
    unsigned int shell_timeout_s;
    unsigned int power_timeout_s;
    unsigned int power_wait_s;
    unsigned int status_sleep_s;
    unsigned int retry_on;
    int verbose_level;
    bool quiet;
    char *debug_file;
    char *nodename;         /* Pacemaker's target node (stdin nodename=), or NULL */
    char *bmclink_conf;     /* where to look up whose BMC this is, or NULL */
    char *node_bmc;         /* nodename's BMC address per bmclink_conf; NULL when not listed */
    uint16_t node_bmc_port; /* and its UDP port */
    bool help;
    bool version;
};

/**
 * The alias named by a program path's base name ("/usr/sbin/fence_bmclink_ilo3").
 * \param[in] argv0  program path, may be NULL
 * \return the alias, BL_FENCE_ALIAS_NONE for fence_bmclink and any other name
 */
enum bl_fence_alias bl_fence_alias_from_argv0(const char *argv0);

/** Static agent name of an alias ("fence_bmclink_ilo3"). */
const char *bl_fence_alias_name(enum bl_fence_alias a);

/** Static name of the fence-agents agent an alias stands for ("fence_ilo3"), NULL for none. */
const char *bl_fence_alias_counterpart(enum bl_fence_alias a);

/**
 * Default value of an option under an alias (fence_ilo3 waits 4 s after power commands).
 * \return static text or NULL for no default
 */
const char *bl_fopt_default(const struct bl_fopt_def *d, enum bl_fence_alias a);

/**
 * Start with no values. \param[out] o  raw options
 */
void bl_fence_opts_init(struct bl_fence_opts *o);

/**
 * Free the raw values, wiping secrets first. Safe to call twice.
 */
void bl_fence_opts_clear(struct bl_fence_opts *o);

/**
 * Parse the command line, fencing.py style. Values of secret options (password, Kg) are
 * copied and then overwritten in argv at once, so /proc/PID/cmdline no longer shows them.
 * \param[in,out] o       raw options
 * \param[in]     argc    argument count
 * \param[in,out] argv    arguments; secret values are wiped in place
 * \param[out]    err     one-line message on failure
 * \return 0 or BL_E_INVALID
 */
int bl_fence_opts_parse_argv(struct bl_fence_opts *o, int argc, char **argv, char *err,
                             size_t errlen);

/**
 * Parse key=value lines (what Pacemaker's fencer writes to an agent's stdin). Blank lines
 * and '#' comments are skipped, surrounding double quotes dropped, '-' and '_' in keys
 * equivalent; unknown keys are ignored with a warning naming the key only.
 * \param[in,out] o    raw options
 * \param[in]     in   stream, read to its end (at most 1 MiB)
 * \param[out]    err  one-line message on failure
 * \return 0 or BL_E_INVALID (input too large or unreadable)
 */
int bl_fence_opts_parse_stream(struct bl_fence_opts *o, FILE *in, char *err, size_t errlen);

/**
 * Apply defaults, validate every value and the combinations, and fill \p cfg.
 * Nothing here touches the network or runs the password script.
 * \param[in]  o    raw options
 * \param[out] cfg  configuration; release with bl_fence_config_clear() even on failure
 * \param[out] err  one-line message on failure
 * \return 0, BL_E_INVALID, BL_E_WEAK_CRYPTO or BL_E_UNSUPPORTED
 */
int bl_fence_opts_resolve(const struct bl_fence_opts *o, struct bl_fence_config *cfg, char *err,
                          size_t errlen);

/** Wipe the secrets in \p cfg and free what it owns. Safe on a zeroed struct. */
void bl_fence_config_clear(struct bl_fence_config *cfg);

/**
 * Parse an action name ("meta-data" is accepted for metadata, as in OCF).
 * \return 0 or BL_E_INVALID
 */
int bl_fence_action_parse(const char *text, enum bl_fence_action *out);

/** Static name of an action. */
const char *bl_fence_action_name(enum bl_fence_action a);

/* Generated documentation (bl_fence_doc.c). */

/** Write the metadata XML Pacemaker, pcs and crmsh read, for the agent name \p a. */
void bl_fence_print_metadata(FILE *out, enum bl_fence_alias a);

/** Write the --help text for the agent name \p a. */
void bl_fence_print_help(FILE *out, enum bl_fence_alias a);

/** Write the man page (troff). */
void bl_fence_print_manpage(FILE *out);

#endif
