#include "reg_profile.h"

#include <errno.h>
#include <glib.h>

#include "bl_result.h"
#include "registry.h"

static int
load_keys(GKeyFile *kf, const char *path, const char *key, bool required, char ***out, char **err)
{
    /* The raw value: GKeyFile's string lists treat '\' as an escape ("\N" is invalid), and
     * registry paths are written with backslashes as in a .reg export. */
    g_autofree char *value = g_key_file_get_value(kf, "profile", key, NULL);
    g_auto(GStrv) raw = value != NULL ? g_strsplit(value, ";", -1) : NULL;
    gsize n = raw != NULL ? g_strv_length(raw) : 0;
    GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);

    if (raw == NULL && required) {
        *err = g_strdup_printf("%s: [profile] has no '%s' list", path, key);
        g_ptr_array_free(keys, TRUE);
        return BL_E_INVALID;
    }
    for (gsize i = 0; i < n; i++) {
        char *canon = NULL;
        if (g_strstrip(raw[i])[0] == '\0') {
            continue; /* "optional-keys =" and a trailing ';' */
        }
        int rc = bl_reg_path_normalize(g_strstrip(raw[i]), &canon);
        if (rc != 0 || canon[0] == '\0') {
            *err = g_strdup_printf("%s: %s: '%s' is not a key path", path, key, raw[i]);
            g_free(canon);
            g_ptr_array_free(keys, TRUE);
            return BL_E_INVALID;
        }
        g_ptr_array_add(keys, canon);
    }
    if (required && keys->len == 0) {
        *err = g_strdup_printf("%s: [profile] '%s' lists no key", path, key);
        g_ptr_array_free(keys, TRUE);
        return BL_E_INVALID;
    }
    g_ptr_array_add(keys, NULL);
    *out = (char **) g_ptr_array_free(keys, FALSE);
    return 0;
}

int
bl_reg_profile_load(const char *path, struct bl_reg_profile **out, char **err)
{
    GKeyFile *kf = g_key_file_new();
    GError *gerr = NULL;
    struct bl_reg_profile *p = g_new0(struct bl_reg_profile, 1);
    int rc = 0;

    *out = NULL;
    *err = NULL;
    if (g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &gerr) == FALSE) {
        rc = g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? -ENOENT : BL_E_INVALID;
        *err = g_strdup_printf("%s: %s", path, gerr->message);
        g_error_free(gerr);
    }
    if (rc == 0) {
        p->name = g_key_file_get_string(kf, "profile", "name", NULL);
        p->description = g_key_file_get_string(kf, "profile", "description", NULL);
        gint64 t = g_key_file_get_int64(kf, "profile", "sync-timeout", &gerr);
        p->sync_timeout = gerr == NULL && t > 0 && t <= 86400 ? (unsigned) t : 60;
        g_clear_error(&gerr);
        rc = load_keys(kf, path, "keys", true, &p->keys, err)
                 ?: load_keys(kf, path, "optional-keys", false, &p->optional, err);
    }
    g_key_file_free(kf);
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
