/*
 * The chain written back as text (the run snapshot), compared, and documented, all from the
 * key table in chain_conf.c.
 */
#include "chain.h"

#include "chain_int.h"

#include <glib.h>
#include <string.h>

static void
append_argv(GString *out, char *const *argv)
{
    for (size_t i = 0; argv[i] != NULL; i++) {
        g_autofree char *quoted = g_shell_quote(argv[i]);
        g_string_append_printf(out, "%s%s", i > 0 ? " " : "", quoted);
    }
}

static void
append_key(GString *out, const struct bl_chain_member *m, int k)
{
    const struct bl_key_def *def = &bl_member_keys[k];
    const char *field = (const char *) m + def->offset;

    switch (def->type) {
        case KT_STRING:
        case KT_PATH:
            if (*(char *const *) field != NULL) {
                g_string_append_printf(out, "%s = %s\n", def->key, *(char *const *) field);
            }
            break;
        case KT_ARGV:
            if (*(char **const *) field != NULL) {
                g_string_append_printf(out, "%s = ", def->key);
                append_argv(out, *(char **const *) field);
                g_string_append_c(out, '\n');
            }
            break;
        case KT_BOOL:
            g_string_append_printf(out, "%s = %s\n", def->key,
                                   *(const bool *) field ? "true" : "false");
            break;
        case KT_DURATION:
            g_string_append_printf(out, "%s = %ums\n", def->key, *(const unsigned *) field);
            break;
        case KT_PORT:
            if (*(const unsigned *) field != 0) {
                g_string_append_printf(out, "%s = %u\n", def->key, *(const unsigned *) field);
            }
            break;
        case KT_KIND:
            g_string_append_printf(out, "%s = %s\n", def->key, bl_member_kind_name(m->kind));
            break;
        case KT_READY:
            g_string_append_printf(out, "%s = %s\n", def->key, bl_ready_kind_name(m->ready));
            break;
    }
}

char *
bl_chain_to_text(const struct bl_chain *chain)
{
    GString *out = g_string_new(NULL);

    g_string_append_printf(out, "# written by bmclink from %s\n[chain]\nname = %s\n", chain->source,
                           chain->name);
    if (chain->description != NULL) {
        g_string_append_printf(out, "description = %s\n", chain->description);
    }
    for (size_t i = 0; i < chain->n_members; i++) {
        const struct bl_chain_member *m = &chain->members[i];
        g_string_append_printf(out, "\n[member %s]\n", m->name);
        for (int k = 0; k < BL_MK_COUNT; k++) {
            if (bl_member_keys[k].kinds & KIND_BIT(m->kind)) {
                append_key(out, m, k);
            }
        }
    }
    return g_string_free(out, FALSE);
}

static bool
same_argv(char *const *a, char *const *b)
{
    if (a == NULL || b == NULL) {
        return a == b;
    }
    return g_strv_equal((const char *const *) a, (const char *const *) b);
}

static bool
same_member(const struct bl_chain_member *a, const struct bl_chain_member *b)
{
    return strcmp(a->name, b->name) == 0 && a->kind == b->kind && a->optional == b->optional &&
           g_strcmp0(a->unit, b->unit) == 0 && g_strcmp0(a->script, b->script) == 0 &&
           same_argv(a->command, b->command) && same_argv(a->stop_command, b->stop_command) &&
           a->foreground == b->foreground && g_strcmp0(a->pidfile, b->pidfile) == 0 &&
           g_strcmp0(a->exe, b->exe) == 0 && g_strcmp0(a->log, b->log) == 0 &&
           a->ready == b->ready && g_strcmp0(a->host, b->host) == 0 && a->port == b->port &&
           same_argv(a->check, b->check);
}

bool
bl_chain_same_members(const struct bl_chain *a, const struct bl_chain *b)
{
    if (a->n_members != b->n_members) {
        return false;
    }
    for (size_t i = 0; i < a->n_members; i++) {
        if (!same_member(&a->members[i], &b->members[i])) {
            return false;
        }
    }
    return true;
}

static void
print_kinds(FILE *out, unsigned kinds)
{
    const char *sep = "";

    if (kinds == ALL_KINDS) {
        fputs("all", out);
        return;
    }
    for (int k = 0; k < BL_KIND_COUNT; k++) {
        if (kinds & KIND_BIT(k)) {
            fprintf(out, "%s%s", sep, bl_kind_names[k]);
            sep = ", ";
        }
    }
}

void
bl_chain_print_keys(FILE *out)
{
    fputs("| key | kinds | default | meaning |\n|---|---|---|---|\n", out);
    for (int k = 0; k < BL_MK_COUNT; k++) {
        const struct bl_key_def *def = &bl_member_keys[k];
        fprintf(out, "| `%s` | ", def->key);
        print_kinds(out, def->kinds);
        fprintf(out, " | %s | %s |\n", def->def[0] != '\0' ? def->def : "-", def->desc);
    }
}
