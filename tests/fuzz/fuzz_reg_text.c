/*
 * Fuzz target: the .reg file parser (resource/registry/reg_text.c), which `bmclink-reg
 * import` and the service chain's capture feed with files from anywhere (UTF-16LE with BOM,
 * UTF-8). Input: u8 flags (bit 0: WOW64 folding), then the file.
 */
#include <stdint.h>

#include "reg_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bl_reg_ops ops = {0};
    char *err = NULL;

    if (size < 1) {
        return 0;
    }
    (void) bl_reg_text_parse(data + 1, size - 1, (data[0] & 1) != 0 ? BL_REG_TEXT_WOW64 : 0, &ops,
                             &err);
    g_free(err);
    bl_reg_ops_clear(&ops);
    return 0;
}
