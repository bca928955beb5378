/*
 * fence_bmclink's documentation, generated from the option table: the metadata XML that
 * Pacemaker, pcs and crmsh read, the --help text and the man page.
 */
#include "bl_fence_opt.h"

#include <string.h>

#include <glib.h>

#ifndef BL_VERSION
#define BL_VERSION "0"
#endif

#define BL_SHORTDESC "Fence agent for IPMI BMCs over RMCP+, without ipmitool"

static const char bl_longdesc[] =
    "fence_bmclink is an I/O fencing agent for machines controlled by an IPMI BMC. It speaks "
    "IPMI 2.0 RMCP+ itself (OpenIPMI's LAN library): no ipmitool process, so the password never "
    "appears in any process's arguments, and one session of six round trips serves the whole "
    "action. off and reboot succeed only after the BMC reads back the expected power state. "
    "By default it asks the BMC for its cipher suites and takes the best, 17 (SHA-256) before 3 "
    "(SHA-1); cipher suites without integrity or confidentiality and IPMI 1.5 without MD5 are "
    "refused unless allow_weak_crypto is set. "
    "The diag action sends a diagnostic interrupt (NMI) so the node can dump its kernel.";

/* Actions advertised in the metadata: fence_ipmilan's. No list or list-status: a BMC
 * cannot say which cluster node it powers, and an advertised list makes Pacemaker's
 * default host check (dynamic-list) believe whatever it prints. */
static const char *const bl_meta_actions[] = {"off",      "reboot",  "status",       "monitor",
                                              "metadata", "manpage", "validate-all", "diag"};

static void
bl_xml_escaped(FILE *out, const char *s)
{
    g_autofree char *e = g_markup_escape_text(s, -1);

    fputs(e, out);
}

/* "-a, --ip=[ip]" or "--delay=[seconds]" or "-P, --lanplus". */
static char *
bl_mixed(const struct bl_fopt_def *d)
{
    GString *m = g_string_new(NULL);

    if (d->short_opt != 0) {
        g_string_append_printf(m, "-%c, ", d->short_opt);
    }
    g_string_append_printf(m, "--%s", d->long_opt);
    if (d->arg != NULL) {
        g_string_append_printf(m, "=%s", d->arg);
    }
    return g_string_free(m, FALSE);
}

static const char *
bl_content_type(const struct bl_fopt_def *d)
{
    switch (d->type) {
        case BL_FOPT_INTEGER:
            return "integer";
        case BL_FOPT_SECOND:
            return "second";
        case BL_FOPT_BOOLEAN:
            return "boolean";
        case BL_FOPT_SELECT:
            return "select";
        case BL_FOPT_STRING:
            break;
    }
    return "string";
}

static void
bl_meta_content(FILE *out, const struct bl_fopt_def *d, enum bl_fence_alias a)
{
    const char *def = bl_fopt_default(d, a);

    fprintf(out, "\t\t<content type=\"%s\" ", bl_content_type(d));
    if (def != NULL) {
        fputs("default=\"", out);
        bl_xml_escaped(out, def);
        fputs("\" ", out);
    }
    if (d->type != BL_FOPT_SELECT) {
        fputs(" />\n", out);
        return;
    }
    fputs(" >\n", out);
    for (size_t i = 0; d->choices[i] != NULL; i++) {
        fprintf(out, "\t\t\t<option value=\"%s\" />\n", d->choices[i]);
    }
    fputs("\t\t</content>\n", out);
}

/* One <parameter>; \p name is the option's name or its deprecated alias. */
static void
bl_meta_param(FILE *out, const struct bl_fopt_def *d, enum bl_fence_alias a, const char *name,
              bool deprecated)
{
    g_autofree char *mixed = bl_mixed(d);

    fprintf(out, "\t<parameter name=\"%s\" unique=\"0\" required=\"%d\"", name,
            (d->flags & BL_FOPTF_REQUIRED) != 0 && !deprecated ? 1 : 0);
    if (deprecated) {
        fputs(" deprecated=\"1\"", out);
    } else if (d->deprecated != NULL) {
        fprintf(out, " obsoletes=\"%s\"", d->deprecated);
    }
    fputs(">\n\t\t<getopt mixed=\"", out);
    bl_xml_escaped(out, mixed);
    fputs("\" />\n", out);
    bl_meta_content(out, d, a);
    fputs("\t\t<shortdesc lang=\"en\">", out);
    bl_xml_escaped(out, d->shortdesc);
    fputs("</shortdesc>\n\t</parameter>\n", out);
}

