/*
 * The registry's data model: hierarchical keys holding typed, named values.
 *
 * A key path is a sequence of segments joined by '/' ("SOFTWARE/NEC/NVBASE"); the empty path
 * is the root. Segments are non-empty UTF-8 without control characters, '/' or '\\'. Names
 * are case-sensitive (unlike Windows; documented in docs/registry.md). A key holds values,
 * each with a name (the empty name is the key's default value) and a type numbered as in the
 * Windows registry, so .reg files map one to one.
 *
 * Canonical value data (what the store, the wire and the hash chain see):
 *   SZ, EXPAND_SZ  UTF-8 bytes, no NUL
 *   MULTI_SZ       UTF-8 strings each followed by one NUL (an empty list is zero bytes)
 *   DWORD, QWORD   4 or 8 bytes, little-endian (as REG_DWORD / REG_QWORD in a .reg file)
 *   BINARY, NONE   any bytes
 *
 * Everything here is pure: no I/O, no globals.
 */
#ifndef BL_REGISTRY_H
#define BL_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BL_REG_PATH_MAX 1024   /* bytes in a whole key path */
#define BL_REG_SEGMENT_MAX 255 /* bytes in one segment */
#define BL_REG_DEPTH_MAX 64    /* segments in a path */
#define BL_REG_NAME_MAX 255    /* bytes in a value name */
#define BL_REG_DATA_MAX 65536  /* bytes of value data */
#define BL_REG_HASH_LEN 16     /* bytes of a history hash */

enum bl_reg_type {
    BL_REG_NONE = 0,
    BL_REG_SZ = 1,
    BL_REG_EXPAND_SZ = 2,
    BL_REG_BINARY = 3,
    BL_REG_DWORD = 4,
    BL_REG_MULTI_SZ = 7,
    BL_REG_QWORD = 11,
};

/* A typed value. data is owned by the struct (NULL when len is 0). */
struct bl_reg_value {
    enum bl_reg_type type;
    uint32_t len;
    uint8_t *data;
};

enum bl_reg_op_kind {
    BL_REG_OP_SET = 1,          /* set value name at path (creates the key and its parents) */
    BL_REG_OP_DELETE_VALUE = 2, /* delete value name at path */
    BL_REG_OP_CREATE_KEY = 3,   /* create key path (and its parents) */
    BL_REG_OP_DELETE_KEY = 4,   /* delete key path with everything below it */
};

/* One change. path and name are owned NUL-terminated strings (name NULL for key ops). */
struct bl_reg_op {
    enum bl_reg_op_kind kind;
    char *path;
    char *name;
    struct bl_reg_value value; /* only for BL_REG_OP_SET */
};

/* A list of changes applied atomically. Owns its ops; free with bl_reg_ops_clear(). */
struct bl_reg_ops {
    struct bl_reg_op *v;
    size_t n;
    size_t cap;
};

/**
 * Check a canonical key path.
 * \param[in] path  bytes of the path (need not be NUL-terminated)
 * \param[in] len   number of bytes
 * \return 0, -ENAMETOOLONG (path, segment or depth over the limit) or BL_E_INVALID (empty
 *         segment, separator at either end, control character, '\\', invalid UTF-8)
 */
int bl_reg_path_check(const char *path, size_t len);

/**
 * Turn a user-typed path into canonical form: '\\' becomes '/', leading and trailing
 * separators are dropped, a leading "HKEY_LOCAL_MACHINE" or "HKLM" segment is dropped.
 * \param[in]  in   NUL-terminated path as typed
 * \param[out] out  canonical path; the caller frees it with g_free()
 * \return 0 or the code of bl_reg_path_check(); *out is NULL on error
 */
int bl_reg_path_normalize(const char *in, char **out);

/**
 * Check a value name: valid UTF-8, at most BL_REG_NAME_MAX bytes, no control characters.
 * \return 0, -ENAMETOOLONG or BL_E_INVALID
 */
int bl_reg_name_check(const char *name, size_t len);

/**
 * Check value data against its type (see the canonical forms above).
 * \return 0, BL_E_TYPE (unknown type, wrong size, invalid UTF-8, embedded NUL) or -E2BIG
 */
int bl_reg_value_check(enum bl_reg_type type, const uint8_t *data, size_t len);

