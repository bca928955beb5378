/*
 * bmclink config check [FILE] [--node NAME]
 *
 * Checks bmclink.conf (default /etc/bmclink/bmclink.conf) as bmclinkd would load it: the
 * BMC side and every node's trap settings, and with --node that node's own
 * (bl_bmclink_conf_check). Every problem is printed, one per line, naming file and line;
 * secrets never are.
 */
#include "bl_result.h"
#include "commands.h"
#include "recovery_config.h"

#include <getopt.h>
#include <glib.h>
#include <string.h>

#define DEFAULT_FILE "/etc/bmclink/bmclink.conf"

void
bl_cmd_config_usage(FILE *out)
{
    fputs("usage: bmclink config check [FILE] [--node NAME]\n\n"
          "Check bmclink.conf (default " DEFAULT_FILE "), the file bmclinkd's BMC side\n"
          "reads: [bmc] [bmc-node] [heartbeat] [health] [recovery], the trap groups of every\n"
          "node, and with --node that node's trap intake. Errors name file and line.\n",
          out);
}

static int
check(const char *path, const char *node)
{
    struct bl_bmc_config *cfg = NULL;
    g_autofree char *err = NULL;
    int rc = bl_bmclink_conf_check(path, node, &cfg, &err);

    if (cfg != NULL) {
        printf("%s: %zu BMCs, recovery action %s%s%s\n", path, cfg->n_nodes,
               bl_rec_kind_name(cfg->rec.set.kind), cfg->rec.target[0] != '\0' ? ", target " : "",
               cfg->rec.target);
        bl_bmc_config_free(cfg);
    }
    if (rc != 0) {
        g_auto(GStrv) lines = g_strsplit(err != NULL ? err : bl_strerror(rc), "\n", -1);

        for (size_t i = 0; lines[i] != NULL; i++) {
            fprintf(stderr, "bmclink config: %s\n", lines[i]);
        }
        return BL_CLI_FAILED;
    }
    printf("%s: OK\n", path);
    return BL_CLI_OK;
}

int
bl_cmd_config(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"node", required_argument, NULL, 'n'},
        {NULL, 0, NULL, 0},
    };
    const char *node = NULL;
    int opt;

    while ((opt = getopt_long(argc, argv, "n:", longopts, NULL)) != -1) {
        if (opt != 'n') {
            bl_cmd_config_usage(stderr);
            return BL_CLI_USAGE;
        }
        node = optarg;
    }
    if (optind >= argc || strcmp(argv[optind], "check") != 0 || argc - optind > 2) {
        bl_cmd_config_usage(stderr);
        return BL_CLI_USAGE;
    }
    return check(optind + 1 < argc ? argv[optind + 1] : DEFAULT_FILE, node);
}
