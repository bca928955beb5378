/*
 * ocf:bmclink:servicechain - an ordered chain of services with state on a shared volume.
 * Glue only: logging, the environment, one action; resource/chain/chain_agent.c does the work.
 */
#include "bl_log.h"
#include "chain_agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static void
usage(FILE *out, const char *prog)
{
    fprintf(out,
            "usage: %s {start|stop|monitor|validate-all|reload-agent|meta-data}\n"
            "OCF resource agent; Pacemaker passes the parameters as OCF_RESKEY_*.\n",
            prog);
}

int
main(int argc, char **argv)
{
    struct bl_agent agent;
    const char *action = argc > 1 ? argv[1] : NULL;
    int rc;

    if (action == NULL || strcmp(action, "usage") == 0 || strcmp(action, "help") == 0) {
        usage(action == NULL ? stderr : stdout, argv[0]);
        if (action == NULL) {
            fputs("ocf-exit-reason:no action given (start, stop, monitor, ...)\n", stderr);
        }
        return action == NULL ? BL_OCF_ERR_ARGS : BL_OCF_SUCCESS;
    }
    if (strcmp(action, "meta-data") == 0) {
        bl_chain_agent_meta_data(stdout);
        return BL_OCF_SUCCESS;
    }
    bl_log_init("servicechain", BL_LOG_STDERR | BL_LOG_SYSLOG,
                getenv("HA_debug") != NULL && strcmp(getenv("HA_debug"), "1") == 0 ? LOG_DEBUG
                                                                                   : LOG_INFO);
    /* as ocf-shellfuncs' ha_log does: the facility Pacemaker was given (PCMK_logfacility) */
    bl_log_set_facility(getenv("HA_LOGFACILITY"));
    bl_chain_agent_from_env(&agent);
    rc = bl_chain_agent_run(&agent, action);
    bl_chain_agent_print_exit_reason(&agent, stderr);
    if (rc == BL_OCF_ERR_UNIMPLEMENTED) {
        usage(stderr, argv[0]);
    }
    bl_chain_agent_clear(&agent);
    bl_log_fini();
    return rc;
}