/** True if path equals prefix or lies below it ("" is the root, above everything). */
bool bl_reg_path_under(const char *path, const char *prefix);

/**
 * Name of a type as used by the CLI and the text format ("sz", "dword" ...).
 * \return a static string, or NULL for an unknown type
 */
const char *bl_reg_type_name(enum bl_reg_type type);

/**
 * Parse a type name ("sz", "expand_sz", "multi_sz", "dword", "qword", "binary", "none";
 * the Windows names "REG_SZ" ... are accepted too, in any case).
 * \return 0 or BL_E_TYPE
 */
int bl_reg_type_parse(const char *name, enum bl_reg_type *out);

/**
 * Copy data into a value after checking it.
 * \param[out] v  cleared first; on success owns a copy of data
 * \return 0 or the code of bl_reg_value_check()
 */
int bl_reg_value_set(struct bl_reg_value *v, enum bl_reg_type type, const void *data, size_t len);

/** Free the data of a value and zero it. Accepts NULL. */
void bl_reg_value_clear(struct bl_reg_value *v);

/**
 * Build a value from command-line text: sz/expand_sz take the text as is; dword/qword a
 * decimal or 0x-prefixed number; binary hex bytes ("01,ab,ff" or "01abff"); multi_sz takes
 * argc strings; none takes no text.
 * \param[in]  argv  argc NUL-terminated strings (one for every type but multi_sz/none)
 * \param[out] v     on success owns the data
 * \return 0, BL_E_TYPE or -ERANGE (number out of range)
 */
int bl_reg_value_from_text(enum bl_reg_type type, char *const *argv, int argc,
                           struct bl_reg_value *v);

/**
 * Build a value from the text of a stream (bmclink-reg set --value-file, the way to pass
 * a secret: argv is visible to every local user in ps): the text as for
 * bl_reg_value_from_text, less one final newline; multi_sz takes one string a line.
 * \param[in]  in  read to its end
 * \param[out] v   on success owns the data
 * \return 0, BL_E_TYPE (a NUL byte, text that does not fit the type), -ERANGE, -E2BIG, -EIO
 */
int bl_reg_value_from_stream(enum bl_reg_type type, FILE *in, struct bl_reg_value *v);

/**
 * Render a value for humans: strings as they are but for control characters (C0, DEL, C1:
 * a value must not drive the reader's terminal), which appear as \n, \r, \t, \xHH or
 * \u00HH; numbers in decimal and hex, binary as hex, multi_sz one string per line.
 * \return a string the caller frees with g_free()
 */
char *bl_reg_value_to_text(const struct bl_reg_value *v);

/** Number of strings in canonical MULTI_SZ data (which must have passed the check). */
size_t bl_reg_multi_count(const uint8_t *data, size_t len);

/**
 * Append a copy of an op.
 * \param[in,out] ops   list to grow
 * \param[in]     kind  op kind
 * \param[in]     path  canonical path (copied)
 * \param[in]     name  value name (copied), NULL for key ops
 * \param[in]     v     value for BL_REG_OP_SET (copied), else NULL
 * \return 0 or -ENOMEM
 */
int bl_reg_ops_add(struct bl_reg_ops *ops, enum bl_reg_op_kind kind, const char *path,
                   const char *name, const struct bl_reg_value *v);

/**
 * Check every op of a list: path, name and value as above, fields allowed for the kind.
 * \return 0 or the first error
 */
int bl_reg_ops_check(const struct bl_reg_ops *ops);

/** Free every op and the array, leaving an empty list. Accepts NULL. */
void bl_reg_ops_clear(struct bl_reg_ops *ops);

/**
 * Next link of the history hash chain: SHA-256(prev || bytes) cut to BL_REG_HASH_LEN.
 * \param[in]  prev   previous hash (all zero before the first write)
 * \param[in]  bytes  canonical encoding of the write (see reg_wire.h)
 * \param[out] out    may alias prev
 */
void bl_reg_hash_next(const uint8_t prev[BL_REG_HASH_LEN], const uint8_t *bytes, size_t len,
                      uint8_t out[BL_REG_HASH_LEN]);

/** Hex form of a hash for logs and status: writes 32 digits and a NUL into buf. */
void bl_reg_hash_hex(const uint8_t hash[BL_REG_HASH_LEN], char buf[2 * BL_REG_HASH_LEN + 1]);

#endif
