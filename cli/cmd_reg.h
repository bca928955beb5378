/*
 * `bmclink reg` and bmclink-reg, one code: the synchronized registry's command line
 * (cmd_reg.c parses and dispatches; cmd_reg_ops.c reads and writes values).
 *
 * Exit codes (docs/registry.md): 0 done, 1 failed (the message says why), 2 usage error,
 * 3 not found, 4 refused for lack of quorum or sync.
 */
#ifndef BL_CLI_CMD_REG_H
#define BL_CLI_CMD_REG_H

#include "bl_cli.h"
#include "reg_client.h"

#include <glib.h>
#include <stdint.h>

#define REG_EXIT_NOTFOUND 3
#define REG_EXIT_REFUSED 4

/* One invocation: the connection and what the options said. */
struct reg_cli {
    const char *prog; /* "bmclink reg" or "bmclink-reg", for messages */
    struct bl_reg_client *c;
    char *service;
    char *timeout;
    uint32_t timeout_ms;
    gboolean bare;
    gboolean wow64;
    gboolean types;
    gboolean dry_run;
    gboolean json;
    char *output;
    char *replace;
    char *profile;
    char *value_file;
};

/** Say why rc failed (what: the object); \return the exit code for rc */
int reg_report(const struct reg_cli *cli, int rc, const char *what);

/** A typed key path in canonical form (g_free()), or NULL after saying why (*rc set). */
char *reg_canon(const struct reg_cli *cli, const char *typed, int *rc);

/** text into --output (atomically) or stdout. \return 0 or 1 */
int reg_emit(const struct reg_cli *cli, const GString *text);

/** Parse a .reg file into ops (caller clears). \return 0, 1 (unreadable) or 2 (malformed) */
int reg_read_file(const struct reg_cli *cli, const char *file, struct bl_reg_ops *ops);

/** Apply ops after deleting and recreating each key of replace (NULL-terminated, may be
 * NULL), or with --dry-run only count them. \return exit code */
int reg_import_ops(struct reg_cli *cli, char **replace, const struct bl_reg_ops *in);

/* The subcommands of cmd_reg_ops.c: argv holds the words after the subcommand's name. */
int reg_cmd_get(struct reg_cli *cli, int argc, char **argv);
int reg_cmd_set(struct reg_cli *cli, int argc, char **argv);
int reg_cmd_delete(struct reg_cli *cli, int argc, char **argv);
int reg_cmd_mkkey(struct reg_cli *cli, int argc, char **argv);
int reg_cmd_list(struct reg_cli *cli, int argc, char **argv);
int reg_cmd_tree(struct reg_cli *cli, int argc, char **argv);
int reg_cmd_export(struct reg_cli *cli, int argc, char **argv);
int reg_cmd_import(struct reg_cli *cli, int argc, char **argv);
int reg_cmd_watch(struct reg_cli *cli, int argc, char **argv);

#endif
