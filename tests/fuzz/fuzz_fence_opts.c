/*
 * Fuzz target: fence_bmclink's standard input (lib/bl_fence_opt.c), the key=value lines
 * Pacemaker's fencer writes, then the validation of what was read.
 */
#include <stdint.h>
#include <stdio.h>

#include "bl_fence_opt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bl_fence_opts opts;
    struct bl_fence_config cfg = {0};
    char err[256];
    FILE *in;

    if (size == 0 || (in = fmemopen((void *) data, size, "r")) == NULL) {
        return 0;
    }
    bl_fence_opts_init(&opts);
    if (bl_fence_opts_parse_stream(&opts, in, err, sizeof(err)) == 0) {
        (void) bl_fence_opts_resolve(&opts, &cfg, err, sizeof(err));
    }
    fclose(in);
    bl_fence_config_clear(&cfg);
    bl_fence_opts_clear(&opts);
    return 0;
}
