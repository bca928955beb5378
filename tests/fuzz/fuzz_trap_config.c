/*
 * Fuzz target: bmclink.conf's trap side (lib/bl_trap_config.c: communities, SNMPv3 users,
 * forward targets, notice OIDs), through the same entry points as bmclinkd and `bmclink
 * config check`. The parser reads a path, so each input goes to a private (0600) file first.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bl_trap_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *input_dir, *input_path;

static void
remove_input(void)
{
    g_remove(input_path);
    g_rmdir(input_dir);
}

static const char *
input_file(void)
{
    if (input_path == NULL &&
        (input_dir = g_dir_make_tmp("fuzz_trap_config_XXXXXX", NULL)) != NULL) {
        input_path = g_build_filename(input_dir, "bmclink.conf", NULL);
        atexit(remove_input);
    }
    return input_path;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = input_file();
    struct bl_trap_node_config cfg;
    char *err = NULL;

    if (path == NULL || !g_file_set_contents(path, (const char *) data, (gssize) size, NULL) ||
        g_chmod(path, 0600) != 0) {
        abort(); /* the temporary folder is ours: this is not the input's fault */
    }
    (void) bl_trap_config_load(path, "n1", &cfg, &err);
    g_free(err);
    err = NULL;
    (void) bl_trap_config_check(path, &err);
    g_free(err);
    explicit_bzero(&cfg, sizeof(cfg));
    return 0;
}
