/*
 * Subcommands of the `bmclink` command. Each takes the arguments after its own name
 * (argv[0] is the subcommand), parses them with bl_cli_parse() (lib/bl_cli.h: one parser for
 * every command, --help and --version included) and returns the process exit code: 0
 * success, 1 failure, 2 usage error (BL_CLI_EXIT_*); `reg` adds 3 and 4. Add a subcommand by
 * adding a line to the table in bmclink.c.
 */
#ifndef BL_CLI_COMMANDS_H
#define BL_CLI_COMMANDS_H

#include "bl_cli.h"

/** `bmclink chain status|check|show|keys`: service chains (resource/chain*). */
int bl_cmd_chain(int argc, char **argv);

/** `bmclink reg ...`: the synchronized registry's command line (cmd_reg.c). */
int bl_cmd_reg(int argc, char **argv);

/**
 * The registry's command line under a name: "bmclink reg" or "bmclink-reg" (the older
 * program, the same code). argv[0] is that name or the subcommand word before the options.
 */
int bl_cmd_reg_main(const char *prog, int argc, char **argv);

/** `bmclink status`: the local bmclinkd's BMC side and registry (monitor/status/bmc_status.h). */
int bl_cmd_status(int argc, char **argv);

/** `bmclink config check [FILE]`: bmclink.conf as bmclinkd's BMC side loads it. */
int bl_cmd_config(int argc, char **argv);

/** `bmclink esm chain|setup|facts|check|update SITE`: the server manager's site (resource/esm). */
int bl_cmd_esm(int argc, char **argv);

#endif
