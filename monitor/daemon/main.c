/*
 * bmclinkd: parse options, load the configuration, start the modules, run the GLib main
 * loop until SIGTERM or SIGINT, stop the modules in reverse. Everything else lives in the
 * modules (daemon.h says how to add one).
 */
#include <errno.h>
#include <glib-unix.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "bl_cli.h"
#include "bl_log.h"
#include "bl_proc.h"
#include "bl_result.h"
#include "daemon.h"

#define DEFAULT_CONFIG "/etc/bmclink/bmclinkd.conf"

static const struct bld_module modules[] = {
    {"ipc", bld_ipc_module_start, bld_ipc_module_stop},
    {"registry", bld_reg_start, bld_reg_stop},
    {"bmc", bld_bmc_start, bld_bmc_stop},
};

void
bld_quit(struct bld *d, int exit_code)
{
    d->exit_code = exit_code;
    g_main_loop_quit(d->loop);
}

/* The first signal lets a recovery under way send its end notice (bld_bmc_drain); a second
 * one stops at once. */
static gboolean
on_term(gpointer p)
{
    struct bld *d = p;

    if (!d->stopping) {
        d->stopping = true;
        qb_log(LOG_NOTICE, "signal received, stopping");
        if (bld_bmc_drain(d)) {
            return G_SOURCE_CONTINUE;
        }
    } else {
        qb_log(LOG_NOTICE, "second signal received, stopping now");
    }
    bld_quit(d, 0);
    return G_SOURCE_CONTINUE;
}

static int
log_priority(const char *level)
{
    static const struct {
        const char *name;
        int prio;
    } levels[] = {{"error", LOG_ERR},
                  {"warning", LOG_WARNING},
                  {"notice", LOG_NOTICE},
                  {"info", LOG_INFO},
                  {"debug", LOG_DEBUG}};

    for (size_t i = 0; i < G_N_ELEMENTS(levels); i++) {
        if (strcmp(levels[i].name, level) == 0) {
            return levels[i].prio;
        }
    }
    return LOG_INFO;
}

/* SIGHUP: reopen log-file, for logrotate. (The configuration is not re-read: a changed
 * bmclinkd.conf takes a restart, which Pacemaker or systemd does in order.) */
static gboolean
on_hup(gpointer p)
{
    int rc = bl_log_reopen_file();

    if (rc != 0) {
        qb_log(LOG_ERR, "SIGHUP: cannot reopen log-file %s: %s", bl_log_file(), strerror(-rc));
    } else {
        qb_log(LOG_NOTICE, "SIGHUP: log file %s", bl_log_file() != NULL ? "reopened" : "(none)");
    }
    return G_SOURCE_CONTINUE;
}

/* SIGUSR1 logs at debug until SIGUSR2 sets the configured level back. */
static gboolean
on_usr1(gpointer p)
{
    bl_log_set_debug(true);
    qb_log(LOG_NOTICE, "SIGUSR1: logging at debug level (SIGUSR2 sets it back)");
    return G_SOURCE_CONTINUE;
}

static gboolean
on_usr2(gpointer p)
{
    bl_log_set_debug(false);
    qb_log(LOG_NOTICE, "SIGUSR2: logging at the configured log-level again");
    return G_SOURCE_CONTINUE;
}

/* syslog (facility log-facility) and/or stderr, and log-file beside them (a node without
 * syslog, the lab). */
static int
setup_logging(const struct bld_config *cfg, bool to_stderr)
{
    const char *target = bld_config_str(cfg, "daemon", "log-target");
    const char *file = bld_config_str(cfg, "daemon", "log-file");
    int prio = log_priority(bld_config_str(cfg, "daemon", "log-level"));
    int targets = strcmp(target, "stderr") == 0 ? BL_LOG_STDERR
                  : strcmp(target, "both") == 0 ? BL_LOG_STDERR | BL_LOG_SYSLOG
                                                : BL_LOG_SYSLOG;
    int rc;

    bl_log_init("bmclinkd", targets | (to_stderr ? BL_LOG_STDERR : 0), prio);
    bl_log_set_facility(bld_config_str(cfg, "daemon", "log-facility")); /* checked at load */
    rc = file[0] != '\0' ? bld_config_make_parent(file, 0750) : 0;
    rc = rc == 0 && file[0] != '\0' ? bl_log_open_file(file) : rc;
    if (rc < 0) {
        fprintf(stderr, "bmclinkd: cannot open log-file %s: %s\n", file, strerror(-rc));
        return 1;
    }
    return 0;
}

/* Exit status of bmclinkd, --check-config's told apart so the OCF agent can tell whose
 * problem it is without reading the message. */
