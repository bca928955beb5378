/*
 * A small state file written off the GLib main loop: the receiver hands over the bytes and
 * goes on; a thread of this module writes them to a temporary file, fsyncs it, renames it
 * over the file and fsyncs the folder, so the last state handed over survives a power loss
 * once written, and a slow disk never delays a BMC notice. Newer bytes replace older ones
 * not yet written.
 */
#ifndef BL_TRAP_STATE_H
#define BL_TRAP_STATE_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

struct bl_trap_state;

/**
 * Start the writer of path (its folder must exist).
 * \param[out] out  free with bl_trap_state_free()
 */
void bl_trap_state_new(const char *path, struct bl_trap_state **out);

/** Hand over the file's next contents (copied); returns at once. */
void bl_trap_state_put(struct bl_trap_state *s, const uint8_t *data, size_t len);

/** Write what is pending, stop the thread and free. Accepts NULL. */
void bl_trap_state_free(struct bl_trap_state *s);

/**
 * Read the file (at start, before the main loop serves anything).
 * \param[out] out  the bytes (g_byte_array_unref())
 * \return 0, -ENOENT (none yet) or -errno
 */
int bl_trap_state_read(const char *path, GByteArray **out);

#endif
