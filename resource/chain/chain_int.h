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

#include "bl_conf.h"

/* The member keys as config-engine rows (chain_keys.c): the first BL_MK_COUNT in enum
 * bl_member_key order, each row's group the member kinds it applies to ("member": all,
 * "systemd", "lsb", "daemon", "outside": [outside] entries only); ends with a zero row. */
extern const struct bl_conf_key bl_chain_member_keys[];
extern const char *const bl_chain_kind_names[BL_KIND_COUNT];
extern const char *const bl_chain_ready_names[3];

/** Whether key k may be given for a member of that kind. */
bool bl_chain_member_key_applies(enum bl_member_key k, enum bl_member_kind kind);

/** A row's parser for a site condition (a char * field): the member's and the folder's `when`.
 * \return 0 or BL_E_INVALID */
int bl_chain_parse_cond(const struct bl_conf_key *k, const char *text, void *base);

/** Clear key k of a member (its value, line and source). */
void bl_chain_member_clear_key(struct bl_chain_member *m, enum bl_member_key k);

/** An override that changes a member's kind drops the keys set elsewhere that only fitted the
 * old kind. \param[in] source  the overriding file (its own keys stay) */
void bl_chain_member_drop_other_kind_keys(struct bl_chain_member *m, const char *source);

/** Index of a member key by name, or -1. */
int bl_chain_member_key_find(const char *key);

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
const char *bl_chain_cond_problem(const char *text);

/** NULL when text is a valid hook value ("start", "stop", "... if CONDITION"), else what is
 * wrong (static). */
const char *bl_chain_hook_problem(const char *text);

/* The [chain] keys (chain_site.c); `base` of the site rows is a struct bl_chain_site_ctx. */
extern const struct bl_conf_key bl_chain_keys[];

/* What the [chain] rows of one file write to. */
struct bl_chain_site_ctx {
    struct bl_chain_site *site;
    int depth;  /* of the file: 0 the file loaded, 1 what it includes, ... */
    char *name; /* this file's name and description (g_free) */
    char *description;
};

/* The [folder NAME] keys onto a struct bl_chain_folder. */
extern const struct bl_conf_key bl_chain_folder_keys[];

/** Free the site's fields (not the struct). */
void bl_chain_site_clear(struct bl_chain_site *site);

/**
 * Apply the site to what was parsed: check the site gives what the conditions need, drop the
 * members, [outside] entries, hooks and folders whose conditions it does not meet (one line
 * each appended to left_out, g_free'd strings) and record problems in f against its [chain].
 * \param[in,out] members  struct bl_chain_member (members and [outside] entries)
 * \param[in,out] folders  struct bl_chain_folder
 * \param[in] free_member  frees a member's fields (the parser's)
 */
void bl_chain_site_resolve(const struct bl_chain_site *site, struct bl_conf *f, GArray *members,
                           GArray *folders, GPtrArray *left_out,
                           void (*free_member)(struct bl_chain_member *m));

/** Free a folder's fields (not the struct). */
void bl_chain_folder_clear(struct bl_chain_folder *f);

/** Append the site's [chain] keys and the left-out lines (as comments) to a chain's text. */
void bl_chain_site_to_text(const struct bl_chain *chain, GString *out);

/** Append the [folder NAME] sections to a chain's text. */
void bl_chain_folders_to_text(const struct bl_chain *chain, GString *out);

#endif
