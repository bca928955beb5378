/*
 * bl-mangen: the parts of the man pages that come from what the programs themselves use,
 * printed as roff for docs/man/mkman.sh to put into the pages (never installed):
 *
 *   bl-mangen conf            bmclink.conf's keys, from the reader's tables (bl_conf_man)
 *   bl-mangen ocf PROVIDER    an OCF agent's page (NAME to EXAMPLE) from its meta-data on stdin,
 *                             laid out as resource-agents' ocf_heartbeat_*(7) pages
 *   bl-mangen options         a GOption --help text on stdin as an option list
 *   bl-mangen table           a Markdown table on stdin (`bmclink chain keys`) as a key list
 *   bl-mangen verbatim        text on stdin as a literal block (a command's usage)
 *
 * Every mode reads at most BL_MANGEN_MAX bytes and fails (exit 1) on what it cannot read.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "bl_conf.h"
#include "bl_trap_config.h"
#include "recovery_config.h"
#include "mangen.h"

#define BL_MANGEN_MAX (1u << 20)

/* stdin, whole; NULL (said on stderr) when unreadable or too large. */
static char *
read_stdin(void)
{
    GString *buf = g_string_new(NULL);
    char chunk[4096];
    size_t n;

    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0 && buf->len <= BL_MANGEN_MAX) {
        g_string_append_len(buf, chunk, (gssize) n);
    }
    if (ferror(stdin) || buf->len > BL_MANGEN_MAX) {
        fprintf(stderr, "bl-mangen: cannot read stdin (or over %u bytes)\n", BL_MANGEN_MAX);
        g_string_free(buf, TRUE);
        return NULL;
    }
    /* GLib's usage says OPTION… in a UTF-8 locale and OPTION? in a program that never set
     * one: the pages stay ASCII */
    g_string_replace(buf, "\xe2\x80\xa6", "...", 0);
    g_string_replace(buf, "[OPTION?]", "[OPTION...]", 0);
    return g_string_free(buf, FALSE);
}

/* "  -c, --config=FILE     Configuration file" -> .TP list; headings and blank lines left out. */
static int
gen_options(const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    int n = 0;

    for (size_t i = 0; lines[i] != NULL; i++) {
        const char *l = lines[i] + strspn(lines[i], " ");
        const char *gap = strstr(l, "  ");

        if (l == lines[i] || l[0] != '-' || gap == NULL) {
            continue;
        }
        g_autofree char *opt = g_strndup(l, (gsize) (gap - l));
        fputs(".TP\n.B ", stdout);
        bl_conf_man_text(stdout, opt, true);
        fputc('\n', stdout);
        bl_conf_man_text(stdout, gap + strspn(gap, " "), false);
        fputc('\n', stdout);
        n++;
    }
    return n > 0 ? 0 : 1;
}

static void
gen_verbatim(const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    guint n = g_strv_length(lines);

    while (n > 0 && lines[n - 1][0] == '\0') {
        n--;
    }
    fputs(".PP\n.nf\n", stdout);
    for (guint i = 0; i < n; i++) {
        bl_conf_man_text(stdout, lines[i], true);
        fputc('\n', stdout);
    }
    fputs(".fi\n", stdout);
}

/* One "| a | b |" row's cells, blanks and `code` marks stripped. */
static GStrv
row_cells(const char *line)
{
    g_autofree char *inner = g_strstrip(g_strdup(line));
    size_t len = strlen(inner);

    if (len < 2 || inner[0] != '|' || inner[len - 1] != '|') {
        return NULL;
    }
    inner[len - 1] = '\0';
    GStrv cells = g_strsplit(inner + 1, "|", -1);
    for (size_t i = 0; cells[i] != NULL; i++) {
        g_strstrip(cells[i]);
        size_t cl = strlen(cells[i]);
        if (cl >= 2 && cells[i][0] == '`' && cells[i][cl - 1] == '`') {
            memmove(cells[i], cells[i] + 1, cl - 2);
            cells[i][cl - 2] = '\0';
        }
    }
    return cells;
}

/* | key | col... | meaning |: the key in bold, the meaning, then "Col: value." per column. */
static int
gen_table(const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_auto(GStrv) head = NULL;
    int n = 0;

    for (size_t i = 0; lines[i] != NULL; i++) {
        g_auto(GStrv) cells = row_cells(lines[i]);
        if (cells == NULL || strspn(cells[0], "-: ") == strlen(cells[0])) {
            continue; /* not a row, or the |---| line */
        }
        if (head == NULL) {
            head = g_steal_pointer(&cells);
            continue;
        }
        guint nc = g_strv_length(cells);
        if (nc != g_strv_length(head) || nc < 2) {
            fprintf(stderr, "bl-mangen: row %zu has %u cells, the header %u\n", i + 1, nc,
                    g_strv_length(head));
            return 1;
        }
        fputs(".TP\n.B ", stdout);
        bl_conf_man_text(stdout, cells[0], true);
        fputc('\n', stdout);
        bl_conf_man_text(stdout, cells[nc - 1], false);
        fputs(".\n.br\n", stdout);
        for (guint c = 1; c + 1 < nc; c++) {
            g_autofree char *name = g_strdup(head[c]);
            name[0] = g_ascii_toupper(name[0]);
            fprintf(stdout, "%s%s: ", c > 1 ? " " : "", name);
            bl_conf_man_text(stdout, cells[c], false);
            fputc('.', stdout);
        }
        fputc('\n', stdout);
        n++;
    }
    return n > 0 ? 0 : 1;
}

static int
usage(void)
{
    fputs("usage: bl-mangen conf | ocf PROVIDER | options | table | verbatim\n", stderr);
    return 2;
}

int
main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "conf") == 0) {
        bl_conf_man(stdout, bl_trap_conf_keys);
        bl_conf_man(stdout, bl_bmc_conf_keys);
        return 0;
    }
    if (argc < 2 || argc > 3 || (argc == 3) != (strcmp(argv[1], "ocf") == 0)) {
        return usage();
    }
    g_autofree char *text = read_stdin();
    if (text == NULL) {
        return 1;
    }
    if (strcmp(argv[1], "ocf") == 0) {
        return mg_ocf(argv[2], text);
    }
    if (strcmp(argv[1], "options") == 0) {
        return gen_options(text);
    }
    if (strcmp(argv[1], "table") == 0) {
        return gen_table(text);
    }
    if (strcmp(argv[1], "verbatim") == 0) {
        gen_verbatim(text);
        return 0;
    }
    return usage();
}