enum {
    EXIT_CONF = 1,      /* bmclinkd.conf: syntax or value (or a start that failed) */
    EXIT_USAGE = 2,     /* the command line */
    EXIT_NODE_FILE = 3, /* a file or secret missing or unreadable on this node */
    EXIT_BMC_CONF = 4,  /* bmclink.conf: syntax or value */
};

#define EXIT_HELP                                                                                  \
    "Exit status: 0 fine; 1 bmclinkd.conf is invalid (syntax, a value); 2 bad command line; "      \
    "3 a file or secret is missing or unusable on this node (bmclinkd.conf, bmclink.conf, a "      \
    "password file: missing, unreadable, world-readable, empty or longer than 20 bytes); 4 "       \
    "bmclink.conf is invalid (syntax, a value); 5 bmclinkd is already running (another process "   \
    "holds the IPC service name: the message gives its pid). A daemon start checks "               \
    "bmclinkd.conf only (1, or 3 when -c names a missing file); 4 and the password files only "    \
    "with --check-config."

#define SIGNALS_HELP                                                                               \
    "Signals: SIGTERM or SIGINT stop (a recovery under way first sends its end notice; a second "  \
    "signal stops at once); SIGHUP reopens log-file (for logrotate; bmclinkd.conf is read at "     \
    "start only); SIGUSR1 logs at debug level, on every target, until SIGUSR2 sets log-level "     \
    "back."

/*
 * --check-config checks the BMC side's own file (bmclink.conf) with bmclinkd's. A daemon
 * start does not: a bad or missing bmclink.conf or password file, like a trap port in use,
 * leaves the BMC side failed and retried (bmc_service.c) while the registry runs.
 */
/* A config report has one problem per line; each gets the program's name. */
static void
print_errors(const char *err)
{
    g_auto(GStrv) lines = g_strsplit(err != NULL ? err : "failed", "\n", -1);

    for (size_t i = 0; lines[i] != NULL; i++) {
        fprintf(stderr, "bmclinkd: %s\n", lines[i]);
    }
}

static int
check_files(const struct bld_config *cfg, const char *path, bool bmc_too)
{
    const char *file = bld_config_str(cfg, "daemon", "log-file");
    char *err = NULL;

    if (file[0] != '\0' && file[0] != '/') {
        fprintf(stderr, "bmclinkd: %s: key 'log-file' in [daemon]: '%s' is not an absolute path\n",
                path, file);
        return EXIT_CONF;
    }
    int rc = bmc_too ? bld_bmc_check(cfg, &err) : 0;
    if (rc != 0) {
        print_errors(err);
        g_free(err);
        return rc < 0 && rc > BL_E_BASE ? EXIT_NODE_FILE : EXIT_BMC_CONF;
    }
    return 0;
}

struct options {
    char *config;
    gboolean stderr_log;
    gboolean dump;
    gboolean check;
    gboolean reset_store;
    gboolean version;
    gboolean take_over;
    char **rest; /* words after the options */
};

/* --check-config takes the file to check as -c FILE or as its one argument; every other
 * word after the options is refused, so a mistyped command line never checks or runs the
 * default file instead. */
static int
take_arguments(struct options *o)
{
    guint n = o->rest != NULL ? g_strv_length(o->rest) : 0;

    if (n == 0) {
        return 0;
    }
    if (!o->check || n > 1) {
        fprintf(stderr, "bmclinkd: unexpected argument '%s' (the configuration file is -c FILE)\n",
                o->rest[o->check ? 1 : 0]);
        return EXIT_USAGE;
    }
    if (o->config != NULL && strcmp(o->config, o->rest[0]) != 0) {
        fprintf(stderr, "bmclinkd: --check-config %s and -c %s name two files; give one\n",
                o->rest[0], o->config);
        return EXIT_USAGE;
    }
    g_free(o->config);
    o->config = g_strdup(o->rest[0]);
    return 0;
}

