/*
 * crm_mon's XML into struct bl_pcmk_status, and where a target runs (pcmk.h). Pure: no I/O.
 *
 * What we read of the document (Pacemaker 2.1 schema, api-version 2.x):
 *   <pacemaker-result>
 *     <nodes><node name= online= standby= maintenance= unclean= shutdown= pending= health=/>
 *     <resources> [<group id=> | <clone id=> | <bundle id=> [<replica>]] <resource id= role=
 *                 active= failed=> <node name=/>* </resource>
 *     <status code=/>
 * Everything else is skipped; an unexpected root, an oversized name or too many entries
 * refuse the whole document.
 */
#include "pcmk.h"
#include "bl_conf.h"
#include "bl_result.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

enum bl_px_section {
    BL_PX_NONE = 0,
    BL_PX_NODES,
    BL_PX_RESOURCES,
};

/* Parser state: where we are, and the row being built. */
struct bl_px {
    GArray *nodes; /* struct bl_pcmk_node */
    GArray *rows;  /* struct bl_pcmk_row */
    int depth;
    bool root_seen;
    enum bl_px_section section;
    int section_depth;
    char group[BL_PCMK_NAME_MAX];
    int group_depth;
    char clone[BL_PCMK_NAME_MAX];
    int clone_depth;
    bool in_rsc;
    int rsc_depth;
    unsigned rsc_nodes;
    struct bl_pcmk_row cur;
    bool have_code;
    long code;
};

static const char *
bl_px_attr(const char **names, const char **values, const char *name)
{
    for (size_t i = 0; names[i] != NULL; i++) {
        if (strcmp(names[i], name) == 0) {
            return values[i];
        }
    }
    return NULL;
}

static bool
bl_px_bool(const char **names, const char **values, const char *name)
{
    const char *v = bl_px_attr(names, values, name);
    bool b = false;

    /* crm_mon writes "true"/"false"; read as Pacemaker reads its own (crm_is_true) */
    return v != NULL && bl_conf_parse_bool(v, &b) == BL_OK && b;
}

static void
bl_px_fail(GError **error, const char *what)
{
    g_set_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, "%s", what);
}

/* Copy a name, refusing (not truncating) one that does not fit. */
static bool
bl_px_copy(char *dst, size_t cap, const char *src, GError **error)
{
    size_t len = src != NULL ? strlen(src) : 0;

    if (len >= cap) {
        bl_px_fail(error, "name too long");
        return false;
    }
    memcpy(dst, src != NULL ? src : "", len);
    dst[len] = '\0';
    return true;
}

static void
bl_px_node(struct bl_px *px, const char **n, const char **v, GError **error)
{
    struct bl_pcmk_node node = {0};
    const char *health = bl_px_attr(n, v, "health");

    if (px->nodes->len >= BL_PCMK_NODES_MAX) {
        bl_px_fail(error, "too many nodes");
        return;
    }
    if (!bl_px_copy(node.name, sizeof(node.name), bl_px_attr(n, v, "name"), error)) {
        return;
    }
    if (node.name[0] == '\0') {
        bl_px_fail(error, "node without a name");
        return;
    }
    node.online = bl_px_bool(n, v, "online");
    node.standby = bl_px_bool(n, v, "standby");
    node.maintenance = bl_px_bool(n, v, "maintenance");
    node.unclean = bl_px_bool(n, v, "unclean");
    node.shutdown = bl_px_bool(n, v, "shutdown");
    node.pending = bl_px_bool(n, v, "pending");
    node.health_red = health != NULL && strcmp(health, "red") == 0;
    g_array_append_val(px->nodes, node);
}

static void
bl_px_row(struct bl_px *px, const char *node, GError **error)
{
    struct bl_pcmk_row row = px->cur;

    if (px->rows->len >= BL_PCMK_ROWS_MAX) {
        bl_px_fail(error, "too many resources");
        return;
    }
    if (bl_px_copy(row.node, sizeof(row.node), node, error)) {
        g_array_append_val(px->rows, row);
    }
}

static void
bl_px_resource(struct bl_px *px, const char **n, const char **v, GError **error)
{
    const char *role = bl_px_attr(n, v, "role");

    memset(&px->cur, 0, sizeof(px->cur));
    if (!bl_px_copy(px->cur.id, sizeof(px->cur.id), bl_px_attr(n, v, "id"), error) ||
        !bl_px_copy(px->cur.role, sizeof(px->cur.role), role, error)) {
        return;
    }
    if (px->cur.id[0] == '\0') {
        bl_px_fail(error, "resource without an id");
        return;
    }
    memcpy(px->cur.group, px->group, sizeof(px->group));
    memcpy(px->cur.clone, px->clone, sizeof(px->clone));
    px->cur.active = bl_px_bool(n, v, "active");
    px->cur.failed = bl_px_bool(n, v, "failed");
    px->in_rsc = true;
    px->rsc_depth = px->depth;
    px->rsc_nodes = 0;
}

