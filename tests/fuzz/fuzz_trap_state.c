/*
 * Fuzz target: the trap replay state file's decoder (lib/bl_trap_replay.c), which bmclinkd
 * reads at start; a torn or foreign file must only cost the state.
 */
#include <stdint.h>

#include "bl_trap_replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bl_trap_replay st;

    if (bl_trap_replay_decode(data, size, &st) == 0) {
        bl_trap_dedup_shift(&st.dedup, st.dedup.v3_seen_s, (uint64_t) 1 << 40);
    }
    return 0;
}
