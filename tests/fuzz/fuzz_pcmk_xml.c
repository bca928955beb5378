/*
 * Fuzz target: crm_mon's XML as the BMC side reads it (monitor/pcmk/pcmk.c), with the
 * questions the recovery asks of what was parsed; and the same bytes as stonith_admin --last's
 * answer, which the registry reads when it waits for a fencing (same file, same target).
 */
#include <stdint.h>

#include "pcmk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bl_pcmk_status st = {0};
    int64_t when;

    if (bl_pcmk_status_parse((const char *) data, size, &st) == 0) {
        struct bl_rec_observation obs;
        bl_pcmk_locate(&st, "svc", "node1", &obs);
    }
    bl_pcmk_status_clear(&st);
    (void) bl_pcmk_last_fenced_parse((const char *) data, size, "2", &when);
    return 0;
}
