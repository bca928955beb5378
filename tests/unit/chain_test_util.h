/*
 * Shared by the chain and volume unit tests: one scratch directory per test program,
 * created by the group setup and removed, with everything in it, by the group teardown.
 */
#ifndef BL_CHAIN_TEST_UTIL_H
#define BL_CHAIN_TEST_UTIL_H

#include <glib.h>
#include <stdlib.h>

static char *tmpdir;

static inline int
tmpdir_setup(void **state)
{
    (void) state;
    tmpdir = g_dir_make_tmp("bmclink-test-XXXXXX", NULL);
    return tmpdir == NULL ? -1 : 0;
}

static inline int
tmpdir_teardown(void **state)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);

    (void) state;
    g_free(tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/** tmpdir/rel; g_free() it. */
static inline char *
tmp_path(const char *rel)
{
    return g_build_filename(tmpdir, rel, NULL);
}

#endif
