/*
 * What the registry's replicas and its clients both speak of: a replica's state, a member as
 * status reports it, a committed change, a listed item. Clients (reg_client.h, reg_ipc.h)
 * include this instead of the state machine's and the store's headers, so nothing of the
 * server reaches them. Plain types, no functions but a name table.
 */
#ifndef BL_REG_TYPES_H
#define BL_REG_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "registry.h"

enum bl_reg_sm_state {
    BL_REG_SM_JOINING,  /* not (yet) in a CPG view of the group */
    BL_REG_SM_SYNCING,  /* membership changed: waiting for or inside a sync round */
    BL_REG_SM_ACTIVE,   /* in sync with a quorate group: writes accepted */
    BL_REG_SM_READONLY, /* in sync with a group without quorum: writes refused */
    BL_REG_SM_FAILED,   /* the local store failed: out of the group until restarted */
};

/* A member as status reports it. */
struct bl_reg_member_status {
    uint32_t nodeid;
    uint32_t pid;
    uint64_t applied; /* highest generation it reported durable */
    bool lagging;     /* being caught up in the current round */
};

enum bl_reg_change_kind {
    BL_REG_CHANGE_SET = BL_REG_OP_SET,
    BL_REG_CHANGE_DELETE_VALUE = BL_REG_OP_DELETE_VALUE,
    BL_REG_CHANGE_CREATE_KEY = BL_REG_OP_CREATE_KEY,
    BL_REG_CHANGE_DELETE_KEY = BL_REG_OP_DELETE_KEY,
    BL_REG_CHANGE_RESET = 100, /* the whole tree was replaced by a snapshot: re-read */
};

/* A committed change as a watch sees it; every pointer is valid during the callback only. */
struct bl_reg_change {
    enum bl_reg_change_kind kind;
    uint64_t gen;
    const char *path;
    const char *name;                 /* NULL for key changes */
    const struct bl_reg_value *value; /* for SET, else NULL */
};

/*
 * Called for each item a listing finds: a key (name NULL, v NULL) or a value. Return 0 to go
 * on, anything else to stop (that value is returned by the listing function).
 */
typedef int (*bl_reg_item_fn)(void *data, const char *path, const char *name,
                              const struct bl_reg_value *v);

/** "joining", "syncing", "active", "read-only", "failed". */
const char *bl_reg_sm_state_name(enum bl_reg_sm_state st);

#endif
