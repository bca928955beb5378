/*
 * The registry's local IPC protocol between bmclinkd and its clients (bmclink-reg, the
 * service chain agent), carried by libqb IPC (service "bmclink", see reg_client.h).
 *
 * A request is a libqb request header whose id is an enum bl_reg_ipc_op, then a payload; the
 * answer is a libqb response header with the same id and the result code in its error field
 * (0, -errno or BL_E_*), then a payload. Payloads use the wire codec (reg_wire.h): big-endian
 * fixed-width integers, u16-length strings; every payload starts with the u32 sequence number
 * of the request it belongs to, so a client may pipeline writes. The daemon decodes requests
 * as strictly as CPG messages: a local client is trusted no more than a peer.
 *
 *   op        request payload (after seq)                     answer payload (after seq)
 *   GET       path, name                                      u8 type, u32 len, data
 *   WRITE     u32 flags (0), ops (reg_wire.h encoding)        u64 generation
 *   WALK      prefix, u8 mode, cursor, u32 max bytes          u8 more, u32 count, items
 *   STATUS    -                                               status (bl_reg_ipc_status)
 *   WAIT      u32 timeout in ms                               - (0 once in sync, or
 *                                                               BL_E_TIMEOUT/BL_E_NOTSYNC)
 *   WATCH     prefix                                          -, then EVENT messages
 *   UNWATCH   -                                               -
 *   EVENT     (from the daemon) u8 kind, u64 gen, path, u8 has name, name, u8 has value,
 *             u8 type, u32 len, data
 *
 * A cursor is u8 has path, path, u8 has name, name: the last item of the previous page.
 * An item is u8 is value, path, name, u8 type, u32 len, data.
 */
#ifndef BL_REG_IPC_H
#define BL_REG_IPC_H

#include <glib.h>

#include "reg_types.h"
#include "reg_wire.h"

#define BL_REG_IPC_SERVICE "bmclink"
#define BL_REG_IPC_MAX (1024 * 1024 + 4096) /* largest IPC message, headers included */
#define BL_REG_IPC_PAGE (256 * 1024)        /* default bytes of items per WALK answer */

enum bl_reg_ipc_op {
    BL_REG_IPC_GET = 1,
    BL_REG_IPC_WRITE = 2,
    BL_REG_IPC_WALK = 3,
    BL_REG_IPC_STATUS = 4,
    BL_REG_IPC_WAIT = 5,
    BL_REG_IPC_WATCH = 6,
    BL_REG_IPC_UNWATCH = 7,
    BL_REG_IPC_EVENT = 100,
};

enum bl_reg_walk_mode {
    BL_REG_WALK_KEY = 0,     /* one key: its subkeys, then its values */
    BL_REG_WALK_SUBTREE = 1, /* the key and everything below it, in path order */
};

/* A decoded request. Strings are owned (NULL when absent); clear with bl_reg_ipc_req_clear. */
struct bl_reg_ipc_req {
    enum bl_reg_ipc_op op;
    uint32_t seq;
    char *path;       /* GET, WALK prefix, WATCH prefix */
    char *name;       /* GET */
    char *after_path; /* WALK cursor */
    char *after_name;
    uint8_t mode;
    uint32_t max_bytes;
    uint32_t timeout_ms;
    uint32_t flags;
    struct bl_reg_ops ops; /* WRITE */
};

/* Status as the daemon reports it. members is owned; clear with bl_reg_ipc_status_clear. */
struct bl_reg_ipc_status {
    uint32_t nodeid;
    enum bl_reg_sm_state state;
    bool quorate;
    uint64_t epoch;
    uint64_t gen;
    uint8_t hash[BL_REG_HASH_LEN];
    uint32_t ring_node;
    uint64_t ring_seq;
    uint32_t ring_nodes;
    uint32_t pending;
    uint64_t rounds;
    uint64_t dropped;
    uint64_t log_min;
    uint64_t last_sync_us; /* how long the last sync round took here (0: none yet) */
    size_t nmembers;
    struct bl_reg_member_status *members;
};

/* A change as a watcher receives it; owned strings and value. */
struct bl_reg_ipc_event {
    enum bl_reg_change_kind kind;
    uint64_t gen;
    char *path;
    char *name;
    bool has_value;
    struct bl_reg_value value;
};

/**
 * Encode a request's payload (seq first), replacing out's contents.
 * \return 0 or BL_E_INVALID (unknown op, empty ops)
 */
int bl_reg_ipc_req_encode(const struct bl_reg_ipc_req *r, GByteArray *out);

/**
 * Decode and check a request: paths canonical, names valid, ops checked.
 * \param[out] r  filled; the caller clears it, also on error
 * \return 0, BL_E_PROTO (framing, unknown op) or the data model's code
 */
int bl_reg_ipc_req_decode(uint32_t op, const uint8_t *p, size_t len, struct bl_reg_ipc_req *r);

/** Free a request's strings and ops. Accepts NULL. */
void bl_reg_ipc_req_clear(struct bl_reg_ipc_req *r);

/** Append a string as u16 length and bytes (NULL as the empty string). */
void bl_reg_ipc_put_str(GByteArray *out, const char *s);
/** Append an optional string: u8 present, then as bl_reg_ipc_put_str(). */
void bl_reg_ipc_put_opt(GByteArray *out, const char *s);

/** Append one listed item (a key when v is NULL). */
void bl_reg_ipc_put_item(GByteArray *out, const char *path, const char *name,
                         const struct bl_reg_value *v);

/**
 * Read one item of a WALK answer.
 * \param[out] path, name  owned copies (name NULL for a key); v owns its data (cleared first)
 * \return 0 or BL_E_PROTO
 */
int bl_reg_ipc_get_item(struct bl_reg_rd *rd, char **path, char **name, struct bl_reg_value *v);

/** Append / read a value as u8 type, u32 length, data. */
void bl_reg_ipc_put_value(GByteArray *out, const struct bl_reg_value *v);
int bl_reg_ipc_get_value(struct bl_reg_rd *rd, struct bl_reg_value *v);

void bl_reg_ipc_put_status(GByteArray *out, const struct bl_reg_ipc_status *st);
/** \return 0 or BL_E_PROTO; st->members owned by st */
int bl_reg_ipc_get_status(struct bl_reg_rd *rd, struct bl_reg_ipc_status *st);
void bl_reg_ipc_status_clear(struct bl_reg_ipc_status *st);

void bl_reg_ipc_put_event(GByteArray *out, const struct bl_reg_change *c);
/** \return 0 or BL_E_PROTO; ev owns its strings and value */
int bl_reg_ipc_get_event(struct bl_reg_rd *rd, struct bl_reg_ipc_event *ev);
void bl_reg_ipc_event_clear(struct bl_reg_ipc_event *ev);

#endif
