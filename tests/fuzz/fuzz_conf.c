/*
 * Fuzz target: a hostile configuration file through the engine (lib/bl_conf.h). The input is
 * the file's text; a table with a row of every type is applied to each of its groups, and
 * every value also goes through the boolean and duration parsers alone. Nothing may crash,
 * read out of bounds, leak or write past a field.
 */
#include "bl_conf.h"
#include "bl_trap.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
    bool b;
    uint32_t u, ms, s;
    int64_t i;
    char str[8];
    char *dup;
    struct bl_trap_addr addr;
    char host[46];
    int custom;
};

static int
fz_parse(const struct bl_conf_key *k, const char *text, void *base)
{
    ((struct fz *) base)->custom = (int) strlen(text);
    return text[0] == 'x' ? 0 : -1001;
}

#define F(f) offsetof(struct fz, f)

static const struct bl_conf_key fz_keys[] = {
    {"a", "b", BL_CONF_BOOL, "no", 0, 0, NULL, NULL, F(b), 0, ""},
    {"a", "u", BL_CONF_UINT, "1", 0, 100, NULL, NULL, F(u), 0, ""},
    {"a", "i", BL_CONF_INT, "1", INT64_MIN, INT64_MAX, NULL, NULL, F(i), 0, ""},
    {"a", "ms", BL_CONF_MS, "1", 0, UINT32_MAX, NULL, NULL, F(ms), 0, ""},
    {"a", "s", BL_CONF_SECONDS, "1", 0, UINT32_MAX, NULL, NULL, F(s), 0, ""},
    {"a", "str", BL_CONF_STRING, "", 0, 7, NULL, NULL, F(str), BL_CONF_ABSPATH, ""},
    {"a", "e", BL_CONF_STRING, "x", 0, 7, "x|yy", NULL, F(str), 0, ""},
    {"a", "dup", BL_CONF_STRDUP, "", 0, 0, NULL, NULL, F(dup), BL_CONF_RAW, ""},
    {"n", "addr", BL_CONF_ADDRESS, NULL, 162, 0, NULL, NULL, F(addr),
     BL_CONF_NAMED | BL_CONF_REQUIRED, ""},
    {"n", "host", BL_CONF_HOST, "", 0, 45, NULL, NULL, F(host), BL_CONF_NAMED | BL_CONF_SECRET, ""},
    {"n", "c", BL_CONF_CUSTOM, NULL, 0, 0, "x...", fz_parse, 0, BL_CONF_NAMED, ""},
    {NULL, NULL, 0, NULL, 0, 0, NULL, NULL, 0, 0, NULL},
};

static void
values_alone(GKeyFile *kf, const char *group)
{
    g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);

    for (size_t i = 0; keys != NULL && keys[i] != NULL; i++) {
        g_autofree char *v = g_key_file_get_value(kf, group, keys[i], NULL);
        uint64_t ms;
        bool b;

        (void) bl_conf_parse_bool(v, &b);
        (void) bl_conf_parse_duration(v, 1000, &ms);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct bl_conf_key *const tables[] = {fz_keys};
    struct bl_conf *f = NULL;
    char *err = NULL;
    struct fz v = {0};

    if (bl_conf_open_data("fuzz.conf", (const char *) data, size, &f, &err) != 0) {
        g_free(err);
        return 0;
    }
    (void) bl_conf_check_groups(f, tables, 1, true);
    g_auto(GStrv) groups = g_key_file_get_groups(bl_conf_keyfile(f), NULL);
    for (size_t g = 0; groups[g] != NULL; g++) {
        const char *kind = strncmp(groups[g], "n ", 2) == 0 ? "n" : "a";

        (void) bl_conf_defaults(fz_keys, kind, &v);
        (void) bl_conf_apply(f, groups[g], fz_keys, (const char *const[]){kind, NULL}, &v);
        (void) bl_conf_required(f, groups[g], fz_keys, kind);
        values_alone(bl_conf_keyfile(f), groups[g]);
    }
    (void) bl_conf_result(f, &err);
    g_free(err);
    g_free(v.dup);
    bl_conf_close(f);
    return 0;
}
