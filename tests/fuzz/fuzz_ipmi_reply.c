/*
 * Fuzz target: a BMC's replies as the IPMI client decodes them (lib/bl_ipmi_msg.c): the
 * completion-code check at every length the callers ask for, and Get Chassis Status.
 */
#include <stdint.h>

#include "bl_ipmi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bl_ipmi_chassis_status cs;
    uint8_t cc;

    for (size_t min = 0; min < 20; min++) {
        (void) bl_ipmi_reply_check(data, size, min, &cc);
    }
    (void) bl_ipmi_decode_chassis_status(data, size, &cs);
    return 0;
}