/* <group>, <clone>, <bundle>: remember the enclosing collection of what follows. */
static void
bl_px_collection(struct bl_px *px, const char *element, const char **n, const char **v,
                 GError **error)
{
    bool group = strcmp(element, "group") == 0;
    char *dst = group ? px->group : px->clone;

    if (bl_px_copy(dst, BL_PCMK_NAME_MAX, bl_px_attr(n, v, "id"), error)) {
        *(group ? &px->group_depth : &px->clone_depth) = px->depth;
    }
}

static void
bl_px_in_resources(struct bl_px *px, const char *element, const char **n, const char **v,
                   GError **error)
{
    if (px->in_rsc) {
        if (strcmp(element, "node") == 0 && px->depth == px->rsc_depth + 1) {
            px->rsc_nodes++;
            bl_px_row(px, bl_px_attr(n, v, "name"), error);
        }
    } else if (strcmp(element, "resource") == 0) {
        bl_px_resource(px, n, v, error);
    } else if (strcmp(element, "group") == 0 || strcmp(element, "clone") == 0 ||
               strcmp(element, "bundle") == 0) {
        bl_px_collection(px, element, n, v, error);
    }
}

static void
bl_px_top(struct bl_px *px, const char *element, const char **n, const char **v, GError **error)
{
    const char *code;
    char *end = NULL;

    if (strcmp(element, "nodes") == 0 || strcmp(element, "resources") == 0) {
        px->section = element[0] == 'n' ? BL_PX_NODES : BL_PX_RESOURCES;
        px->section_depth = px->depth;
    } else if (strcmp(element, "status") == 0) {
        code = bl_px_attr(n, v, "code");
        px->have_code = code != NULL;
        px->code = code != NULL ? strtol(code, &end, 10) : -1;
        if (code == NULL || end == code || *end != '\0') {
            bl_px_fail(error, "bad status code");
        }
    }
}

static void
bl_px_start(GMarkupParseContext *ctx, const char *element, const char **n, const char **v,
            gpointer ud, GError **error)
{
    struct bl_px *px = ud;

    px->depth++;
    if (px->depth == 1) {
        px->root_seen = strcmp(element, "pacemaker-result") == 0;
        if (!px->root_seen) {
            bl_px_fail(error, "not a pacemaker-result document");
        }
    } else if (px->depth == 2) {
        bl_px_top(px, element, n, v, error);
    } else if (px->section == BL_PX_NODES && px->depth == 3 && strcmp(element, "node") == 0) {
        bl_px_node(px, n, v, error);
    } else if (px->section == BL_PX_RESOURCES) {
        bl_px_in_resources(px, element, n, v, error);
    }
}

static void
bl_px_end(GMarkupParseContext *ctx, const char *element, gpointer ud, GError **error)
{
    struct bl_px *px = ud;

    if (px->in_rsc && px->depth == px->rsc_depth) {
        px->in_rsc = false;
        if (px->rsc_nodes == 0) {
            bl_px_row(px, "", error); /* runs nowhere: still a member of its group */
        }
    }
    if (px->group_depth == px->depth) {
        px->group[0] = '\0';
        px->group_depth = 0;
    }
    if (px->clone_depth == px->depth) {
        px->clone[0] = '\0';
        px->clone_depth = 0;
    }
    if (px->section_depth == px->depth) {
        px->section = BL_PX_NONE;
        px->section_depth = 0;
    }
    px->depth--;
}

static const GMarkupParser bl_px_parser = {
    .start_element = bl_px_start,
    .end_element = bl_px_end,
};

void
bl_pcmk_status_clear(struct bl_pcmk_status *st)
{
    if (st == NULL) {
        return;
    }
    g_free(st->nodes);
    g_free(st->rows);
    memset(st, 0, sizeof(*st));
}

static int
bl_px_finish(struct bl_px *px, bool parsed, struct bl_pcmk_status *out)
{
    if (!parsed || !px->root_seen || !px->have_code || px->code != 0) {
        g_array_free(px->nodes, TRUE);
        g_array_free(px->rows, TRUE);
        return BL_E_PROTO;
    }
    out->n_nodes = px->nodes->len;
    out->nodes = (struct bl_pcmk_node *) (void *) g_array_free(px->nodes, FALSE);
    out->n_rows = px->rows->len;
    out->rows = (struct bl_pcmk_row *) (void *) g_array_free(px->rows, FALSE);
    return BL_OK;
}

int
bl_pcmk_status_parse(const char *xml, size_t len, struct bl_pcmk_status *out)
{
    struct bl_px px = {0};
    GMarkupParseContext *ctx;
    bool parsed;

    if (xml == NULL || out == NULL) {
        return BL_E_INVALID;
    }
    memset(out, 0, sizeof(*out));
    if (len > BL_PCMK_XML_MAX) {
        return BL_E_PROTO;
    }
    px.nodes = g_array_new(FALSE, TRUE, sizeof(struct bl_pcmk_node));
    px.rows = g_array_new(FALSE, TRUE, sizeof(struct bl_pcmk_row));
    ctx = g_markup_parse_context_new(&bl_px_parser, G_MARKUP_PREFIX_ERROR_POSITION, &px, NULL);
    parsed = g_markup_parse_context_parse(ctx, xml, (gssize) len, NULL) &&
             g_markup_parse_context_end_parse(ctx, NULL);
    g_markup_parse_context_free(ctx);
    return bl_px_finish(&px, parsed, out);
}