/* The other names of this agent, as fencing.py lists fence_ipmilan's. */
static void
bl_meta_symlinks(FILE *out, enum bl_fence_alias self)
{
    for (int i = 0; i < BL_FENCE_ALIAS__COUNT; i++) {
        const char *twin = bl_fence_alias_counterpart((enum bl_fence_alias) i);

        if (i != (int) self && twin != NULL) {
            fprintf(out, "<symlink name=\"%s\" shortdesc=\"fence_bmclink with %s's defaults\"/>\n",
                    bl_fence_alias_name((enum bl_fence_alias) i), twin);
        }
    }
}

void
bl_fence_print_metadata(FILE *out, enum bl_fence_alias a)
{
    const struct bl_fopt_def *t = bl_fopt_table();

    fputs("<?xml version=\"1.0\" ?>\n", out);
    fprintf(out, "<resource-agent name=\"%s\" shortdesc=\"%s\" >\n", bl_fence_alias_name(a),
            BL_SHORTDESC);
    bl_meta_symlinks(out, a);
    fputs("<longdesc>", out);
    bl_xml_escaped(out, bl_longdesc);
    fputs("</longdesc>\n<vendor-url></vendor-url>\n<parameters>\n", out);
    for (int i = 0; i < BL_FOPT__COUNT; i++) {
        bl_meta_param(out, &t[i], a, t[i].name, false);
        if (t[i].deprecated != NULL) {
            bl_meta_param(out, &t[i], a, t[i].deprecated, true);
        }
    }
    fputs("</parameters>\n<actions>\n\t<action name=\"on\" automatic=\"0\"/>\n", out);
    for (size_t i = 0; i < G_N_ELEMENTS(bl_meta_actions); i++) {
        fprintf(out, "\t<action name=\"%s\" />\n", bl_meta_actions[i]);
    }
    fputs("</actions>\n</resource-agent>\n", out);
}

static void
bl_help_choices(FILE *out, const struct bl_fopt_def *d)
{
    g_autofree char *list = NULL;

    if (d->choices == NULL) {
        return;
    }
    list = g_strjoinv("|", (char **) d->choices);
    fprintf(out, " (%s)", list);
}

void
bl_fence_print_help(FILE *out, enum bl_fence_alias a)
{
    const struct bl_fopt_def *t = bl_fopt_table();
    const char *name = bl_fence_alias_name(a);

    fprintf(out, "Usage:\n\t%s [options]\n\t%s < key=value lines on stdin\nOptions:\n", name, name);
    for (int i = 0; i < BL_FOPT__COUNT; i++) {
        g_autofree char *mixed = bl_mixed(&t[i]);
        const char *def = bl_fopt_default(&t[i], a);

        fprintf(out, "   %-30s %s", mixed, t[i].shortdesc);
        bl_help_choices(out, &t[i]);
        if (def != NULL) {
            fprintf(out, " (default %s)", def);
        }
        fputc('\n', out);
    }
    fputs("Actions: on, off, reboot (default), status, monitor, metadata, manpage,\n"
          "         validate-all, diag\n",
          out);
}

/* troff needs '-' and '\' escaped and no line may start with '.' or '\''. */
static void
bl_roff(FILE *out, const char *s)
{
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == '-') {
            fputs("\\-", out);
        } else if (*p == '\\') {
            fputs("\\e", out);
        } else if ((*p == '.' || *p == '\'') && (p == s || p[-1] == '\n')) {
            fprintf(out, "\\&%c", *p);
        } else {
            fputc(*p, out);
        }
    }
}

