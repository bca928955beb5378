/*
 * Fuzz target: `bmclink status`'s decoder of the daemon's answer (monitor/status/
 * bmc_status.c), whose bytes may come from an impostor; what decodes is formatted both ways
 * the command prints it.
 */
#include <stdint.h>

#include "bmc_status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bl_status *st = NULL;

    if (bl_status_decode(data, size, &st) == 0) {
        GString *out = g_string_new(NULL);
        bl_status_format_keys(st, out);
        g_string_free(out, TRUE);
        bl_status_free(st);
    }
    return 0;
}
