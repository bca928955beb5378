/*
 * An OCF agent's meta-data (ra-api-1.dtd) as its man page. resource-agents makes its
 * ocf_heartbeat_*(7) pages with an XSL stylesheet Debian does not ship; this reads the same
 * elements with GMarkup and prints the same sections.
 */
#include "mangen.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "bl_conf.h"

struct mg_param {
    char *name, *longdesc, *shortdesc, *type, *def;
    char *unique_group; /* OCF 1.1 unique-group, NULL without */
    bool required, unique;
};

struct mg_action {
    char *name, *timeout, *interval, *depth;
};

struct mg_agent {
    char *name, *longdesc, *shortdesc;
    GPtrArray *params;    /* struct mg_param * */
    GPtrArray *actions;   /* struct mg_action * */
    struct mg_param *cur; /* the <parameter> being read, NULL outside one */
    GString *text;        /* the <longdesc>/<shortdesc> being read, NULL outside one */
};

static void
param_free(gpointer p)
{
    struct mg_param *m = p;

    g_free(m->name);
    g_free(m->longdesc);
    g_free(m->shortdesc);
    g_free(m->type);
    g_free(m->def);
    g_free(m->unique_group);
    g_free(m);
}

static void
action_free(gpointer p)
{
    struct mg_action *a = p;

    g_free(a->name);
    g_free(a->timeout);
    g_free(a->interval);
    g_free(a->depth);
    g_free(a);
}

static const char *
attr(const char **names, const char **values, const char *want)
{
    for (size_t i = 0; names[i] != NULL; i++) {
        if (strcmp(names[i], want) == 0) {
            return values[i];
        }
    }
    return NULL;
}

static void
on_start(GMarkupParseContext *ctx, const char *el, const char **names, const char **values,
         gpointer p, GError **err)
{
    struct mg_agent *a = p;

    if (strcmp(el, "resource-agent") == 0) {
        g_free(a->name);
        a->name = g_strdup(attr(names, values, "name"));
    } else if (strcmp(el, "parameter") == 0) {
        a->cur = g_new0(struct mg_param, 1);
        a->cur->name = g_strdup(attr(names, values, "name"));
        a->cur->required = g_strcmp0(attr(names, values, "required"), "1") == 0;
        a->cur->unique = g_strcmp0(attr(names, values, "unique"), "1") == 0;
        a->cur->unique_group = g_strdup(attr(names, values, "unique-group"));
        g_ptr_array_add(a->params, a->cur);
    } else if (strcmp(el, "content") == 0 && a->cur != NULL) {
        a->cur->type = g_strdup(attr(names, values, "type"));
        a->cur->def = g_strdup(attr(names, values, "default"));
    } else if (strcmp(el, "action") == 0) {
        struct mg_action *x = g_new0(struct mg_action, 1);
        x->name = g_strdup(attr(names, values, "name"));
        x->timeout = g_strdup(attr(names, values, "timeout"));
        x->interval = g_strdup(attr(names, values, "interval"));
        x->depth = g_strdup(attr(names, values, "depth"));
        g_ptr_array_add(a->actions, x);
    } else if (strcmp(el, "longdesc") == 0 || strcmp(el, "shortdesc") == 0) {
        a->text = g_string_new(NULL);
    }
}

static void
on_end(GMarkupParseContext *ctx, const char *el, gpointer p, GError **err)
{
    struct mg_agent *a = p;
    bool is_long = strcmp(el, "longdesc") == 0;

    if (strcmp(el, "parameter") == 0) {
        a->cur = NULL;
    } else if ((is_long || strcmp(el, "shortdesc") == 0) && a->text != NULL) {
        char *t = g_strstrip(g_string_free(a->text, FALSE));
        char **slot = a->cur != NULL ? (is_long ? &a->cur->longdesc : &a->cur->shortdesc)
                                     : (is_long ? &a->longdesc : &a->shortdesc);
        a->text = NULL;
        g_free(*slot);
        *slot = t;
    }
}

static void
on_text(GMarkupParseContext *ctx, const char *text, gsize len, gpointer p, GError **err)
{
    struct mg_agent *a = p;

    if (a->text != NULL) {
        g_string_append_len(a->text, text, (gssize) len);
    }
}

/* Paragraphs (split at blank lines), each one filled line. */
static void
paragraphs(FILE *out, const char *text)
{
    g_auto(GStrv) paras = g_regex_split_simple("\\n[ \\t]*\\n", text, 0, 0);

    for (size_t i = 0; paras[i] != NULL; i++) {
        g_auto(GStrv) words = g_regex_split_simple("\\s+", g_strstrip(paras[i]), 0, 0);
        g_autofree char *line = g_strjoinv(" ", words);
        if (line[0] != '\0') {
            fputs(i > 0 ? ".PP\n" : "", out);
            bl_conf_man_text(out, line, false);
            fputc('\n', out);
        }
    }
}

static void
print_params(FILE *out, const struct mg_agent *a)
{
    fputs(".SH \"SUPPORTED PARAMETERS\"\n", out);
    for (guint i = 0; i < a->params->len; i++) {
        const struct mg_param *m = g_ptr_array_index(a->params, i);
        fputs(".PP\n\\fB", out);
        bl_conf_man_text(out, m->name, true);
        fputs("\\fR\n.RS 4\n", out);
        paragraphs(out,
                   m->longdesc != NULL ? m->longdesc : (m->shortdesc != NULL ? m->shortdesc : ""));
        fprintf(out, ".sp\n(%s", m->unique ? "unique, " : "");
        if (m->unique_group != NULL) {
            fputs("unique in group \\(lq", out);
            bl_conf_man_text(out, m->unique_group, true);
            fputs("\\(rq, ", out);
        }
        fprintf(out, "%s, %s", m->required ? "required" : "optional",
                m->type != NULL ? m->type : "string");
        if (m->def != NULL && m->def[0] != '\0') {
            fputs(", default \"", out);
            bl_conf_man_text(out, m->def, true);
            fputc('"', out);
        }
        fputs(")\n.RE\n", out);
    }
}

