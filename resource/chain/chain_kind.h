/*
 * Member kinds: how a systemd unit, an LSB init script or a daemonizing command is started,
 * stopped, checked and validated. Each kind is an ops table over struct bl_chain_sys, which
 * carries the seams (the process runner) and the system paths, so unit tests can replace a
 * kind, or the runner under a kind, with a fake.
 */
#ifndef BL_CHAIN_KIND_H
#define BL_CHAIN_KIND_H

#include "chain.h"
#include "chain_exec.h"

#include <glib.h>
#include <stddef.h>

enum bl_member_state {
    BL_MEMBER_STOPPED = 0, /* cleanly not running */
    BL_MEMBER_RUNNING = 1,
    BL_MEMBER_FAILED = 2, /* dead but left traces: unit failed, LSB status 1/2, status error */
};

struct bl_member_ops;

/* The outside systems a chain touches. Zero-initialise, then bl_chain_sys_defaults(). */
struct bl_chain_sys {
    const struct bl_exec_ops *exec; /* runs systemctl, scripts, commands, checks */
    void *exec_ctx;
    const struct bl_member_ops *kinds[BL_KIND_COUNT];
    const char *systemctl;       /* default /usr/bin/systemctl */
    const char *sysconf_dir;     /* default /etc: rc?.d links show LSB boot starts */
    const char *systemd_run_dir; /* default /run/systemd/system: exists under systemd */
    char **member_env;           /* "KEY=VALUE" given to members (start mode, node...); may
                                  * be NULL; not owned */
};

struct bl_member_ops {
    /**
     * Start one member; returns when its start command finished (readiness is the caller's).
     * \param[out] errmsg  on failure, output or reason for the log; g_free(); may be NULL
     * \return 0, -errno, BL_E_TIMEOUT, or BL_E_STATE when the start command failed
     */
    int (*start)(const struct bl_chain_sys *sys, const struct bl_chain_member *m, int timeout_ms,
                 char **errmsg);
    /**
     * Stop one member: polite first, SIGKILL when timeout_ms passes. Succeeds when it was
     * not running. \return 0, or BL_E_STATE when it is still running, or -errno
     */
    int (*stop)(const struct bl_chain_sys *sys, const struct bl_chain_member *m, int timeout_ms,
                char **errmsg);
    /**
     * State of n members of this kind, with as few processes as the kind allows (daemon:
     * none; systemd: one systemctl for the batch; lsb: none with a pidfile, else one each).
     * \param[out] out  n states
     * \return 0 or -errno when the state could not be learnt (out then holds FAILED)
     */
    int (*status)(const struct bl_chain_sys *sys, const struct bl_chain_member *const *m, size_t n,
                  enum bl_member_state *out);
    /**
     * validate-all's node checks: program/unit/script present, not started at boot.
     * \param[out] problems  one line per problem appended
     * \return 0, -ENOENT when something is missing, BL_E_STATE when enabled at boot
     */
    int (*check)(const struct bl_chain_sys *sys, const struct bl_chain_member *const *m, size_t n,
                 GString *problems);
};

extern const struct bl_member_ops bl_chain_kind_systemd;
extern const struct bl_member_ops bl_chain_kind_lsb;
extern const struct bl_member_ops bl_chain_kind_daemon;

/** Fill every unset field of sys with the real implementations and paths. */
void bl_chain_sys_defaults(struct bl_chain_sys *sys);

/**
 * Run argv through sys->exec with the members' environment.
 * \param[in]  output  log file for the output, or NULL to capture it
 * \param[out] res     cleared by the caller with bl_chain_exec_res_clear()
 */
int bl_chain_kind_run(const struct bl_chain_sys *sys, char *const *argv, const char *output,
                      int timeout_ms, struct bl_exec_res *res);

/**
 * A one-line reason for a failed run: "exit 3: <first output line>", "timed out after ...".
 * \return a string to g_free()
 */
char *bl_chain_kind_describe(const struct bl_exec_res *res, int rc, const char *what);

/**
 * Judge a finished run: 0 when it exited 0; otherwise describe it into *errmsg (unless a
 * errmsg is already there) and return rc, or BL_E_STATE for a non-zero exit. Clears res.
 * \param[in]  what    the program, for the description
 * \param[out] errmsg  may be NULL; g_free()
 */
int bl_chain_kind_run_result(int rc, struct bl_exec_res *res, const char *what, char **errmsg);

/** Give *errmsg a text unless it has one already (errmsg may be NULL); takes text. */
void bl_chain_kind_errmsg(char **errmsg, char *text);

/**
 * validate-all: whether path (when not NULL) is an executable program; appends a problem
 * naming the member otherwise. \return 0 or -ENOENT
 */
int bl_chain_kind_check_program(const struct bl_chain_member *m, const char *what, const char *path,
                                GString *problems);

/** True for states a cheap /proc check settled; shared by lsb and daemon. */
enum bl_member_state bl_chain_kind_pidfile_state(const struct bl_chain_member *m);

/**
 * Stop the process behind m->pidfile: SIGTERM (unless term is false), wait, SIGKILL (and its
 * process group) after timeout_ms, remove the pidfile once the process is gone.
 * \return 0 when not running afterwards, BL_E_STATE when it survived SIGKILL
 */
int bl_chain_kind_stop_pidfile(const struct bl_chain_member *m, int timeout_ms, bool term);

#endif
