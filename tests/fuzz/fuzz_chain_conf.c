/*
 * Fuzz target: the chain-file parser (resource/chain/chain_conf.c) on inline chain text, the
 * way the servicechain agent's `chain` parameter reaches it. Includes name files that do not
 * exist here, so only the text itself is parsed.
 */
#include <glib.h>
#include <stdint.h>

#include "chain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct bl_chain_defaults defs = {30000, 30000, NULL};
    char *text = g_strndup((const char *) data, size);
    struct bl_chain *c = NULL;
    char *err = NULL;

    (void) bl_chain_load_text(text, "fuzz", &defs, &c, &err);
    bl_chain_free(c);
    g_free(err);
    g_free(text);
    return 0;
}
