/*
 * ocf:bmclink:servicechain as a library: the agent's parameters (one table that also writes
 * the meta-data), its actions, and the run snapshot the `bmclink chain` command reads.
 * agents/servicechain.c only sets up logging and calls bl_chain_agent_run().
 *
 * Module resource/chain (library bmclink_chain), contract: this header, which brings the
 * chain (chain.h), its kinds (chain_kind.h), record (chain_record.h), synchronized subtrees
 * (chain_reg.h) and volume (volume.h); chain_run.h and chain_proc.h are public for the
 * `bmclink chain` command; chain_int.h is private. Programs run through one seam
 * (chain_exec.h). No main loop: an agent action is one short-lived process, single-threaded.
 */
#ifndef BL_CHAIN_AGENT_H
#define BL_CHAIN_AGENT_H

#include "chain.h"
#include "chain_kind.h"
#include "chain_record.h"
#include "chain_reg.h"
#include "volume.h"

#include <stdio.h>

/* OCF 1.1 exit codes. */
enum bl_ocf_rc {
    BL_OCF_SUCCESS = 0,
    BL_OCF_ERR_GENERIC = 1,
    BL_OCF_ERR_ARGS = 2,
    BL_OCF_ERR_UNIMPLEMENTED = 3,
    BL_OCF_ERR_PERM = 4,
    BL_OCF_ERR_INSTALLED = 5,
    BL_OCF_ERR_CONFIGURED = 6,
    BL_OCF_NOT_RUNNING = 7,
    BL_OCF_DEGRADED = 190,
};

enum bl_agent_param {
    BL_AP_CHAIN_FILE,
    BL_AP_CHAIN,
    BL_AP_STATE_DIR,
    BL_AP_FOLDERS,
    BL_AP_FOLDER_OWNER,
    BL_AP_FOLDER_GROUP,
    BL_AP_FOLDER_MODE,
    BL_AP_VOLUME_DEVICE,
    BL_AP_FORCE_UNBIND,
    BL_AP_VOLUME_FREE_MIN,
    BL_AP_VOLUME_FREE_FAIL,
    BL_AP_MEMBER_START_TIMEOUT,
    BL_AP_MEMBER_STOP_TIMEOUT,
    BL_AP_REGISTRY_PROFILE,
    BL_AP_REGISTRY_RENDER,
    BL_AP_REGISTRY_SYNC_TIMEOUT,
    BL_AP_REGISTRY_CAPTURE,
    BL_AP_REGISTRY_CAPTURE_SETTLE,
    BL_AP_REGISTRY_SERVICE,
    BL_AP_COUNT,
};

/* One invocation of the agent: its environment, and what it loaded from it. */
struct bl_agent {
    char *instance;            /* OCF_RESOURCE_INSTANCE, '/' replaced */
    char *node;                /* OCF_RESKEY_CRM_meta_on_node, else the host name */
    char *param[BL_AP_COUNT];  /* OCF_RESKEY_<name>, NULL when unset or empty */
    int interval_ms;           /* OCF_RESKEY_CRM_meta_interval; 0 for a probe */
    int timeout_ms;            /* OCF_RESKEY_CRM_meta_timeout; 0 when unknown */
    int depth;                 /* OCF_CHECK_LEVEL */
    char *run_dir;             /* HA_RSCTMP, default /run/resource-agents */
    const char *const *search; /* where chain files given by name are looked up */
    struct bl_chain_sys sys;   /* seams; bl_chain_agent_from_env() fills the real ones */
    const struct bl_chain_reg_ops *reg_ops; /* the registry seam; NULL: the real one */
    void *reg_ops_ctx;
    char *exit_reason; /* set by an action that fails or degrades: one line for crm_mon */
};

/**
 * Fill an agent from the process environment.
 * \param[out] a  to free with bl_chain_agent_clear()
 */
void bl_chain_agent_from_env(struct bl_agent *a);

/** Free what an agent holds; accepts a zeroed struct. */
void bl_chain_agent_clear(struct bl_agent *a);

