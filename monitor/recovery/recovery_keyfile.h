/*
 * Internal to recovery_config.c: a table of typed keys applied onto plain structs by offset,
 * over a GKeyFile read with its text kept for error lines. Not a public API.
 */
#ifndef BL_RECOVERY_KEYFILE_H
#define BL_RECOVERY_KEYFILE_H

#include "recovery_config.h"

#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum bk_type {
    BK_BOOL,     /* bool */
    BK_U32,      /* uint32_t in [min, max] */
    BK_STR,      /* char[max + 1] */
    BK_SECRET,   /* char[max + 1], never echoed */
    BK_KG,       /* a secret: BMC key in hex, char[max + 1] */
    BK_CMD,      /* struct bl_notice_cmd */
    BK_KIND,     /* enum bl_rec_kind */
    BK_PRIV,     /* enum bl_ipmi_priv */
    BK_SEVERITY, /* uint8_t PET severity bit */
    BK_CODES,    /* uint8_t[BL_REC_RESULT_COUNT] */
};

struct bk_row {
    struct bl_bmc_config_doc doc;
    enum bk_type type;
    size_t off;
    uint32_t min, max;
};

struct bk_file {
    const char *path;
    char *text;
    GKeyFile *kf;
    char *err;
    size_t errlen;
    const struct bk_row *rows;
    size_t n_rows;
};

/**
 * Read and tokenize f->path; refuse a world-readable file holding a password or key.
 * \return 0, -errno, BL_E_INVALID (the reason in f->err)
 */
int bk_open(struct bk_file *f);

/** Wipe the text, free. */
void bk_close(struct bk_file *f);

/**
 * Read a whole regular file of at most max bytes through one O_CLOEXEC descriptor (its mode
 * comes from that descriptor, not from a second look at the path).
 * \param[out] text  g_free() it (wipe it first when it holds a secret)
 * \return 0 or -errno (-EFBIG when larger, -EINVAL when not a regular file)
 */
int bk_slurp(const char *path, size_t max, char **text, mode_t *mode);

/** "file:line: [group] key: what" into f->err. \return BL_E_INVALID */
int bk_fail(const struct bk_file *f, const char *group, const char *key, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

/** The defaults of the rows of kind onto base. \return 0, BL_E_INVALID (a broken table) */
int bk_defaults(const struct bk_file *f, const char *kind, void *base);

/**
 * Every key present in [group] onto base, read as rows of any of kinds (NULL-terminated);
 * unknown keys and bad values are errors, secrets are never echoed.
 */
int bk_apply(const struct bk_file *f, const char *group, const char *const *kinds, void *base);

#endif
