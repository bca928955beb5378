/*
 * Wire format of the registry's CPG messages, and the byte codec shared with the store's log
 * and the IPC protocol.
 *
 * Every CPG message is hostile until decoded here. All integers are big-endian and of fixed
 * width; every length is checked against what is left; every string is checked with the data
 * model's rules (registry.h); trailing bytes, unknown types and flags are refused. A message
 * starts with a 12-byte header:
 *
 *   u32 magic "BLRG" | u8 version (1) | u8 type | u16 reserved (0) | u32 body length
 *
 * The bodies are documented with enum bl_reg_msg_type and in docs/registry.md.
 */
#ifndef BL_REG_WIRE_H
#define BL_REG_WIRE_H

#include <glib.h>
#include <stdint.h>

#include "registry.h"

#define BL_REG_WIRE_MAGIC 0x424c5247u /* "BLRG" */
#define BL_REG_WIRE_VERSION 1
#define BL_REG_WIRE_HEADER 12
#define BL_REG_WIRE_MAX (1024 * 1024)    /* largest message accepted */
#define BL_REG_WRITE_MAX (512 * 1024)    /* largest encoded ops of one write */
#define BL_REG_CHUNK_TARGET (128 * 1024) /* catch-up payload per message */
#define BL_REG_OPS_MAX 65535             /* ops in one write or chunk */
#define BL_REG_BATCH_MAX (768 * 1024)    /* records' bytes in one WRITE message */

enum bl_reg_msg_type {
    BL_REG_MSG_SYNC_REQ = 1,  /* tag: starts a sync round */
    BL_REG_MSG_ANNOUNCE = 2,  /* tag epoch gen hash ring_node ring_seq flags log_min */
    BL_REG_MSG_WRITE = 3,     /* u16 count, then count records: u64 req_id, u32 len, ops */
    BL_REG_MSG_APPLIED = 4,   /* gen hash: sender's durable state */
    BL_REG_MSG_CU_BEGIN = 5,  /* tag kind epoch gen hash: catch-up from the source */
    BL_REG_MSG_CU_DATA = 6,   /* tag seq payload (log entries or snapshot ops) */
    BL_REG_MSG_CU_END = 7,    /* tag nchunks gen hash */
    BL_REG_MSG_SYNC_DONE = 8, /* tag status gen hash: a lagging member caught up */
};

#define BL_REG_ANN_QUORATE 0x1u  /* ANNOUNCE flag: sender is quorate in ring_node/ring_seq */
#define BL_REG_ANN_SNAPSHOT 0x2u /* ANNOUNCE flag: catch me up with a snapshot, not the log */
#define BL_REG_ANN_FLAGS 0x3u    /* every known ANNOUNCE flag */

enum bl_reg_cu_kind {
    BL_REG_CU_LOG = 1,      /* payload: u32 count, then entries (u64 gen, hash, u32 len, ops) */
    BL_REG_CU_SNAPSHOT = 2, /* payload: ops (CREATE_KEY / SET) that rebuild the whole tree */
};

/* Identity of a sync round: the member that asked for it and its nonce. */
struct bl_reg_tag {
    uint32_t nodeid;
    uint32_t pid;
    uint64_t nonce;
};

/*
 * A decoded message. Which fields are meaningful depends on type (see the enum). body points
 * into the decoded buffer: WRITE's records (after the count, which is in seq) or CU_DATA's
 * payload.
 */
struct bl_reg_msg {
    enum bl_reg_msg_type type;
    struct bl_reg_tag tag;
    uint64_t epoch;
    uint64_t gen;
    uint8_t hash[BL_REG_HASH_LEN];
    uint32_t ring_node;
    uint64_t ring_seq;
    uint32_t flags; /* ANNOUNCE flags, CU_BEGIN kind */
    uint64_t log_min;
    uint64_t req_id;
    uint32_t seq; /* CU_DATA sequence number, CU_END number of chunks */
    int32_t status;
    const uint8_t *body;
    size_t body_len;
};

/* Bounds-checked reader; the first failure sticks in err and every later read returns 0. */
struct bl_reg_rd {
    const uint8_t *p;
    size_t len;
    size_t off;
    int err;
};

void bl_reg_rd_init(struct bl_reg_rd *rd, const void *p, size_t len);
uint8_t bl_reg_rd_u8(struct bl_reg_rd *rd);
uint16_t bl_reg_rd_u16(struct bl_reg_rd *rd);
uint32_t bl_reg_rd_u32(struct bl_reg_rd *rd);
uint64_t bl_reg_rd_u64(struct bl_reg_rd *rd);
/** \return a pointer into the buffer (not to be freed), or NULL when fewer than n remain */
const uint8_t *bl_reg_rd_bytes(struct bl_reg_rd *rd, size_t n);
/**
 * Read a u16-length string without NUL bytes.
 * \return an owned copy (g_free()), or NULL with rd->err set
 */
