/*
 * The difference between two .reg texts, limited to a profile's subtrees: what a capture
 * writes into the registry (chain_reg.h, bl_chain_reg_diff()). Pure: no files, no registry.
 */
#include "chain_reg.h"

#include "bl_result.h"
#include "reg_text.h"

#include <string.h>

/* A registry state as a .reg text describes it. */
struct model {
    GHashTable *keys;   /* path -> NULL */
    GHashTable *values; /* "path\nname" -> struct bl_reg_value * */
};

static void
value_free(gpointer p)
{
    bl_reg_value_clear(p);
    g_free(p);
}

static void
model_init(struct model *m)
{
    m->keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    m->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, value_free);
}

static void
model_clear(struct model *m)
{
    g_hash_table_destroy(m->keys);
    g_hash_table_destroy(m->values);
}

static char *
value_id(const char *path, const char *name)
{
    return g_strconcat(path, "\n", name != NULL ? name : "", NULL);
}

static gboolean
under_removed(gpointer key, gpointer value, gpointer data)
{
    const char *id = key;
    const char *prefix = data;
    g_autofree char *path = g_strndup(id, strcspn(id, "\n"));

    (void) value;
    return bl_reg_path_under(path, prefix);
}

static void
model_apply(struct model *m, const struct bl_reg_op *op)
{
    struct bl_reg_value *v;

    switch (op->kind) {
        case BL_REG_OP_CREATE_KEY:
            g_hash_table_replace(m->keys, g_strdup(op->path), NULL);
            break;
        case BL_REG_OP_DELETE_KEY:
            g_hash_table_foreach_remove(m->keys, under_removed, op->path);
            g_hash_table_foreach_remove(m->values, under_removed, op->path);
            break;
        case BL_REG_OP_SET:
            v = g_new0(struct bl_reg_value, 1);
            bl_reg_value_set(v, op->value.type, op->value.data, op->value.len);
            g_hash_table_replace(m->keys, g_strdup(op->path), NULL);
            g_hash_table_replace(m->values, value_id(op->path, op->name), v);
            break;
        case BL_REG_OP_DELETE_VALUE: {
            g_autofree char *id = value_id(op->path, op->name);
            g_hash_table_remove(m->values, id);
            break;
        }
    }
}

static int
model_load(struct model *m, const GString *text, const char *what, char **errmsg)
{
    struct bl_reg_ops ops = {0};
    g_autofree char *err = NULL;
    int rc = bl_reg_text_parse((const uint8_t *) text->str, text->len, 0, &ops, &err);

    if (rc != 0) {
        *errmsg = g_strdup_printf("%s: %s", what, err != NULL ? err : bl_strerror(rc));
    }
    for (size_t i = 0; rc == 0 && i < ops.n; i++) {
        model_apply(m, &ops.v[i]);
    }
    bl_reg_ops_clear(&ops);
    return rc;
}

