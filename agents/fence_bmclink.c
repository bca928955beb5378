/*
 * fence_bmclink: Pacemaker fence agent for IPMI BMCs, fence-agents compatible.
 *
 * Thin glue: parse options (argv, or key=value lines on stdin as Pacemaker's fencer
 * writes them), set up logging, then hand over to libbmclink (bl_fence_opt.h, bl_fence.h)
 * on a private GLib main context with the OpenIPMI backend.
 */
#include "bl_fence.h"
#include "bl_fence_opt.h"
#include "bl_ipmi_lan.h"
#include "bl_log.h"
#include "bl_proc.h"
#include "bl_result.h"
#include "recovery_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

#ifndef BL_VERSION
#define BL_VERSION "0"
#endif

static void
setup_logging(const struct bl_fence_config *cfg)
{
    if (cfg->verbose_level > 0) {
        bl_log_set_priority(LOG_DEBUG);
        qb_log_format_set(QB_LOG_STDERR, "%T %N: %p: %b");
    }
    if (cfg->quiet && cfg->verbose_level == 0) {
        qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_FALSE);
    }
    if (cfg->debug_file != NULL) {
        int fd = qb_log_file_open(cfg->debug_file);

        if (fd < 0) {
            qb_log(LOG_WARNING, "Unable to create file %s", cfg->debug_file);
            return;
        }
        qb_log_ctl(fd, QB_LOG_CONF_ENABLED, QB_TRUE);
        qb_log_format_set(fd, "%T %N: %p: %b");
        qb_log_filter_ctl(fd, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", LOG_DEBUG);
    }
}

/* Help, version and the documentation actions: print and stop. */
static bool
print_docs(const struct bl_fence_config *cfg)
{
    if (cfg->help) {
        bl_fence_print_help(stdout, cfg->alias);
    } else if (cfg->version) {
        printf("%s\n", BL_VERSION);
    } else if (cfg->action == BL_FENCE_METADATA) {
        bl_fence_print_metadata(stdout, cfg->alias);
    } else if (cfg->action == BL_FENCE_MANPAGE) {
        bl_fence_print_manpage(stdout);
    } else {
        return false;
    }
    return true;
}

static int
run_against_bmc(struct bl_fence_config *cfg)
{
    GMainContext *ctx = g_main_context_new();
    struct bl_ipmi_client client;
    struct bl_ipmi_lan *lan = NULL;
    int ec = BL_FENCE_EXIT_ERROR;
    int rc = bl_ipmi_lan_new(ctx, &lan);

    if (rc != BL_OK) {
        qb_log(LOG_ERR, "Failed: cannot initialise OpenIPMI: %s", bl_strerror(rc));
    } else {
        bl_ipmi_lan_client(lan, &client);
        ec = bl_fence_run(cfg, &client, ctx, stdout);
        bl_ipmi_lan_free(lan);
    }
    g_main_context_unref(ctx);
    return ec;
}

static bool
needs_bmc(enum bl_fence_action a)
{
    return a != BL_FENCE_LIST && a != BL_FENCE_LIST_STATUS && a != BL_FENCE_VALIDATE_ALL;
}

/* Pacemaker's target node: its BMC per bmclink.conf, for bl_fence_run's check that this
 * device is that BMC. Only the node's address is read (no password file: the device has
 * its own). An unreadable or invalid file, or a node it does not list, lists no node. */
static void
lookup_node_bmc(struct bl_fence_config *cfg)
{
    char host[BL_IPMI_HOST_MAX + 1];
    uint16_t port = 0;
    g_autofree char *why = NULL;
    int rc;

    if (cfg->nodename == NULL || cfg->port_as_ip || cfg->bmclink_conf == NULL) {
        return;
    }
    rc = bl_bmc_config_node_address(cfg->bmclink_conf, cfg->nodename, host, sizeof(host), &port,
                                    &why);
    if (rc != BL_OK) {
        /* absent: an ordinary fence_ipmilan-style set-up; present but unusable: say so */
        qb_log(rc == -ENOENT ? LOG_DEBUG : LOG_WARNING, "%s: no BMC for %s: %s",
               cfg->bmclink_conf, cfg->nodename, why != NULL ? why : bl_strerror(rc));
        return;
    }
    cfg->node_bmc = g_strdup(host);
    cfg->node_bmc_port = port;
}

/* Installed as fence_bmclink_ilo3 etc. too: the name picks fence-agents' defaults. */
static enum bl_fence_alias
agent_alias(int argc, char **argv)
{
    enum bl_fence_alias a = bl_fence_alias_from_argv0(argc > 0 ? argv[0] : NULL);

    bl_log_init(bl_fence_alias_name(a), BL_LOG_STDERR | BL_LOG_SYSLOG, LOG_WARNING);
    return a;
}

int
main(int argc, char **argv)
{
    struct bl_fence_opts opts;
    struct bl_fence_config cfg = {0};
    char err[512] = "";
    int ec = BL_FENCE_EXIT_ERROR;
    int rc;

    (void) bl_proc_protect_secrets(); /* before the password is read */
    bl_fence_opts_init(&opts);
    opts.alias = agent_alias(argc, argv);
    rc = argc > 1 ? bl_fence_opts_parse_argv(&opts, argc, argv, err, sizeof(err))
                  : bl_fence_opts_parse_stream(&opts, stdin, err, sizeof(err));
    if (rc == BL_OK) {
        rc = bl_fence_opts_resolve(&opts, &cfg, err, sizeof(err));
    }
    bl_fence_opts_clear(&opts);
    if (rc == BL_OK && print_docs(&cfg)) {
        ec = BL_FENCE_EXIT_OK;
    } else if (rc != BL_OK) {
        qb_log(LOG_ERR, "%s (see --help)", err);
    } else {
        setup_logging(&cfg);
        lookup_node_bmc(&cfg);
        rc = needs_bmc(cfg.action)
                 ? bl_fence_load_password(&cfg, cfg.login_timeout_s * 1000u, err, sizeof(err))
                 : BL_OK;
        if (rc != BL_OK) {
            qb_log(LOG_ERR, "%s", err);
        } else {
            ec = run_against_bmc(&cfg);
        }
    }
    bl_fence_config_clear(&cfg);
    bl_log_fini();
    return ec;
}
