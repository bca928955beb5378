/*
 * A configuration table as a man page's list (bl_conf.h): the one place a key's type,
 * default and limits are turned into roff, for bmclinkd --dump-options and the pages the
 * build generates (docs/man/), so a page cannot say other than what the reader accepts.
 */
#include "bl_conf.h"

#include <string.h>

/* Text as roff: a backslash printed as one, a line never taken for a request; with `typed`
 * (keys, values) '-' is a minus sign, what the reader types. */
void
bl_conf_man_text(FILE *out, const char *s, bool typed)
{
    if (s[0] == '.' || s[0] == '\'') {
        fputs("\\&", out);
    }
    for (; *s != '\0'; s++) {
        if (*s == '\\') {
            fputs("\\e", out);
        } else if (*s == '-' && typed) {
            fputs("\\-", out);
        } else {
            fputc(*s, out);
        }
    }
}

/* bl_conf_expects, but a plain string is "text" rather than "0 to 2147483647 characters". */
static char *
value_text(const struct bl_conf_key *k)
{
    bool plain = (k->type == BL_CONF_STRING || k->type == BL_CONF_STRDUP) && k->choices == NULL &&
                 (k->flags & BL_CONF_ABSPATH) == 0;

    if (plain && k->max <= 0) {
        return g_strdup("text");
    }
    if (plain && k->min == 0) {
        return g_strdup_printf("text of at most %" G_GINT64_FORMAT " characters", k->max);
    }
    if (k->choices != NULL) {
        /* "a, b, c": troff breaks a long list there, not inside "a|b|c" */
        g_autofree char *expects = bl_conf_expects(k);
        g_auto(GStrv) parts = g_strsplit(expects, "|", -1);
        return g_strjoinv(", ", parts);
    }
    return bl_conf_expects(k);
}

static void
print_row(FILE *out, const struct bl_conf_key *k)
{
    g_autofree char *value = value_text(k);

    fputs(".TP\n.B ", out);
    bl_conf_man_text(out, k->key, true);
    fputc('\n', out);
    bl_conf_man_text(out, k->description, false);
    fputs(g_str_has_suffix(k->description, ".") ? "\n.br\nValue: " : ".\n.br\nValue: ", out);
    bl_conf_man_text(out, value, false);
    fputs(". ", out);
    if ((k->flags & BL_CONF_REQUIRED) != 0) {
        fputs("Required.", out);
    } else {
        fputs("Default: ", out);
        bl_conf_man_text(out, k->def != NULL && k->def[0] != '\0' ? k->def : "none", true);
        fputc('.', out);
    }
    if ((k->flags & BL_CONF_SECRET) != 0) {
        fputs(" A secret: never logged; refused in a world\\-readable file.", out);
    }
    fputc('\n', out);
}

void
bl_conf_man(FILE *out, const struct bl_conf_key *table)
{
    const char *group = NULL;

    for (const struct bl_conf_key *k = table; k->key != NULL; k++) {
        if (group == NULL || strcmp(group, k->group) != 0) {
            group = k->group;
            fputs(".SS [", out);
            bl_conf_man_text(out, group, true);
            fputs((k->flags & BL_CONF_NAMED) != 0 ? " \\fINAME\\fR]\n" : "]\n", out);
        }
        print_row(out, k);
    }
}