char *bl_reg_rd_string(struct bl_reg_rd *rd);
/** \return 0 if every byte was consumed without error, else BL_E_PROTO */
int bl_reg_rd_end(const struct bl_reg_rd *rd);

void bl_reg_wr_u8(GByteArray *out, uint8_t v);
void bl_reg_wr_u16(GByteArray *out, uint16_t v);
void bl_reg_wr_u32(GByteArray *out, uint32_t v);
void bl_reg_wr_u64(GByteArray *out, uint64_t v);
void bl_reg_wr_bytes(GByteArray *out, const void *p, size_t n);

/**
 * Append the canonical encoding of ops: u16 count, then per op u8 kind, u8 type, u16 path
 * length, path, u16 name length, name, u32 data length, data.
 * \return 0, or BL_E_INVALID when ops is empty or over BL_REG_OPS_MAX
 */
int bl_reg_ops_encode(const struct bl_reg_ops *ops, GByteArray *out);

/**
 * Decode and check ops from a reader (consumes exactly their bytes).
 * \param[out] ops  appended to; the caller clears it with bl_reg_ops_clear(), also on error
 * \return 0, BL_E_PROTO (framing) or the data model's code for a bad path, name or value
 */
int bl_reg_ops_decode_rd(struct bl_reg_rd *rd, struct bl_reg_ops *ops);

/** Decode ops that fill a whole buffer exactly; as bl_reg_ops_decode_rd(). */
int bl_reg_ops_decode(const uint8_t *buf, size_t len, struct bl_reg_ops *ops);

/**
 * Encode a message (header and body) into out, replacing its contents.
 * \param[in] m  the fields its type uses; for WRITE seq (record count) and body (records,
 *               see bl_reg_write_rec_encode); for CU_DATA body (payload)
 * \return 0 or BL_E_INVALID (unknown type, too large)
 */
int bl_reg_msg_encode(const struct bl_reg_msg *m, GByteArray *out);

/**
 * Decode and validate a received message. A WRITE is checked for framing (every record
 * lies inside the message); each record's ops are decoded by its reader, so one bad record
 * does not take the others down.
 * \param[in]  buf  the bytes as delivered; m->body aliases it afterwards
 * \param[out] m    filled on success
 * \return 0, BL_E_PROTO (bad magic, framing, type, flags) or BL_E_UNSUPPORTED (other protocol
 *         version)
 */
int bl_reg_msg_decode(const void *buf, size_t len, struct bl_reg_msg *m);

/* One write of a WRITE message; ops aliases the message. */
struct bl_reg_write_rec {
    uint64_t req_id;
    const uint8_t *ops;
    size_t ops_len;
};

/** Append a record to a WRITE body under construction. */
void bl_reg_write_rec_encode(GByteArray *out, uint64_t req_id, const uint8_t *ops, size_t len);

/** Read the next record of a WRITE body (a reader over m->body). \return 0 or BL_E_PROTO */
int bl_reg_write_rec_decode(struct bl_reg_rd *rd, struct bl_reg_write_rec *r);

/** Name of a message type for logs; never NULL. */
const char *bl_reg_msg_type_name(enum bl_reg_msg_type type);

/**
 * Append one log entry to a CU_LOG payload under construction (see enum bl_reg_cu_kind);
 * the caller writes the u32 count first and patches it with bl_reg_wr_patch_u32().
 */
void bl_reg_log_entry_encode(GByteArray *out, uint64_t gen, const uint8_t hash[BL_REG_HASH_LEN],
                             const uint8_t *ops, size_t ops_len);

/** Overwrite 4 bytes at offset off of out with v, big-endian. */
void bl_reg_wr_patch_u32(GByteArray *out, size_t off, uint32_t v);

/* One entry of a CU_LOG payload; ops aliases the payload. */
struct bl_reg_log_entry {
    uint64_t gen;
    uint8_t hash[BL_REG_HASH_LEN];
    const uint8_t *ops;
    size_t ops_len;
};

/**
 * Read the next entry of a CU_LOG payload (after its u32 count). The ops bytes are framed
 * only; the caller decodes them.
 * \return 0 or BL_E_PROTO
 */
int bl_reg_log_entry_decode(struct bl_reg_rd *rd, struct bl_reg_log_entry *e);

#endif
