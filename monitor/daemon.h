/*
 * bmclinkd, the node daemon: one GLib main loop, a list of modules started in order and
 * stopped in reverse. main.c only parses options, loads the configuration, handles signals
 * and runs the modules; each module owns one job and talks to one outside system through
 * its own file (cpg.c: Corosync, ipc.c: the control socket, ...).
 *
 * Adding a module (SNMP traps, IPMI heartbeat ...):
 *   1. write monitor/<name>.c with `int bld_<name>_start(struct bld *d)` and
 *      `void bld_<name>_stop(struct bld *d)` (stop must accept a module that never started),
 *      keeping its state in a field of struct bld below;
 *   2. add its options table to config.c (see config.h) and its row to the module list in
 *      main.c;
 *   3. to answer the CLI, register an id range with bld_ipc_register() on d->ipc (the
 *      registry uses 1..100; take the next free hundred).
 */
#ifndef BLD_DAEMON_H
#define BLD_DAEMON_H

#include <glib.h>
#include <stdbool.h>

#include "config.h"
#include "ipc.h"

struct bld_reg;

struct bld {
    GMainLoop *loop;
    struct bld_config *cfg;
    const char *config_path;
    bool reset_store;    /* --reset-store: set a corrupt registry store aside and start empty */
    int exit_code;       /* what main returns once the loop ends */
    struct bld_ipc *ipc; /* the control socket, shared by every module */
    struct bld_reg *reg; /* the synchronized registry */
};

struct bld_module {
    const char *name;
    /* 0 or an error the module has logged with its context; the daemon then stops. */
    int (*start)(struct bld *d);
    void (*stop)(struct bld *d);
};

/** End the main loop; main returns exit_code. */
void bld_quit(struct bld *d, int exit_code);

/* The control socket as a module. */
int bld_ipc_module_start(struct bld *d);
void bld_ipc_module_stop(struct bld *d);

/* The registry (reg_service.c). */
int bld_reg_start(struct bld *d);
void bld_reg_stop(struct bld *d);

#endif
