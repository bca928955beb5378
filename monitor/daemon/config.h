/*
 * bmclinkd's configuration file (GLib key file, /etc/bmclink/bmclinkd.conf), read through the
 * config engine (bl_conf.h): one const table of rows {group, key, type, default, limits,
 * description} per module. Errors name the file, the line, the group and the key, every one
 * of them. The man page's option list is printed from the same tables (bmclinkd
 * --dump-options).
 *
 * To add a module's options: write a `const struct bl_conf_key x_options[]` ending with an
 * all-zero row, of types BL_CONF_BOOL, BL_CONF_INT, BL_CONF_MS, BL_CONF_SECONDS or
 * BL_CONF_STRDUP (with `choices` for an enumeration, BL_CONF_ABSPATH for a path), offset 0;
 * declare it here and add it to the list in config.c.
 */
#ifndef BLD_CONFIG_H
#define BLD_CONFIG_H

#include "bl_conf.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

extern const struct bl_conf_key bld_daemon_options[];
extern const struct bl_conf_key bld_registry_options[];
extern const struct bl_conf_key bld_bmc_options[];

struct bld_config;

/**
 * Load and check a configuration file; every option not in the file takes its default.
 * \param[in]  path      the file; a missing file is an error only if `required`
 * \param[out] out       free with bld_config_free()
 * \param[out] errmsg    on failure every problem, "FILE:LINE: [GROUP] KEY: why" one per line
 *                      (g_free())
 * \return 0, -ENOENT (missing and required), another -errno reading it, BL_E_INVALID
 *         (syntax, unknown group or key, bad value)
 */
int bld_config_load(const char *path, bool required, struct bld_config **out, char **errmsg);

/** Free. Accepts NULL. */
void bld_config_free(struct bld_config *cfg);

/* Typed access; section and key must be in a table (a programming error aborts). */
bool bld_config_bool(const struct bld_config *cfg, const char *section, const char *key);
/** Integers and durations (in the row's unit: ms or s). */
int64_t bld_config_int(const struct bld_config *cfg, const char *section, const char *key);
/** \return a string owned by cfg */
const char *bld_config_str(const struct bld_config *cfg, const char *section, const char *key);

/**
 * Create the directory of a file the configuration names (the registry store, log-file)
 * when it is missing, with its missing parents, with `mode`: a fresh node whose daemon
 * runs as a Pacemaker clone has no systemd StateDirectory= and perhaps no package.
 * \param[in] path  the file
 * \return 0 (the directory exists), or -errno
 */
int bld_config_make_parent(const char *path, int mode);

/** Print every option as a man page section (roff), from the tables. */
void bld_config_dump_man(FILE *out);

#endif
