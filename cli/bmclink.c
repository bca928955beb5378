/*
 * bmclink - the administrator's command. A table of subcommands; each lives in its own
 * cmd_<name>.c over the libraries the agents and the daemon use.
 */
#include "bl_log.h"
#include "commands.h"

#include <string.h>
#include <syslog.h>

static const struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
    void (*usage)(FILE *out);
} commands[] = {
    {"chain", "service chains: members' state, folder binds, chain file checks", bl_cmd_chain,
     bl_cmd_chain_usage},
    {"reg", "the synchronized registry (runs bmclink-reg)", bl_cmd_reg, bl_cmd_reg_usage},
    {"status", "the node daemon: trap counters, notices, recoveries, BMC heartbeat, registry",
     bl_cmd_status, bl_cmd_status_usage},
    {"config", "check bmclink.conf (the BMC side's file)", bl_cmd_config, bl_cmd_config_usage},
    {"esm", "the server manager's site: chain, Pacemaker setup, checks, update plan",
     bl_cmd_esm, bl_cmd_esm_usage},
};

static void
usage(FILE *out)
{
    fputs("usage: bmclink COMMAND [ARGS...]\n\ncommands:\n", out);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    }
    fputs("\n'bmclink COMMAND --help' describes a command.\n", out);
}

int
main(int argc, char **argv)
{
    int rc = BL_CLI_USAGE;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? BL_CLI_USAGE : BL_CLI_OK;
    }
    bl_log_init("bmclink", BL_LOG_STDERR, LOG_WARNING);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            bool help = argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0);
            if (help) {
                commands[i].usage(stdout);
                rc = BL_CLI_OK;
            } else {
                rc = commands[i].run(argc - 1, argv + 1);
            }
            bl_log_fini();
            return rc;
        }
    }
    fprintf(stderr, "bmclink: unknown command '%s'\n", argv[1]);
    usage(stderr);
    bl_log_fini();
    return rc;
}