static bool
same_value(const struct bl_reg_value *a, const struct bl_reg_value *b)
{
    return a->type == b->type && a->len == b->len &&
           (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static int
cmp_strp(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* Sorted keys of a hash table, NULL-terminated; g_free() the array only. */
static const char **
sorted_keys(GHashTable *t)
{
    guint n = 0;
    const char **keys = (const char **) g_hash_table_get_keys_as_array(t, &n);

    qsort(keys, n, sizeof(*keys), cmp_strp);
    return keys;
}

static bool
covered(const struct bl_reg_profile *p, const char *path, size_t *skipped)
{
    if (bl_reg_profile_covers(p, path)) {
        return true;
    }
    if (skipped != NULL) {
        (*skipped)++;
    }
    return false;
}

/* Keys gone (the topmost of each gone subtree only), then keys new. */
static void
diff_keys(const struct bl_reg_profile *p, const struct model *base, const struct model *now,
          struct bl_reg_ops *ops, size_t *skipped)
{
    g_autofree const char **bk = sorted_keys(base->keys);
    g_autofree const char **nk = sorted_keys(now->keys);
    const char *last_gone = NULL;

    for (size_t i = 0; bk[i] != NULL; i++) {
        if (g_hash_table_contains(now->keys, bk[i]) ||
            (last_gone != NULL && bl_reg_path_under(bk[i], last_gone))) {
            continue;
        }
        if (covered(p, bk[i], skipped)) {
            bl_reg_ops_add(ops, BL_REG_OP_DELETE_KEY, bk[i], NULL, NULL);
            last_gone = bk[i];
        }
    }
    for (size_t i = 0; nk[i] != NULL; i++) {
        if (!g_hash_table_contains(base->keys, nk[i]) && covered(p, nk[i], skipped)) {
            bl_reg_ops_add(ops, BL_REG_OP_CREATE_KEY, nk[i], NULL, NULL);
        }
    }
}

/* Values set or changed, then values gone from keys that stay. */
static void
diff_values(const struct bl_reg_profile *p, const struct model *base, const struct model *now,
            struct bl_reg_ops *ops, size_t *skipped)
{
    guint n = 0;
    g_autofree const char **nv = (const char **) g_hash_table_get_keys_as_array(now->values, &n);
    g_autofree const char **bv = NULL;

    qsort(nv, n, sizeof(*nv), cmp_strp);
    for (guint i = 0; i < n; i++) {
        const struct bl_reg_value *was = g_hash_table_lookup(base->values, nv[i]);
        const struct bl_reg_value *is = g_hash_table_lookup(now->values, nv[i]);
        g_autofree char *path = g_strndup(nv[i], strcspn(nv[i], "\n"));
        if ((was == NULL || !same_value(was, is)) && covered(p, path, skipped)) {
            bl_reg_ops_add(ops, BL_REG_OP_SET, path, nv[i] + strlen(path) + 1, is);
        }
    }
    bv = (const char **) g_hash_table_get_keys_as_array(base->values, &n);
    qsort(bv, n, sizeof(*bv), cmp_strp);
    for (guint i = 0; i < n; i++) {
        g_autofree char *path = g_strndup(bv[i], strcspn(bv[i], "\n"));
        if (!g_hash_table_contains(now->values, bv[i]) && g_hash_table_contains(now->keys, path) &&
            covered(p, path, skipped)) {
            bl_reg_ops_add(ops, BL_REG_OP_DELETE_VALUE, path, bv[i] + strlen(path) + 1, NULL);
        }
    }
}

int
bl_chain_reg_diff(const struct bl_reg_profile *profile, const GString *base, const GString *now,
                  struct bl_reg_ops *ops, size_t *skipped, char **errmsg)
{
    struct model b, n;
    int rc;

    if (skipped != NULL) {
        *skipped = 0;
    }
    model_init(&b);
    model_init(&n);
    rc = model_load(&b, base, "the rendered base", errmsg);
    rc = rc != 0 ? rc : model_load(&n, now, "the changed file", errmsg);
    if (rc == 0) {
        diff_keys(profile, &b, &n, ops, skipped);
        diff_values(profile, &b, &n, ops, skipped);
    }
    model_clear(&b);
    model_clear(&n);
    return rc;
}

/* Keys and values of m at or below root. */
static size_t
count_under(const struct model *m, const char *root, bool *has_root)
{
    GHashTableIter it;
    gpointer key;
    size_t n = 0;

    *has_root = g_hash_table_contains(m->keys, root);
    g_hash_table_iter_init(&it, m->keys);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        n += bl_reg_path_under(key, root);
    }
    g_hash_table_iter_init(&it, m->values);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        g_autofree char *path = g_strndup(key, strcspn(key, "\n"));
        n += bl_reg_path_under(path, root);
    }
    return n;
}

/* The first profile root base has and now lost (nothing of it left), or has empty (its
 * header only) while base had content there; NULL when none. */
static char *
root_cut_short(const struct bl_reg_profile *p, const struct model *base, const struct model *now)
{
    char **lists[] = {p->keys, p->optional};

    for (size_t l = 0; l < G_N_ELEMENTS(lists); l++) {
        for (char **k = lists[l]; k != NULL && *k != NULL; k++) {
            bool in_base, in_now;
            size_t was = count_under(base, *k, &in_base);
            size_t is = count_under(now, *k, &in_now);
            if (was > 0 && is == 0) {
                return g_strdup_printf("lost the profile's subtree %s", *k);
            }
            if (in_now && is == 1 && was > 1) {
                return g_strdup_printf("has the profile's subtree %s empty (its header only)", *k);
            }
        }
    }
    return NULL;
}

/* Length of s without its trailing blanks and line ends. */
static size_t
trimmed_len(const GString *s)
{
    size_t n = s->len;

    while (n > 0 && strchr(" \t\r\n", s->str[n - 1]) != NULL && s->str[n - 1] != '\0') {
        n--;
    }
    return n;
}

char *
bl_chain_reg_cut_short(const struct bl_reg_profile *profile, const GString *base,
                       const GString *now)
{
    struct model b, n;
    g_autofree char *err = NULL;
    size_t blen = trimmed_len(base);
    size_t nlen = trimmed_len(now);
    char *why = NULL;

    model_init(&b);
    model_init(&n);
    if (model_load(&b, base, "base", &err) == 0 && model_load(&n, now, "now", &err) == 0) {
        why = root_cut_short(profile, &b, &n);
    }
    model_clear(&b);
    model_clear(&n);
    if (why == NULL && nlen < blen && memcmp(now->str, base->str, nlen) == 0) {
        why = g_strdup("is the beginning of the text last rendered or captured, the rest "
                       "missing");
    }
    return why;
}