/* ---- where the target runs ---- */

static bool
bl_pcmk_is_member(const struct bl_pcmk_row *row, const char *target)
{
    return strcmp(row->id, target) == 0 || strcmp(row->group, target) == 0 ||
           strcmp(row->clone, target) == 0;
}

static bool
bl_pcmk_role_started(const char *role)
{
    static const char *const started[] = {"Started", "Promoted", "Unpromoted", "Master", "Slave"};

    for (size_t i = 0; i < G_N_ELEMENTS(started); i++) {
        if (strcmp(role, started[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* Whether member \p id is started, healthy, on \p node. */
static bool
bl_pcmk_started_on(const struct bl_pcmk_status *st, const char *target, const char *id,
                   const char *node)
{
    for (size_t i = 0; i < st->n_rows; i++) {
        const struct bl_pcmk_row *r = &st->rows[i];

        if (bl_pcmk_is_member(r, target) && strcmp(r->id, id) == 0 && strcmp(r->node, node) == 0 &&
            r->active && !r->failed && bl_pcmk_role_started(r->role)) {
            return true;
        }
    }
    return false;
}

/* Every member of the target started on \p node. */
static bool
bl_pcmk_all_started_on(const struct bl_pcmk_status *st, const char *target, const char *node)
{
    bool any = false;

    for (size_t i = 0; i < st->n_rows; i++) {
        const struct bl_pcmk_row *r = &st->rows[i];

        if (!bl_pcmk_is_member(r, target)) {
            continue;
        }
        any = true;
        if (!bl_pcmk_started_on(st, target, r->id, node)) {
            return false;
        }
    }
    return any;
}

static bool
bl_pcmk_node_eligible(const struct bl_pcmk_node *n)
{
    return n->online && !n->standby && !n->maintenance && !n->unclean && !n->shutdown &&
           !n->pending && !n->health_red;
}

void
bl_pcmk_locate(const struct bl_pcmk_status *st, const char *target, const char *node,
               struct bl_rec_observation *obs)
{
    memset(obs, 0, sizeof(*obs));
    for (size_t i = 0; i < st->n_rows; i++) {
        const struct bl_pcmk_row *r = &st->rows[i];

        if (bl_pcmk_is_member(r, target)) {
            obs->known = true;
            obs->active_here |= r->active && strcmp(r->node, node) == 0;
        }
    }
    for (size_t i = 0; i < st->n_nodes; i++) {
        const struct bl_pcmk_node *n = &st->nodes[i];

        if (strcmp(n->name, node) == 0) {
            continue;
        }
        obs->eligible += bl_pcmk_node_eligible(n) ? 1 : 0;
        if (!obs->started_elsewhere && bl_pcmk_all_started_on(st, target, n->name)) {
            obs->started_elsewhere = true;
            memcpy(obs->where, n->name, sizeof(obs->where));
        }
    }
}

/* "Node N last fenced at: Www Mmm dd hh:mm:ss yyyy" (ctime, UTC) or "Node N has never been
 * fenced": one line, about the node asked, nothing else trusted. */
int
bl_pcmk_last_fenced_parse(const char *text, size_t len, const char *node, int64_t *when)
{
    char buf[BL_PCMK_FENCED_MAX + 1];
    struct tm tm = {0};
    const char *rest;
    const char *end;

    if (text == NULL || node == NULL || when == NULL) {
        return BL_E_INVALID;
    }
    if (len > BL_PCMK_FENCED_MAX || memchr(text, '\0', len) != NULL) {
        return BL_E_PROTO;
    }
    memcpy(buf, text, len);
    buf[len] = '\0';
    g_strchomp(buf);
    size_t n = strlen(node);
    if (strncmp(buf, "Node ", 5) != 0 || strncmp(buf + 5, node, n) != 0 ||
        strchr(buf, '\n') != NULL) {
        return BL_E_PROTO;
    }
    rest = buf + 5 + n;
    if (strcmp(rest, " has never been fenced") == 0) {
        *when = 0;
        return BL_OK;
    }
    if (g_str_has_prefix(rest, " last fenced at: ") == false) {
        return BL_E_PROTO;
    }
    end = strptime(rest + strlen(" last fenced at: "), "%a %b %e %H:%M:%S %Y", &tm);
    if (end == NULL || *end != '\0' || tm.tm_year < 70) {
        return BL_E_PROTO;
    }
    *when = (int64_t) timegm(&tm);
    return *when > 0 ? BL_OK : BL_E_PROTO;
}
