/*
 * Runs a libFuzzer target's LLVMFuzzerTestOneInput over files without libFuzzer, so the
 * seed corpora and any crash reproducers run as ordinary CTest tests (also under ASan).
 * A target's LLVMFuzzerInitialize, when it has one, runs first, as libFuzzer would run it.
 * Arguments: files or directories of inputs. Exit 0, or 99 when an input cannot be read.
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Weak: most targets need no set-up. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int
run_file(const char *path)
{
    gchar *data = NULL;
    gsize len = 0;

    if (g_file_get_contents(path, &data, &len, NULL) == FALSE) {
        fprintf(stderr, "cannot read %s\n", path);
        return 99;
    }
    LLVMFuzzerTestOneInput((const uint8_t *) data, len);
    g_free(data);
    return 0;
}

int
main(int argc, char **argv)
{
    int n = 0;

    if (LLVMFuzzerInitialize != NULL) {
        LLVMFuzzerInitialize(&argc, &argv);
    }
    for (int i = 1; i < argc; i++) {
        GDir *dir = g_dir_open(argv[i], 0, NULL);
        if (dir == NULL) {
            if (run_file(argv[i]) != 0) {
                return 99;
            }
            n++;
            continue;
        }
        const char *name;
        while ((name = g_dir_read_name(dir)) != NULL) {
            g_autofree char *path = g_build_filename(argv[i], name, NULL);
            if (run_file(path) != 0) {
                g_dir_close(dir);
                return 99;
            }
            n++;
        }
        g_dir_close(dir);
    }
    printf("%d inputs ran\n", n);
    return n > 0 ? 0 : 99;
}
