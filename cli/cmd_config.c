/*
 * bmclink config check [FILE] [--node NAME] [--json]
 *
 * Checks bmclink.conf (default /etc/bmclink/bmclink.conf) as bmclinkd would load it: the
 * BMC side and every node's trap settings, and with --node that node's own
 * (bl_bmclink_conf_check). Every problem is printed, one per line, naming file and line;
 * secrets never are.
 */
#include "bl_result.h"
#include "cli_json.h"
#include "commands.h"
#include "recovery_config.h"

#include <glib.h>
#include <string.h>

#define DEFAULT_FILE "/etc/bmclink/bmclink.conf"

static void
json_report(const char *path, const struct bl_bmc_config *cfg, char **errors)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "file");
    json_builder_add_string_value(b, path);
    json_builder_set_member_name(b, "valid");
    json_builder_add_boolean_value(b, errors == NULL);
    if (cfg != NULL) {
        json_builder_set_member_name(b, "bmcs");
        json_builder_add_int_value(b, (gint64) cfg->n_nodes);
        json_builder_set_member_name(b, "recovery");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "action");
        json_builder_add_string_value(b, bl_rec_kind_name(cfg->rec.set.kind));
        json_builder_set_member_name(b, "target");
        json_builder_add_string_value(b, cfg->rec.target);
        json_builder_end_object(b);
    }
    json_builder_set_member_name(b, "errors");
    json_builder_begin_array(b);
    for (size_t i = 0; errors != NULL && errors[i] != NULL; i++) {
        json_builder_add_string_value(b, errors[i]);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    bl_cli_json_print(json_builder_get_root(b));
}

/* Every problem the engine found (it reads the whole file; bl_conf.h), one a line. */
static int
check(const char *path, const char *node, bool json)
{
    struct bl_bmc_config *cfg = NULL;
    g_autofree char *err = NULL;
    int rc = bl_bmclink_conf_check(path, node, &cfg, &err);
    g_auto(GStrv) lines =
        rc != 0 ? g_strsplit(err != NULL ? err : bl_strerror(rc), "\n", -1) : NULL;

    if (json) {
        json_report(path, cfg, lines);
    } else if (cfg != NULL) {
        printf("%s: %zu BMCs, recovery action %s%s%s\n", path, cfg->n_nodes,
               bl_rec_kind_name(cfg->rec.set.kind), cfg->rec.target[0] != '\0' ? ", target " : "",
               cfg->rec.target);
    }
    bl_bmc_config_free(cfg);
    for (size_t i = 0; !json && lines != NULL && lines[i] != NULL; i++) {
        fprintf(stderr, "bmclink config: %s\n", lines[i]);
    }
    if (!json && rc == 0) {
        printf("%s: OK\n", path);
    }
    return rc != 0 ? BL_CLI_EXIT_FAILED : BL_CLI_EXIT_OK;
}

int
bl_cmd_config(int argc, char **argv)
{
    static const struct bl_cli_sub subs[] = {
        {"check", "[FILE]", 0, 1, "node json",
         "check bmclink.conf (default " DEFAULT_FILE "), the file bmclinkd's BMC side reads: "
         "[bmc] [bmc-node] [heartbeat] [health] [recovery], the trap groups of every node, and "
         "with --node that node's trap intake; every error, naming file and line"},
        {NULL, NULL, 0, 0, NULL, NULL},
    };
    g_autofree char *node = NULL;
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        {"node", 'n', 0, G_OPTION_ARG_STRING, &node, "check: that node's trap intake too", "NAME"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json, "check: the result as JSON", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    const struct bl_cli_spec spec = {
        "bmclink config", "bmclink.conf, the BMC side's file.", entries, NULL, subs, NULL};
    struct bl_cli_args a;
    int rc = bl_cli_parse(&spec, argc, argv, &a);

    if (rc != 0) {
        return rc == BL_CLI_DONE ? BL_CLI_EXIT_OK : rc;
    }
    rc = check(a.n_words > 0 ? a.words[0] : DEFAULT_FILE, node, json);
    bl_cli_args_clear(&a);
    return rc;
}
