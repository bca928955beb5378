/*
 * bmclinkd, the node daemon: a GLib main loop, a list of modules started in order and
 * stopped in reverse. main.c only parses options, loads the configuration, handles signals
 * and runs the modules; each module owns one job and talks to one outside system through
 * its own file (cpg.c: Corosync, ipc.c: the control socket, ...).
 *
 * Adding a module (SNMP traps, IPMI heartbeat ...):
 *   1. write monitor/daemon/<name>.c with `int bld_<name>_start(struct bld *d)` and
 *      `void bld_<name>_stop(struct bld *d)` (stop must accept a module that never started),
 *      keeping its state in a field of struct bld below;
 *   2. add its options table to config.c (see config.h) and its row to the module list in
 *      main.c;
 *   3. to answer the CLI, register an id range with bld_ipc_register() on d->ipc (the
 *      registry uses 1..100, the BMC module 101..200; take the next free hundred).
 *
 * Folder monitor/daemon (the program bmclinkd), contract: this header. config.h, ipc.h, cpg.h,
 * reg_service.h, loop_thread.h and bmc_service_int.h are private to the folder; a module's
 * logic lives in a library of its own room (monitor/bmc, resource/registry ...) and the
 * module file here is only its glue.
 * Threads (docs/architecture.md, "Threads in bmclinkd"): the main loop (the default context)
 * runs the control socket, the registry and every Corosync call, which may block (a commit's
 * fsync, a Corosync call without time-out); the BMC module runs the whole BMC side on a
 * thread of its own with its own context (loop_thread.h), so nothing the main loop waits
 * for can delay a BMC notice. Everything in struct bld belongs to the main thread: the BMC
 * module copies what its thread needs before starting it, and reaches the rest by posted
 * calls.
 */
#ifndef BLD_DAEMON_H
#define BLD_DAEMON_H

#include <glib.h>
#include <stdbool.h>

#include "config.h"
#include "ipc.h"

struct bld_reg;
struct bld_bmc;
struct bl_status;

/*
 * The Corosync CPG membership, as the registry's link last saw it, for any module that
 * follows the registry's group. reg_service.c writes it and calls bld->view_changed after
 * each configuration change; with the registry disabled `tracked` stays false. (The BMC
 * module does not elect from it: its publisher is elected in its own group, among the
 * daemons whose BMC side runs, bmc_service.c.)
 */
struct bld_view {
    bool tracked;    /* a registry link runs and reports here */
    uint32_t self;   /* our nodeid; 0 until connected to Corosync */
    uint32_t lowest; /* lowest nodeid in the group; 0 when out of the group */
    size_t n;        /* members (daemons) in the group now */
};

struct bld {
    GMainLoop *loop;
    struct bld_config *cfg;
    const char *config_path;
    bool reset_store;    /* --reset-store: set a corrupt registry store aside and start empty */
    bool take_over;      /* --take-over: this replica becomes its history's sole writer */
    int exit_code;       /* what main returns once the loop ends */
    bool stopping;       /* a stop signal came (main.c) */
    struct bld_ipc *ipc; /* the control socket, shared by every module */
    struct bld_reg *reg; /* the synchronized registry */
    struct bld_bmc *bmc; /* the BMC side: traps, heartbeat, recovery */
    struct bld_view view;
    void (*view_changed)(struct bld *d); /* set by the module that follows the view */
};

/* bmclinkd's exit status when its IPC service name is taken: another bmclinkd runs (or
 * another process holds the name). main.c's --help lists every exit status. */
#define BLD_EXIT_RUNNING 5

struct bld_module {
    const char *name;
    /* 0 or an error the module has logged with its context; the daemon then stops. A module
     * whose outside system may come later (the BMC side) returns 0 and retries by itself. */
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
/**
 * The registry's state as `bmclink status` shows it ("registry.*" items), when it runs.
 * \param[in,out] st  appended to
 */
void bld_reg_status(struct bld_reg *reg, struct bl_status *st);

/* The BMC side (bmc_service.c): trap receiver, heartbeat, recovery of this node. */
int bld_bmc_start(struct bld *d);
void bld_bmc_stop(struct bld *d);
/**
 * A stop was asked for (SIGTERM: Pacemaker stopping the clone, e.g. because the recovery put
 * this node in standby or stopped its cluster stack). With a recovery of this node under way
 * the BMC still waits for its end notice: finish that first (bounded by the recovery's own
 * deadline), then bld_quit(). The BMC thread decides and posts the quit back to the main
 * loop, at once when no recovery is under way.
 *
 * \return true when the BMC side will call bld_quit() itself, false to quit now
 */
bool bld_bmc_drain(struct bld *d);
/**
 * Check the BMC side's files as start would (bmclinkd --check-config).
 * \param[out] errmsg  on failure, every problem, "file:line: [group] key: why" one per line
 *                     (g_free())
 * \return 0 (also when the BMC side is off), or the load error
 */
int bld_bmc_check(const struct bld_config *cfg, char **errmsg);

#endif
