/*
 * bmclinkd's configuration file (GLib key file, /etc/bmclink/bmclinkd.conf), table-driven:
 * one const table of {section, key, type, default, limits, description} per module, checked
 * in one place. Errors name the file, the line and the key. The man page's option list is
 * printed from the same tables (bmclinkd --dump-options).
 *
 * To add a module's options: write a `const struct bld_option x_options[]` ending with an
 * all-NULL row, declare it here and add it to the list in config.c.
 */
#ifndef BLD_CONFIG_H
#define BLD_CONFIG_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum bld_opt_type {
    BLD_OPT_BOOL,
    BLD_OPT_INT, /* int64 within [min, max] */
    BLD_OPT_STRING,
    BLD_OPT_PATH, /* absolute path */
    BLD_OPT_ENUM, /* one of `choices`, '|'-separated */
};

struct bld_option {
    const char *section;
    const char *key;
    enum bld_opt_type type;
    const char *def; /* default, as it would be written in the file */
    int64_t min;
    int64_t max;
    const char *choices;
    const char *description;
};

extern const struct bld_option bld_daemon_options[];
extern const struct bld_option bld_registry_options[];
extern const struct bld_option bld_bmc_options[];

struct bld_config;

/**
 * Load and check a configuration file; every option not in the file takes its default.
 * \param[in]  path      the file; a missing file is an error only if `required`
 * \param[out] out       free with bld_config_free()
 * \param[out] err       on failure "FILE:LINE: key 'K' in [S]: what is wrong" (g_free())
 * \return 0, -ENOENT (missing and required), BL_E_INVALID (syntax, unknown section or key,
 *         bad value)
 */
int bld_config_load(const char *path, bool required, struct bld_config **out, char **err);

/** Free. Accepts NULL. */
void bld_config_free(struct bld_config *cfg);

/* Typed access; section and key must be in a table (a programming error aborts). */
bool bld_config_bool(const struct bld_config *cfg, const char *section, const char *key);
int64_t bld_config_int(const struct bld_config *cfg, const char *section, const char *key);
/** \return a string owned by cfg */
const char *bld_config_str(const struct bld_config *cfg, const char *section, const char *key);

/** Print every option as a man page section (roff), from the tables. */
void bld_config_dump_man(FILE *out);

#endif