static void
bl_man_option(FILE *out, const struct bl_fopt_def *d)
{
    fputs(".TP\n", out);
    if (d->short_opt != 0) {
        fprintf(out, "\\fB\\-%c\\fR, ", d->short_opt);
    }
    fputs("\\fB\\-\\-", out);
    bl_roff(out, d->long_opt);
    fputs("\\fR", out);
    if (d->arg != NULL) {
        fputs("=\\fI", out);
        bl_roff(out, d->arg);
        fputs("\\fR", out);
    }
    fputs("\n", out);
    bl_roff(out, d->shortdesc);
    fputs(".", out);
    if (d->longdesc != NULL) {
        fputc(' ', out);
        bl_roff(out, d->longdesc);
    }
    fputs(" Stdin key: \\fB", out);
    bl_roff(out, d->name);
    fputs("\\fR", out);
    if (d->deprecated != NULL) {
        fputs(" (deprecated: ", out);
        bl_roff(out, d->deprecated);
        fputs(")", out);
    }
    if (d->def != NULL) {
        fputs("; default ", out);
        bl_roff(out, d->def);
    }
    fputs(".\n", out);
}

static const char bl_man_tail[] =
    ".SH ACTIONS\n"
    ".TP\n\\fBoff\\fR, \\fBon\\fR\nChassis power off or on, then poll Get Chassis Status until it "
    "reads back the new state (up to power_timeout).\n"
    ".TP\n\\fBreboot\\fR\nWith method onoff: off, confirm, on, confirm. With method cycle: "
    "chassis power cycle.\n"
    ".TP\n\\fBstatus\\fR\nPrint Status: ON or Status: OFF.\n"
    ".TP\n\\fBmonitor\\fR\nLog in and read the power state; succeeds for ON and OFF.\n"
    ".TP\n\\fBlist\\fR, \\fBlist\\-status\\fR\nRefused (exit 1): a BMC cannot tell which cluster "
    "node it powers. Not advertised, so Pacemaker does not use them; give the device "
    "pcmk_host_list or pcmk_host_map.\n"
    ".TP\n\\fBdiag\\fR\nPulse the diagnostic interrupt (NMI).\n"
    ".TP\n\\fBmetadata\\fR, \\fBvalidate\\-all\\fR, \\fBmanpage\\fR\nDescribe or check the "
    "options without contacting the BMC.\n"
    ".SH EXIT STATUS\n"
    "0 success; 1 any failure (as fence\\-agents' EC_GENERIC_ERROR); 2 for \\fBstatus\\fR of a "
    "powered\\-off node.\n"
    ".SH SECURITY\n"
    "Give the password on standard input or through \\fBpassword_script\\fR. Cipher suites "
    "0, 1, 6 and 15 and IPMI 1.5 authentication none or password are refused unless "
    "\\fBallow_weak_crypto=1\\fR.\n"
    ".SH ALIASES\n"
    "Run as \\fBfence_bmclink_ipmilanplus\\fR, \\fBfence_bmclink_ilo3\\fR, "
    "\\fBfence_bmclink_ilo4\\fR, \\fBfence_bmclink_ilo5\\fR, \\fBfence_bmclink_imm\\fR or "
    "\\fBfence_bmclink_idrac\\fR it takes the defaults fence\\-agents gives the name without "
    "the bmclink_ part: power_wait=4 for ilo3.\n"
    ".SH SEE ALSO\n"
    "\\fBfence_ipmilan\\fR(8), \\fBstonith_admin\\fR(8), \\fBpcs\\fR(8)\n";

void
bl_fence_print_manpage(FILE *out)
{
    const struct bl_fopt_def *t = bl_fopt_table();

    fprintf(out, ".TH FENCE_BMCLINK 8 \"\" \"bmclink %s\" \"System Administration\"\n", BL_VERSION);
    fputs(".SH NAME\nfence_bmclink \\- ", out);
    bl_roff(out, BL_SHORTDESC);
    fputs("\n.SH SYNOPSIS\n\\fBfence_bmclink\\fR [\\fIOPTION\\fR]...\n.br\n"
          "\\fBfence_bmclink\\fR < \\fIkey=value lines\\fR\n.SH DESCRIPTION\n",
          out);
    bl_roff(out, bl_longdesc);
    fputs("\n.SH OPTIONS\n", out);
    for (int i = 0; i < BL_FOPT__COUNT; i++) {
        bl_man_option(out, &t[i]);
    }
    fputs(bl_man_tail, out);
}