static int
parse_options(int argc, char **argv, struct options *o)
{
    GOptionEntry entries[] = {
        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &o->config,
         "Configuration file (default " DEFAULT_CONFIG ")", "FILE"},
        {"stderr", 'e', 0, G_OPTION_ARG_NONE, &o->stderr_log, "Log to stderr too", NULL},
        {"check-config", 0, 0, G_OPTION_ARG_NONE, &o->check,
         "Check the configuration file and exit", NULL},
        {"dump-options", 0, 0, G_OPTION_ARG_NONE, &o->dump,
         "Print the configuration options as a man page section and exit", NULL},
        {"reset-store", 0, 0, G_OPTION_ARG_NONE, &o->reset_store,
         "If the registry store is corrupt, set it aside and start empty (this node then "
         "receives a full copy from the cluster)",
         NULL},
        {"version", 0, 0, G_OPTION_ARG_NONE, &o->version, "Print the version and exit", NULL},
        {"take-over", 0, 0, G_OPTION_ARG_NONE, &o->take_over,
         "Two nodes, the other lost for good: make this replica its history's sole writer, "
         "so it may write alone (writes only the lost node had are lost; docs/registry.md)",
         NULL},
        {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->rest, NULL, NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autofree char *bad = bl_cli_check_options(entries, argc, argv, NULL); /* did you mean */
    GOptionContext *ctx = g_option_context_new("[--check-config [FILE]] - bmclink node daemon");
    GError *err = NULL;

    if (bad != NULL) {
        g_option_context_free(ctx);
        return bl_cli_usage_error("bmclinkd", "%s", bad);
    }
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx, EXIT_HELP "\n\n" SIGNALS_HELP);
    gboolean ok = g_option_context_parse(ctx, &argc, &argv, &err);
    g_option_context_free(ctx);
    if (ok == FALSE) {
        fprintf(stderr, "bmclinkd: %s\n", err->message);
        g_error_free(err);
        return EXIT_USAGE;
    }
    if (o->version) {
        printf("bmclinkd %s\n", bl_version());
        return -1; /* done: exit 0 */
    }
    return take_arguments(o);
}

static int
run(struct bld *d)
{
    size_t started = 0;
    int rc = 0;

    for (; started < G_N_ELEMENTS(modules) && rc == 0; started++) {
        rc = modules[started].start(d);
        if (rc != 0) {
            qb_log(LOG_ERR, "module %s failed to start; stopping", modules[started].name);
            d->exit_code = d->exit_code != 0 ? d->exit_code : 1;
        }
    }
    if (rc == 0) {
        qb_log(LOG_NOTICE, "bmclinkd running (configuration %s)", d->config_path);
        g_main_loop_run(d->loop);
    }
    while (started-- > 0) {
        modules[started].stop(d);
    }
    return d->exit_code;
}

int
main(int argc, char **argv)
{
    struct options o = {0};
    struct bld d = {0};
    char *err = NULL;
    int rc = bl_proc_protect_secrets(); /* before bmclink.conf and password files are read */

    if (rc != 0) {
        fprintf(stderr, "bmclinkd: cannot turn core dumps off: %s\n", strerror(-rc));
    }
    rc = parse_options(argc, argv, &o);

    if (rc != 0) {
        g_strfreev(o.rest);
        g_free(o.config);
        return rc < 0 ? 0 : rc; /* -1: --version printed */
    }
    if (o.dump) {
        bld_config_dump_man(stdout);
        printf(".SH EXIT STATUS\n%s\n.SH SIGNALS\n%s\n", EXIT_HELP, SIGNALS_HELP);
        return 0;
    }
    d.config_path = o.config != NULL ? o.config : DEFAULT_CONFIG;
    /* The daemon runs on defaults without its file; a check of a missing file fails. */
    rc = bld_config_load(d.config_path, o.config != NULL || o.check, &d.cfg, &err);
    g_strfreev(o.rest);
    if (rc != 0) {
        print_errors(err);
        g_free(err);
        g_free(o.config);
        return rc == -ENOENT || rc == -EIO ? EXIT_NODE_FILE : EXIT_CONF;
    }
    rc = check_files(d.cfg, d.config_path, o.check);
    if (rc == 0 && o.check) {
        printf("%s: OK\n", d.config_path);
    }
    if (rc == 0 && o.check == false) {
        rc = setup_logging(d.cfg, o.stderr_log);
    }
    if (o.check || rc != 0) {
        bld_config_free(d.cfg);
        g_free(o.config);
        bl_log_fini(); /* safe when logging never started */
        return rc;
    }
    signal(SIGPIPE, SIG_IGN);
    d.reset_store = o.reset_store;
    d.take_over = o.take_over;
    d.loop = g_main_loop_new(NULL, FALSE);
    g_unix_signal_add(SIGTERM, on_term, &d);
    g_unix_signal_add(SIGINT, on_term, &d);
    g_unix_signal_add(SIGHUP, on_hup, NULL);
    g_unix_signal_add(SIGUSR1, on_usr1, NULL);
    g_unix_signal_add(SIGUSR2, on_usr2, NULL);
    rc = run(&d);
    g_main_loop_unref(d.loop);
    bld_config_free(d.cfg);
    g_free(o.config);
    bl_log_fini();
    return rc;
}
