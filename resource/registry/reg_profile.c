#include "reg_profile.h"

#include <errno.h>
#include <glib.h>

#include "bl_conf.h"
#include "bl_result.h"
#include "registry.h"

G_STATIC_ASSERT(sizeof(unsigned) == sizeof(uint32_t)); /* sync_timeout is a BL_CONF_SECONDS */

/* A ';'-separated list of key paths into a NULL-terminated vector of canonical ones; empty
 * items (a trailing ';', "optional-keys =") are skipped. */
static int
parse_keys(const struct bl_conf_key *k, const char *text, void *base)
{
    g_auto(GStrv) raw = g_strsplit(text, ";", -1);
    g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
    char ***out = (char ***) ((char *) base + k->offset);

    for (gsize i = 0; raw[i] != NULL; i++) {
        char *canon = NULL;

        if (g_strstrip(raw[i])[0] == '\0') {
            continue;
        }
        if (bl_reg_path_normalize(raw[i], &canon) != 0 || canon[0] == '\0') {
            g_free(canon);
            return BL_E_INVALID;
        }
        g_ptr_array_add(keys, canon);
    }
    if (keys->len == 0 && (k->flags & BL_CONF_REQUIRED) != 0) {
        return BL_E_INVALID;
    }
    g_ptr_array_add(keys, NULL);
    g_strfreev(*out);
    *out = (char **) g_ptr_array_free(g_steal_pointer(&keys), FALSE);
    return 0;
}

#define P(f) offsetof(struct bl_reg_profile, f)
#define KEY_PATHS "key paths as in a .reg export (SOFTWARE\\NEC\\ESMSM), ';' between"

static const struct bl_conf_key profile_keys[] = {
    {"profile", "name", BL_CONF_STRDUP, NULL, 0, 0, NULL, NULL, P(name), 0, "the profile's name"},
    {"profile", "description", BL_CONF_STRDUP, NULL, 0, 0, NULL, NULL, P(description), 0,
     "what the keys configure"},
    {"profile", "keys", BL_CONF_CUSTOM, NULL, 0, 0, "at least one of the " KEY_PATHS, parse_keys,
     P(keys), BL_CONF_RAW | BL_CONF_REQUIRED, "the subtrees the resource needs"},
    {"profile", "optional-keys", BL_CONF_CUSTOM, "", 0, 0, KEY_PATHS, parse_keys, P(optional),
     BL_CONF_RAW, "subtrees present only on some installations"},
    {"profile", "sync-timeout", BL_CONF_SECONDS, "60", 1, 86400, NULL, NULL, P(sync_timeout), 0,
     "how long to wait for this node's replica to be in sync"},
    {NULL, NULL, 0, NULL, 0, 0, NULL, NULL, 0, 0, NULL},
};

int
bl_reg_profile_load(const char *path, struct bl_reg_profile **out, char **errmsg)
{
    const struct bl_conf_key *const tables[] = {profile_keys};
    struct bl_reg_profile *p;
    struct bl_conf *f = NULL;
    int rc = bl_conf_open(path, &f, errmsg);

    *out = NULL;
    if (rc != 0) {
        return rc == -ENOENT ? rc : BL_E_INVALID;
    }
    p = g_new0(struct bl_reg_profile, 1);
    (void) bl_conf_check_groups(f, tables, 1, true);
    (void) bl_conf_defaults(profile_keys, "profile", p);
    (void) bl_conf_apply(f, "profile", profile_keys, (const char *const[]){"profile", NULL}, p);
    (void) bl_conf_required(f, "profile", profile_keys, "profile");
    rc = bl_conf_result(f, errmsg);
    bl_conf_close(f);
    if (rc != 0) {
        bl_reg_profile_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

void
bl_reg_profile_free(struct bl_reg_profile *p)
{
    if (p != NULL) {
        g_free(p->name);
        g_free(p->description);
        g_strfreev(p->keys);
        g_strfreev(p->optional);
        g_free(p);
    }
}

bool
bl_reg_profile_covers(const struct bl_reg_profile *p, const char *path)
{
    for (char **k = p->keys; k != NULL && *k != NULL; k++) {
        if (bl_reg_path_under(path, *k)) {
            return true;
        }
    }
    for (char **k = p->optional; k != NULL && *k != NULL; k++) {
        if (bl_reg_path_under(path, *k)) {
            return true;
        }
    }
    return false;
}
