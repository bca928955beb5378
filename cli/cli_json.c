/*
 * --json through json-glib (cli_json.h). The daemon's status travels as key/value text
 * (bmc_status.h, so an older command still reads a newer daemon); the typing is done here.
 */
#include "cli_json.h"

#include <stdio.h>
#include <string.h>

JsonNode *
bl_cli_json_typed(const char *text)
{
    JsonNode *n = json_node_new(JSON_NODE_VALUE);
    gint64 v = 0;
    const char *digits = text[0] == '-' ? text + 1 : text;
    bool plain = digits[0] != '\0' && (digits[0] != '0' || digits[1] == '\0') &&
                 strspn(digits, "0123456789") == strlen(digits);

    if (strcmp(text, "yes") == 0 || strcmp(text, "no") == 0) {
        json_node_set_boolean(n, strcmp(text, "yes") == 0);
    } else if (plain && g_ascii_string_to_signed(text, 10, G_MININT64, G_MAXINT64, &v, NULL)) {
        json_node_set_int(n, v);
    } else {
        json_node_set_string(n, text);
    }
    return n;
}

/* The object member name of obj, made an object if it is not one (a value it held becomes
 * its "total"). \return borrowed */
static JsonObject *
child_object(JsonObject *obj, const char *name)
{
    JsonNode *old = json_object_get_member(obj, name);
    JsonObject *child;

    if (old != NULL && JSON_NODE_HOLDS_OBJECT(old)) {
        return json_node_get_object(old);
    }
    child = json_object_new();
    if (old != NULL) {
        json_object_set_member(child, "total", json_node_copy(old));
    }
    json_object_set_object_member(obj, name, child); /* takes child */
    return child;
}

static void
set_path(JsonObject *root, const char *key, const char *value)
{
    g_auto(GStrv) parts = g_strsplit(key, ".", -1);
    JsonObject *obj = root;
    guint n = g_strv_length(parts);

    if (n == 0) {
        return;
    }
    for (guint i = 0; i + 1 < n; i++) {
        obj = child_object(obj, parts[i]);
    }
    JsonNode *old = json_object_get_member(obj, parts[n - 1]);
    if (old != NULL && JSON_NODE_HOLDS_OBJECT(old)) {
        json_object_set_member(json_node_get_object(old), "total", bl_cli_json_typed(value));
    } else {
        json_object_set_member(obj, parts[n - 1], bl_cli_json_typed(value));
    }
}

JsonNode *
bl_cli_json_from_status(const struct bl_status *st)
{
    JsonObject *root = json_object_new();
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);

    for (size_t i = 0; i < bl_status_count(st); i++) {
        const struct bl_status_item *it = bl_status_item(st, i);
        set_path(root, it->key, it->value);
    }
    json_node_take_object(node, root);
    return node;
}

int
bl_cli_json_print(JsonNode *root)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autofree char *text = NULL;

    if (root == NULL) {
        return 0;
    }
    json_generator_set_pretty(gen, TRUE);
    json_generator_set_indent(gen, 2);
    json_generator_set_root(gen, root);
    text = json_generator_to_data(gen, NULL);
    json_node_unref(root);
    return printf("%s\n", text) < 0 || fflush(stdout) != 0 ? 1 : 0;
}
