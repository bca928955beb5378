/*
 * What `bmclink status` shows, as it travels from bmclinkd to the command over the control
 * socket: an ordered list of key = value pairs (keys dotted: "trap.accepted",
 * "hb.node2.reach", "recovery.timeline"), encoded in a small versioned wire format with
 * explicit byte order. The command treats the answer as hostile: the decoder checks every
 * length, the key alphabet and the value bytes before anything is used.
 *
 * Wire format (all integers big-endian):
 *   header  "BLST" (4)  version u16 (= 1)  count u16
 *   item    key length u8 (1..BL_STATUS_KEY_MAX)  key (a-z A-Z 0-9 . _ - #)
 *           value length u16 (0..BL_STATUS_VALUE_MAX)  value (printable, tab, newline)
 * The whole message is at most BL_STATUS_WIRE_MAX bytes, with no bytes after the last item.
 *
 * The IPC request BL_BMC_IPC_STATUS carries no payload (or anything: it is ignored); the
 * answer's error field is 0 and its payload the encoded status.
 *
 * Module monitor/status (library bmclink_status), contract: this header, linked by the
 * daemon (encoder) and the `bmclink` command (decoder). Pure: no I/O, no globals; a status
 * owns its copies of keys and values.
 */
#ifndef BL_BMC_STATUS_H
#define BL_BMC_STATUS_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BL_BMC_IPC_FIRST 101 /* the BMC module's id range on the control socket */
#define BL_BMC_IPC_STATUS 101
#define BL_BMC_IPC_LAST 200

#define BL_STATUS_VERSION 1
#define BL_STATUS_KEY_MAX 64
#define BL_STATUS_VALUE_MAX 8192
#define BL_STATUS_ITEMS_MAX 1024
#define BL_STATUS_WIRE_MAX (256 * 1024)

struct bl_status_item {
    char *key;
    char *value;
};

struct bl_status;

/** An empty status. \return free with bl_status_free() */
struct bl_status *bl_status_new(void);

/** Free. Accepts NULL. */
void bl_status_free(struct bl_status *st);

/**
 * Append key = value (both copied). A key outside the alphabet or too long, a value too
 * long (truncated to BL_STATUS_VALUE_MAX) or past BL_STATUS_ITEMS_MAX items is refused.
 * \return 0, BL_E_INVALID (bad key), -E2BIG (too many items)
 */
int bl_status_add(struct bl_status *st, const char *key, const char *value);

/** bl_status_add with a printf format for the value. */
int bl_status_addf(struct bl_status *st, const char *key, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/** Number of items. */
size_t bl_status_count(const struct bl_status *st);

/** Item i (borrowed), or NULL past the end. */
const struct bl_status_item *bl_status_item(const struct bl_status *st, size_t i);

/** The value of the first item with this key (borrowed), or NULL. */
const char *bl_status_get(const struct bl_status *st, const char *key);

/**
 * Encode for the wire.
 * \param[out] out  appended to (the caller owns it)
 * \return 0 or -E2BIG (over BL_STATUS_WIRE_MAX: nothing appended)
 */
int bl_status_encode(const struct bl_status *st, GByteArray *out);

/**
 * Decode a message, checking everything (see the top of the file).
 * \param[in]  buf, len  hostile bytes
 * \param[out] out       on success; free with bl_status_free()
 * \return 0, BL_E_PROTO (bad magic, truncated, bad lengths, trailing bytes, bad bytes),
 *         BL_E_UNSUPPORTED (another version)
 */
int bl_status_decode(const uint8_t *buf, size_t len, struct bl_status **out);

/**
 * Print as "key=value" lines; a value's newlines become "\n", backslashes "\\".
 * \param[in,out] out  appended to
 */
void bl_status_format_keys(const struct bl_status *st, GString *out);

#endif
