/*
 * Run files (or every file of directories) through the trap fuzz target once each:
 * the seed corpus as a regression test, and crash reproduction without libFuzzer.
 * Exit 0 when all ran, 99 on a usage or I/O error (a crash aborts).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path)
{
    static uint8_t buf[70000];
    FILE *f = fopen(path, "rb");
    size_t n;

    if (f == NULL) {
        perror(path);
        return -1;
    }
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    return 0;
}

static int
run_path(const char *path, unsigned *count)
{
    struct stat st;
    DIR *d;
    struct dirent *e;

    if (stat(path, &st) != 0) {
        perror(path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        (*count)++;
        return run_file(path);
    }
    d = opendir(path);
    if (d == NULL) {
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        char p[4096];
        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
        if (run_path(p, count) != 0) {
            closedir(d);
            return -1;
        }
    }
    closedir(d);
    return 0;
}

int
main(int argc, char **argv)
{
    unsigned count = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 99;
    }
    LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        if (run_path(argv[i], &count) != 0) {
            return 99;
        }
    }
    printf("fuzz_trap_replay: %u inputs ran\n", count);
    return count > 0 ? 0 : 99;
}
