/*
 * libFuzzer target: the replication state machine (resource/registry/reg_sm*.c) fed hostile message
 * sequences from three members. Input: records of u8 sender (0..2), u16 length, bytes. The
 * machine starts active in a quorate group; every action it emits is drained. It must not
 * crash, leak or assert, whatever arrives in whatever order.
 */
#include <stdint.h>
#include <string.h>

#include "reg_sm.h"

static void
drain(struct bl_reg_sm *sm)
{
    struct bl_reg_action a;

    while (bl_reg_sm_next(sm, &a)) {
        bl_reg_action_clear(&a);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct bl_reg_addr members[3] = {{1, 100}, {2, 200}, {3, 300}};
    struct bl_reg_sm_init init = {.nodeid = 2, .pid = 200};
    struct bl_reg_sm *sm;
    size_t off = 0;

    bl_reg_sm_new(&init, &sm);
    bl_reg_sm_confchg(sm, members, 3);
    bl_reg_sm_ring(sm, 1, 8);
    bl_reg_sm_quorum(sm, true, 1, 8, 3);
    drain(sm);
    while (off + 3 <= size) {
        uint8_t who = data[off] % 3;
        size_t len = (size_t) data[off + 1] << 8 | data[off + 2];
        off += 3;
        len = len < size - off ? len : size - off;
        (void) bl_reg_sm_deliver(sm, members[who].nodeid, members[who].pid, data + off, len);
        off += len;
        if ((who & 1) != 0) {
            bl_reg_sm_flush(sm);
        }
        drain(sm);
    }
    bl_reg_sm_tick(sm);
    drain(sm);
    bl_reg_sm_free(sm);
    return 0;
}
