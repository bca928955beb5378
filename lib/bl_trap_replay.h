/*
 * The replay state of one BMC kept across restarts of bmclinkd: its de-duplication slots,
 * newest PET time and newest SNMPv3 engine boots and time (struct bl_trap_dedup), with the
 * engine ID those belong to. Without them a restarted daemon takes a captured notice for
 * news (the node restarts after every fatal event, so a captured one is always fresh then).
 *
 * On disk: "BLRP", u8 version 1, u8 slots, then big-endian fields; times are wall-clock
 * seconds (the daemon's de-duplication runs on the monotonic clock, which restarts with the
 * node). Decoding checks every byte: the file is ours, but a torn or foreign one must only
 * cost the state, never the daemon.
 */
#ifndef BL_TRAP_REPLAY_H
#define BL_TRAP_REPLAY_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "bl_trap.h"

#define BL_TRAP_REPLAY_ENGINE_MAX 32

struct bl_trap_replay {
    struct bl_trap_dedup dedup; /* seen_s, v3_seen_s: wall-clock seconds here */
    /* the engine dedup.v3_boots and v3_time belong to (when dedup.have_v3_time) */
    uint8_t engine_id[BL_TRAP_REPLAY_ENGINE_MAX];
    uint8_t engine_id_len;
};

/**
 * Encode the state.
 * \param[out] out  replaced with the file's bytes
 */
void bl_trap_replay_encode(const struct bl_trap_replay *st, GByteArray *out);

/**
 * Decode a file's bytes.
 * \param[out] st  filled on success (zeroed on failure)
 * \return 0, BL_E_PROTO (torn, foreign, bad lengths), BL_E_UNSUPPORTED (another version)
 */
int bl_trap_replay_decode(const uint8_t *p, size_t len, struct bl_trap_replay *st);

/**
 * Move de-duplication times between clocks: each used slot's seen_s shifted by
 * (to_now - from_now), never below 0 (a slot that would be is dropped); v3_seen_s likewise
 * (0 when it would be below: the engine time itself is kept).
 */
void bl_trap_dedup_shift(struct bl_trap_dedup *d, uint64_t from_now, uint64_t to_now);

#endif
