/*
 * Internal to the chain module: the key table (chain_keys.c) shared by the parser
 * (chain_conf.c) and the writer and documentation (chain_keys.c). Not for other modules.
 */
#ifndef BL_CHAIN_INT_H
#define BL_CHAIN_INT_H

#include "chain.h"

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
};

struct bl_key_def {
    const char *key;
    enum bl_key_type type;
    unsigned kinds; /* bitmask of KIND_BIT(kind) the key applies to */
    size_t offset;  /* field in struct bl_chain_member */
    const char *def;
    const char *desc;
};

/* One entry per enum bl_member_key, in that order. */
extern const struct bl_key_def bl_member_keys[BL_MK_COUNT];
extern const char *const bl_kind_names[BL_KIND_COUNT];
extern const char *const bl_ready_names[3];

#endif
