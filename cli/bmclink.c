/*
 * bmclink - the administrator's command. A table of subcommands; each lives in its own
 * cmd_<name>.c over the libraries the agents and the daemon use, and parses its arguments
 * with bl_cli_parse() (lib/bl_cli.h).
 */
#include "bl_log.h"
#include "commands.h"

#include <string.h>
#include <syslog.h>

static int
cmd_version(int argc, char **argv)
{
    if (argc > 1) {
        return bl_cli_usage_error("bmclink version", "unexpected argument '%s'", argv[1]);
    }
    printf("bmclink %s\n", bl_version());
    return BL_CLI_EXIT_OK;
}

static const struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"chain", "service chains: members' state, folder binds, chain file checks", bl_cmd_chain},
    {"reg", "the synchronized registry (bmclink-reg is the same command)", bl_cmd_reg},
    {"status", "the node daemon: trap counters, notices, recoveries, BMC heartbeat, registry",
     bl_cmd_status},
    {"config", "check bmclink.conf (the BMC side's file)", bl_cmd_config},
    {"esm", "the server manager's site: chain, Pacemaker setup, checks, update plan", bl_cmd_esm},
    {"version", "print the version", cmd_version},
};

static void
usage(FILE *out)
{
    fputs("usage: bmclink COMMAND [ARGS...]\n       bmclink --version\n\ncommands:\n", out);
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    }
    fputs("\n'bmclink COMMAND --help' describes a command. Exit: 0 done, 1 failed, 2 usage "
          "error\n(bmclink reg adds 3 not found, 4 no quorum or not in sync).\n",
          out);
}

/* A first word that is no command: one line naming it, with the nearest command. */
static int
unknown(const char *word)
{
    static const char *const opts[] = {"--help", "--version", NULL};
    const char *names[G_N_ELEMENTS(commands) + 1] = {NULL};
    g_autofree char *why = NULL;

    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
        names[i] = commands[i].name;
    }
    if (word[0] == '-') {
        why = bl_cli_unknown_text("option", word, opts, true);
    } else {
        why = bl_cli_unknown_text("command", word, names, true);
    }
    return bl_cli_usage_error("bmclink", "%s", why);
}

int
main(int argc, char **argv)
{
    int rc;

    if (argc < 2) {
        return bl_cli_usage_error("bmclink", "no command given (bmclink --help lists them)");
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return BL_CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        return cmd_version(1, argv);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            bl_log_init("bmclink", BL_LOG_STDERR, LOG_WARNING);
            rc = commands[i].run(argc - 1, argv + 1);
            bl_log_fini();
            return rc;
        }
    }
    return unknown(argv[1]);
}
