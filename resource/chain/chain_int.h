/*
 * Internal to the chain module: the key table (chain_keys.c) shared by the parser
 * (chain_conf.c) and the writer and documentation (chain_keys.c). Not for other modules.
 */
#ifndef BL_CHAIN_INT_H
#define BL_CHAIN_INT_H

#include "chain.h"

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#define KIND_BIT(k) (1u << (k))
#define ALL_KINDS (KIND_BIT(BL_KIND_SYSTEMD) | KIND_BIT(BL_KIND_LSB) | KIND_BIT(BL_KIND_DAEMON))

enum bl_key_type {
    KT_STRING,
    KT_PATH, /* absolute path */
    KT_ARGV, /* shell-like words; the first must be an absolute path */
    KT_BOOL,
    KT_DURATION,
    KT_PORT,
    KT_KIND,
    KT_READY,
    KT_COND, /* site condition: "FEATURE" or "version >= X.Y" */
    KT_HOOK, /* "start" or "stop", optionally followed by "if CONDITION" */
};

struct bl_key_def {
    const char *key;
    enum bl_key_type type;
    unsigned kinds; /* bitmask of KIND_BIT(kind) the key applies to */
    size_t offset;  /* field in struct bl_chain_member */
    const char *def;
    const char *desc;
    bool outside_only; /* only in [outside NAME] entries */
};

/* One entry per enum bl_member_key, in that order. */
extern const struct bl_key_def bl_member_keys[BL_MK_COUNT];
extern const char *const bl_kind_names[BL_KIND_COUNT];
extern const char *const bl_ready_names[3];

/* chain_keys.c: one key's value, for the parser. */

/** Parse and store value into the member's field for def. \return NULL, or what is wrong
 * with the value (static) */
const char *bl_member_store(struct bl_chain_member *m, const struct bl_key_def *def,
                            const char *value);

/** Clear key k of a member (its value, line and source). */
void bl_member_clear_key(struct bl_chain_member *m, enum bl_member_key k);

/** An override that changes a member's kind drops the keys set elsewhere that only fitted the
 * old kind. \param[in] source  the overriding file (its own keys stay) */
void bl_member_drop_other_kind_keys(struct bl_chain_member *m, const char *source);

/** Index of a member key by name, or -1. */
int bl_member_key_find(const char *key);

/* The site a chain is configured for, from [chain] version/features/series. The outermost
 * file that sets a key wins (depth: 0 the file loaded, 1 what it includes, ...). */
struct bl_chain_site {
    char *version;
    int version_depth;
    char **features; /* NULL: not given; empty: "none" */
    int features_depth;
    char *series;
    int series_depth;
};

/* chain_site.c */

/** NULL when text is a valid condition, else what is wrong (static). */
const char *bl_cond_problem(const char *text);

/** NULL when text is a valid hook value ("start", "stop", "... if CONDITION"), else what is
 * wrong (static). */
const char *bl_hook_problem(const char *text);

/**
 * Set one [chain] site key (version, features, series) from a file at the given include
 * depth. \return NULL, or what is wrong with the value (static)
 */
const char *bl_chain_site_set(struct bl_chain_site *site, const char *key, const char *value,
                              int depth);

/** Free the site's fields (not the struct). */
void bl_chain_site_clear(struct bl_chain_site *site);

/**
 * Apply the site to what was parsed: check the site gives what the conditions need, drop the
 * members, [outside] entries, hooks and folders whose conditions it does not meet (one line
 * each appended to left_out, g_free'd strings) and report problems to err ("source: text").
 * \param[in,out] members  struct bl_chain_member (members and [outside] entries)
 * \param[in,out] folders  struct bl_chain_folder
 * \param[in] free_member  frees a member's fields (the parser's)
 */
void bl_chain_site_resolve(const struct bl_chain_site *site, const char *source, GArray *members,
                           GArray *folders, GPtrArray *left_out, GString *err,
                           void (*free_member)(struct bl_chain_member *m));

/**
 * Set one key of a [folder NAME] section. \return NULL, or what is wrong (static); an
 * unknown key gives "is an unknown folder key ..."
 */
const char *bl_chain_folder_set(struct bl_chain_folder *f, const char *key, const char *value);

/** Free a folder's fields (not the struct). */
void bl_chain_folder_clear(struct bl_chain_folder *f);

/** Append the site's [chain] keys and the left-out lines (as comments) to a chain's text. */
void bl_chain_site_to_text(const struct bl_chain *chain, GString *out);

/** Append the [folder NAME] sections to a chain's text. */
void bl_chain_folders_to_text(const struct bl_chain *chain, GString *out);

#endif
