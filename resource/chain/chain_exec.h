/*
 * Running programs for the chain: the one seam between the chain and the processes it starts
 * (systemctl, init scripts, members' commands, readiness checks). The real implementation
 * spawns with posix_spawn in a new session and waits on a pidfd with a deadline, so no call
 * waits longer than its timeout; unit tests swap in a fake that records the argv.
 */
#ifndef BL_CHAIN_EXEC_H
#define BL_CHAIN_EXEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define BL_EXEC_OUTPUT_MAX 65536

struct bl_exec_req {
    char *const *argv;  /* argv[0]: absolute path of the program */
    char *const *env;   /* "KEY=VALUE" added to the agent's environment (minus OCF_RESKEY_*);
                         * may be NULL */
    const char *output; /* file to append stdout and stderr to; NULL: capture into res->output */
    int timeout_ms;     /* the process group is killed after this long */
    bool detach;        /* do not wait: return once started, with res->pid */
};

struct bl_exec_res {
    int status;     /* wait status (WIFEXITED ...) when waited */
    bool timed_out; /* killed with its process group after timeout_ms */
    pid_t pid;      /* the child's pid */
    char *output;   /* captured output, NUL-terminated, at most BL_EXEC_OUTPUT_MAX bytes, or NULL;
                     * freed by bl_chain_exec_res_clear() */
};

struct bl_exec_ops {
    /**
     * Run a program.
     * \param[in]  ctx  the implementation's context
     * \param[in]  req  what to run; not kept
     * \param[out] res  zeroed by the callee first; the caller clears it with
     * bl_chain_exec_res_clear() \return 0 when the program ran (whatever its exit status), -errno
     * when it could not be started, BL_E_TIMEOUT when it was killed after req->timeout_ms
     */
    int (*run)(void *ctx, const struct bl_exec_req *req, struct bl_exec_res *res);
};

/* The real thing: posix_spawn, a new session per child, pidfd deadlines. ctx unused. */
extern const struct bl_exec_ops bl_chain_exec_posix;

/** Free what a run left in res; accepts a zeroed res. */
void bl_chain_exec_res_clear(struct bl_exec_res *res);

/** True when the run exited with status 0. */
bool bl_chain_exec_ok(const struct bl_exec_res *res);

/** Exit code of a run, or -1 when it was killed by a signal. */
int bl_chain_exec_exit_code(const struct bl_exec_res *res);

/** Monotonic clock in milliseconds. */
int64_t bl_chain_mono_ms(void);

/** Sleep up to ms milliseconds (restarting on EINTR); used only between readiness polls. */
void bl_chain_sleep_ms(int ms);

#endif
