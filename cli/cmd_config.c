/*
 * bmclink config check [FILE] [--node NAME]
 *
 * Checks bmclink.conf (default /etc/bmclink/bmclink.conf) as bmclinkd would load it: the
 * BMC side (bl_bmc_config_load) and every node's trap settings (bl_trap_config_check), and
 * with --node that node's own. Errors name file and line; secrets are never printed.
 */
#include "bl_result.h"
#include "bl_trap_config.h"
#include "commands.h"
#include "recovery_config.h"

#include <getopt.h>
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
    struct bl_trap_node_config tcfg;
    char err[512] = "";
    int rc = bl_bmc_config_load(path, &cfg, err, sizeof(err));

    if (rc == 0) {
        printf("%s: %zu BMCs, recovery action %s%s%s\n", path, cfg->n_nodes,
               bl_rec_kind_name(cfg->rec.set.kind), cfg->rec.target[0] != '\0' ? ", target " : "",
               cfg->rec.target);
        bl_bmc_config_free(cfg);
        rc = bl_trap_config_check(path, err, sizeof(err));
    }
    if (rc == 0 && node != NULL) {
        rc = bl_trap_config_load(path, node, &tcfg, err, sizeof(err));
        explicit_bzero(&tcfg, sizeof(tcfg));
    }
    if (rc != 0) {
        fprintf(stderr, "bmclink config: %s\n", err[0] != '\0' ? err : bl_strerror(rc));
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
