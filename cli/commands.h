/*
 * Subcommands of the `bmclink` command. Each takes the arguments after its own name
 * (argv[0] is the subcommand) and returns the process exit code: 0 success, 1 failure,
 * 2 usage error. Add a subcommand by adding a line to the table in bmclink.c.
 */
#ifndef BL_CLI_COMMANDS_H
#define BL_CLI_COMMANDS_H

#include <stdio.h>

enum {
    BL_CLI_OK = 0,
    BL_CLI_FAILED = 1,
    BL_CLI_USAGE = 2,
};

/** `bmclink chain status|check|keys`: service chains (resource/chain*). */
int bl_cmd_chain(int argc, char **argv);

/** Print the chain subcommand's help. */
void bl_cmd_chain_usage(FILE *out);

/** `bmclink reg ...`: runs bmclink-reg, the synchronized registry's command line. */
int bl_cmd_reg(int argc, char **argv);

/** Print bmclink-reg's help. */
void bl_cmd_reg_usage(FILE *out);

/** `bmclink status`: the local bmclinkd's BMC side and registry (monitor/status/bmc_status.h). */
int bl_cmd_status(int argc, char **argv);
void bl_cmd_status_usage(FILE *out);

/** `bmclink config check [FILE]`: bmclink.conf as bmclinkd's BMC side loads it. */
int bl_cmd_config(int argc, char **argv);
void bl_cmd_config_usage(FILE *out);

/** `bmclink esm chain|setup|facts|check|update SITE`: the server manager's site (resource/esm). */
int bl_cmd_esm(int argc, char **argv);
void bl_cmd_esm_usage(FILE *out);

#endif