/** Where chain files given by bare name are looked up (/etc first); static, NULL-terminated. */
const char *const *bl_chain_agent_search_dirs(void);

/**
 * Run one OCF action. An action that fails or degrades sets a->exit_reason (owned by a),
 * which the caller prints as the OCF exit reason (bl_chain_agent_print_exit_reason()).
 * \param[in] action  start, stop, monitor, validate-all, reload-agent, meta-data, usage
 * \return an enum bl_ocf_rc value, the agent's exit code
 */
int bl_chain_agent_run(struct bl_agent *a, const char *action);

/**
 * Print a->exit_reason, if any, as "ocf-exit-reason:TEXT" (one line, cut to what Pacemaker
 * keeps, 128 characters) for pacemaker-execd, which reads it from the agent's stderr.
 */
void bl_chain_agent_print_exit_reason(const struct bl_agent *a, FILE *err);

/** Write the OCF 1.1 meta-data (valid against resource-agents' ra-api-1.dtd). */
void bl_chain_agent_meta_data(FILE *out);

/**
 * Parse the parameters (not the chain): folders, owner, group, mode, free-space
 * thresholds, timeouts.
 * \param[out] v       state_dir, device, folders, thresholds; free with bl_volume_clear()
 * \param[out] defs    member timeout defaults
 * \param[out] errmsg  on failure, the problem; g_free()
 * \return 0 or BL_E_INVALID
 */
int bl_chain_agent_parse_params(const struct bl_agent *a, struct bl_volume *v,
                                struct bl_chain_defaults *defs, char **errmsg);

/**
 * Load the chain the parameters name (chain_file or the inline chain).
 * \return 0, -ENOENT when the file is absent, BL_E_INVALID when malformed; see
 *         bl_chain_load_file()
 */
int bl_chain_agent_load_chain(const struct bl_agent *a, const struct bl_chain_defaults *defs,
                              struct bl_chain **chain, char **errmsg);

/**
 * Parse the registry parameters (registry_*) of a configuration or of a snapshot.
 * \param[in]  params  indexed by enum bl_agent_param (a->param, or bl_snapshot.param)
 * \param[out] r       clear with bl_chain_reg_clear(), also on error
 * \return see bl_chain_reg_parse()
 */
int bl_chain_agent_parse_registry(const struct bl_agent *a, char *const *params,
                                  struct bl_chain_reg *r, char **errmsg);

/* What a node keeps about a running chain (see chain_record.h). */
struct bl_snapshot {
    struct bl_chain *chain;
    struct bl_volume volume;
    char *param[BL_AP_COUNT]; /* the parameters it started with (registry ones used) */
    char *node;
    char *mode;    /* START or FAILOVER */
    char *started; /* ISO 8601 */
};

/**
 * Write the snapshot of a chain being started (chain text, parameters, node, mode, and the
 * file system start found under state_dir).
 * \param[in] id  the volume's identity, or NULL / not known: none recorded
 * \return 0 or -errno
 */
int bl_chain_snapshot_write(const struct bl_agent *a, const struct bl_chain *chain,
                            enum bl_start_mode mode, const struct bl_volume_id *id);

/**
 * Read the snapshot of a resource instance from run_dir.
 * \param[out] s  free with bl_chain_snapshot_clear()
 * \return 0, -ENOENT when there is none, BL_E_INVALID
 */
int bl_chain_snapshot_read(const char *run_dir, const char *instance, struct bl_snapshot *s);

/** Remove an instance's snapshot and environment file. */
void bl_chain_snapshot_remove(const struct bl_agent *a);

/** Free a snapshot's contents; accepts a zeroed struct. */
void bl_chain_snapshot_clear(struct bl_snapshot *s);

/** Path of one of an instance's run files ("chain", "conf", "env"); g_free(). */
char *bl_chain_snapshot_path(const char *run_dir, const char *instance, const char *what);

/** Instances with a snapshot in run_dir, NULL-terminated; g_strfreev(). */
char **bl_chain_snapshot_list(const char *run_dir);

#endif
