/*
 * Fuzz target: the registry's local IPC protocol (resource/registry/reg_ipc.h), both ends.
 * The daemon decodes a client's request (bl_reg_ipc_req_decode: a local client is trusted no
 * more than a peer); a client decodes the daemon's answers (a value, a WALK item, a status,
 * an event), which may come from an impostor. Input: u8 which decoder, u8 op (requests), then
 * the payload. Nothing may crash, leak or read out of bounds.
 */
#include <stdint.h>
#include <string.h>

#include "reg_ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
client_side(uint8_t which, const uint8_t *p, size_t len)
{
    struct bl_reg_rd rd;
    struct bl_reg_value v = {0};

    bl_reg_rd_init(&rd, p, len);
    if (which == 1) {
        (void) bl_reg_ipc_get_value(&rd, &v);
    } else if (which == 2) {
        char *path = NULL, *name = NULL;
        (void) bl_reg_ipc_get_item(&rd, &path, &name, &v);
        g_free(path);
        g_free(name);
    } else if (which == 3) {
        struct bl_reg_ipc_status st;
        memset(&st, 0, sizeof(st));
        (void) bl_reg_ipc_get_status(&rd, &st);
        bl_reg_ipc_status_clear(&st);
    } else {
        struct bl_reg_ipc_event ev;
        memset(&ev, 0, sizeof(ev));
        (void) bl_reg_ipc_get_event(&rd, &ev);
        bl_reg_ipc_event_clear(&ev);
    }
    bl_reg_value_clear(&v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    if (data[0] % 5 == 0) {
        struct bl_reg_ipc_req r;
        memset(&r, 0, sizeof(r));
        (void) bl_reg_ipc_req_decode(data[1], data + 2, size - 2, &r);
        bl_reg_ipc_req_clear(&r);
    } else {
        client_side(data[0] % 5, data + 2, size - 2);
    }
    return 0;
}