static void
print_actions(FILE *out, const struct mg_agent *a)
{
    fputs(".SH \"SUPPORTED ACTIONS\"\n.PP\nThis resource agent supports the following actions "
          "(operations):\n",
          out);
    for (guint i = 0; i < a->actions->len; i++) {
        const struct mg_action *x = g_ptr_array_index(a->actions, i);
        fputs(".PP\n\\fB", out);
        bl_conf_man_text(out, x->name, true);
        fputs("\\fR", out);
        if (x->depth != NULL && strcmp(x->depth, "0") != 0) {
            fprintf(out, " (depth %s)", x->depth);
        }
        fputs("\n.RS 4\n", out);
        if (x->timeout != NULL) {
            fprintf(out, "Suggested minimum timeout: %s.", x->timeout);
        }
        if (x->interval != NULL) {
            fprintf(out, " Suggested interval: %s.", x->interval);
        }
        fputs("\n.RE\n", out);
    }
}

/* The crm and pcs lines for the required parameters and the monitor operation. */
static void
print_examples(FILE *out, const char *provider, const struct mg_agent *a)
{
    const struct mg_action *mon = NULL;

    for (guint i = 0; i < a->actions->len; i++) {
        const struct mg_action *x = g_ptr_array_index(a->actions, i);
        if (strcmp(x->name, "monitor") == 0 && mon == NULL) {
            mon = x;
        }
    }
    for (int pcs = 0; pcs < 2; pcs++) {
        fprintf(out,
                ".SH \"EXAMPLE %s\"\n.PP\nAn example configuration for a %s resource with "
                "\\fB%s\\fR(8):\n.sp\n.RS 4\n.nf\n",
                pcs ? "PCS" : "CRM SHELL", a->name, pcs ? "pcs" : "crm");
        fprintf(out, pcs ? "pcs resource create p_%s ocf:%s:%s" : "primitive p_%s ocf:%s:%s",
                a->name, provider, a->name);
        bool first = true;
        for (guint i = 0; i < a->params->len; i++) {
            const struct mg_param *m = g_ptr_array_index(a->params, i);
            if (m->required && !pcs && first) {
                fputs(" \\e\n  params", out);
            }
            if (m->required) {
                first = false;
                fprintf(out, " \\e\n  %s%s=\"%s\"", pcs ? "" : "  ", m->name,
                        m->type != NULL ? m->type : "string");
            }
        }
        if (mon != NULL) {
            fprintf(out, " \\e\n  op monitor%s%s%s%s", mon->timeout != NULL ? " timeout=" : "",
                    mon->timeout != NULL ? mon->timeout : "",
                    mon->interval != NULL ? " interval=" : "",
                    mon->interval != NULL ? mon->interval : "");
        }
        fputs("\n.fi\n.RE\n", out);
    }
}

static void
print_page(FILE *out, const char *provider, const struct mg_agent *a)
{
    fprintf(out, ".SH NAME\nocf_%s_%s \\- ", provider, a->name);
    bl_conf_man_text(out, a->shortdesc != NULL ? a->shortdesc : a->name, false);
    fprintf(out, "\n.SH SYNOPSIS\n\\fB%s\\fR [", a->name);
    for (guint i = 0; i < a->actions->len; i++) {
        const struct mg_action *x = g_ptr_array_index(a->actions, i);
        bool seen = false;
        for (guint j = 0; j < i && !seen; j++) {
            seen = strcmp(((const struct mg_action *) g_ptr_array_index(a->actions, j))->name,
                          x->name) == 0;
        }
        if (!seen) {
            fputs(i > 0 ? " | " : "", out);
            bl_conf_man_text(out, x->name, true);
        }
    }
    fputs("]\n.SH DESCRIPTION\n", out);
    paragraphs(out, a->longdesc != NULL ? a->longdesc : "");
    print_params(out, a);
    print_actions(out, a);
    print_examples(out, provider, a);
}

int
mg_ocf(const char *provider, const char *xml)
{
    static const GMarkupParser parser = {on_start, on_end, on_text, NULL, NULL};
    struct mg_agent a = {.params = g_ptr_array_new_with_free_func(param_free),
                         .actions = g_ptr_array_new_with_free_func(action_free)};
    GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, &a, NULL);
    GError *err = NULL;
    bool ok = g_markup_parse_context_parse(ctx, xml, -1, &err) &&
              g_markup_parse_context_end_parse(ctx, &err);
    int rc = 1;

    if (!ok) {
        fprintf(stderr, "bl-mangen: meta-data: %s\n", err->message);
        g_error_free(err);
    } else if (a.name == NULL) {
        fprintf(stderr, "bl-mangen: meta-data names no resource-agent\n");
    } else {
        print_page(stdout, provider, &a);
        rc = 0;
    }
    g_markup_parse_context_free(ctx);
    if (a.text != NULL) {
        g_string_free(a.text, TRUE);
    }
    g_ptr_array_free(a.params, TRUE);
    g_ptr_array_free(a.actions, TRUE);
    g_free(a.name);
    g_free(a.longdesc);
    g_free(a.shortdesc);
    return rc;
}
