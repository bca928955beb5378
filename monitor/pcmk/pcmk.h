/*
 * bmclinkd's seam to Pacemaker: node attributes, standby, the cluster status, resource
 * restarts, when a node was last fenced, and commands, all asynchronous.
 *
 * The real backend (bl_pcmk_new) runs Pacemaker's public tools as GSubprocesses in the
 * daemon's main loop: attrd_updater (Pacemaker 2.1's attrd C update call is internal),
 * crm_attribute, crm_resource, crm_mon --output-as=xml, stonith_admin --last. Nothing blocks; each
 * call has a timeout after which the tool is killed; at most a few run at once, the rest wait in
 * order. Unit tests plug a fake into struct bl_pcmk_ops; the lab tests use the real cluster.
 *
 * crm_mon's XML is parsed here (GMarkup) into struct bl_pcmk_status, checked like any
 * outside input: unknown layout, oversized names or counts are refused, never trusted.
 *
 * Module monitor/pcmk (library bmclink_pcmk), contract: this header (pcmk_proc.c is the
 * tools backend behind it). Ownership: arguments are copied; a status handed to a callback
 * is valid during the call. Loop: calls return at once and their callback runs later from
 * the main loop, exactly once (BL_E_TIMEOUT on timeout, -ECANCELED when cancelled).
 */
#ifndef BL_PCMK_H
#define BL_PCMK_H

#include "recovery.h"

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BL_PCMK_NAME_MAX 128       /* node and resource names, with the NUL */
#define BL_PCMK_NODES_MAX 256      /* nodes accepted in one status */
#define BL_PCMK_ROWS_MAX 16384     /* (resource, node) rows accepted in one status */
#define BL_PCMK_XML_MAX (8u << 20) /* crm_mon output accepted, bytes */
#define BL_PCMK_DEFAULT_TIMEOUT_MS 10000
#define BL_PCMK_DEFAULT_PARALLEL 4

struct bl_pcmk_node {
    char name[BL_PCMK_NAME_MAX];
    bool online, standby, maintenance, unclean, shutdown, pending;
    bool health_red;
};

/* One primitive on one node (or on none: stopped). */
struct bl_pcmk_row {
    char id[BL_PCMK_NAME_MAX];
    char group[BL_PCMK_NAME_MAX]; /* enclosing group, "" at top level */
    char clone[BL_PCMK_NAME_MAX]; /* enclosing clone or bundle, "" when none */
    char node[BL_PCMK_NAME_MAX];  /* "" when the resource runs nowhere */
    char role[16];                /* Started, Stopped, Stopping, Starting, Promoted ... */
    bool active, failed;
};

struct bl_pcmk_status {
    size_t n_nodes;
    struct bl_pcmk_node *nodes;
    size_t n_rows;
    struct bl_pcmk_row *rows;
};

/**
 * Parse `crm_mon --output-as=xml` output.
 * \param[in]  xml  the document (need not be NUL-terminated)
 * \param[in]  len  its length, at most BL_PCMK_XML_MAX
 * \param[out] out  filled on success; release with bl_pcmk_status_clear()
 * \return 0, BL_E_PROTO (not well-formed, not a pacemaker-result, a name too long, too many
 *         nodes or rows, or a status code != 0), BL_E_INVALID (NULL)
 */
int bl_pcmk_status_parse(const char *xml, size_t len, struct bl_pcmk_status *out);

/** Free what bl_pcmk_status_parse allocated; safe on a zeroed or cleared struct. */
void bl_pcmk_status_clear(struct bl_pcmk_status *st);

/**
 * Where is \p target (a primitive, a group or a clone) with respect to \p node?
 * \param[out] obs  known, active_here, started_elsewhere + where, eligible (other nodes online,
 *                  not standby, maintenance, unclean, shutting down, pending or health red)
 */
void bl_pcmk_locate(const struct bl_pcmk_status *st, const char *target, const char *node,
                    struct bl_rec_observation *obs);

/**
 * Parse `stonith_admin --last NODE` output, run with TZ=UTC ("Node 2 last fenced at: Sun Dec
 * 6 17:15:55 2026" or "Node 2 has never been fenced"; --output-as=xml fails for a node never
 * fenced in Pacemaker 2.1.5). Any completed fencing action counts, unfencing ("on")
 * included: Pacemaker's history keeps no distinction here (docs/registry.md, "A cut link").
 * \param[in]  text  the output (need not be NUL-terminated), at most BL_PCMK_FENCED_MAX bytes
 * \param[in]  node  the node asked about, as it was given to the tool
 * \param[out] when  seconds since the epoch, 0 for never
 * \return 0, BL_E_PROTO (anything else, or about another node), BL_E_INVALID (NULL)
 */
int bl_pcmk_last_fenced_parse(const char *text, size_t len, const char *node, int64_t *when);
#define BL_PCMK_FENCED_MAX 512

/* Done: rc 0, -errno, BL_E_TIMEOUT (killed at the timeout) or -ECANCELED. */
typedef void (*bl_pcmk_done_fn)(int rc, const char *detail, void *ud);
/* Last fenced: when (seconds since the epoch, 0: never) is meaningful only if rc is 0. */
typedef void (*bl_pcmk_fenced_fn)(int rc, int64_t when, const char *detail, void *ud);
/* Status: st valid during the call only, NULL when rc != 0. */
typedef void (*bl_pcmk_status_fn)(int rc, const struct bl_pcmk_status *st, void *ud);

/*
 * The seam. Every call returns 0 (the callback will run later, from the main loop, exactly
 * once) or a negative code (it will not). detail is a short text for the logs (the exit
 * status and the tool's first line of error output), NULL when there is nothing to say.
 */
struct bl_pcmk_ops {
    const char *name;
    /** Set (value != NULL) or delete (value == NULL) a transient node attribute. */
    int (*attr_set)(void *be, const char *node, const char *attr, const char *value,
                    bl_pcmk_done_fn cb, void *ud);
    /** Standby on (until the node reboots) or off. */
    int (*standby)(void *be, const char *node, bool on, bl_pcmk_done_fn cb, void *ud);
    /** The cluster status (nodes and resources). */
    int (*status)(void *be, bl_pcmk_status_fn cb, void *ud);
    /** When the node with Corosync id \p nodeid was last fenced, as the local fencer knows. */
    int (*last_fenced)(void *be, uint32_t nodeid, bl_pcmk_fenced_fn cb, void *ud);
    /** Restart a resource and wait for it, at most timeout_ms. */
    int (*restart)(void *be, const char *rsc, unsigned timeout_ms, bl_pcmk_done_fn cb, void *ud);
    /**
     * Run a command (stop-cluster command, recovery script) without a shell.
     * \param[in] argv  NULL-terminated, copied
     * \param[in] env   NULL-terminated "K=V" added to the environment, copied; may be NULL
     */
    int (*run)(void *be, const char *const *argv, const char *const *env, unsigned timeout_ms,
               bl_pcmk_done_fn cb, void *ud);
    /**
     * Cancel every pending call made with \p ud: their callbacks run with -ECANCELED before
     * cancel returns, and their tools are killed.
     */
    void (*cancel)(void *be, void *ud);
};

struct bl_pcmk_client {
    const struct bl_pcmk_ops *ops;
    void *be;
};

/* Paths of the tools (a bare name is looked up in PATH). */
struct bl_pcmk_tools {
    const char *attrd_updater;
    const char *crm_attribute;
    const char *crm_resource;
    const char *crm_mon;
    const char *stonith_admin;
    unsigned timeout_ms; /* per tool call, except restart and run (their own) */
    unsigned parallel;   /* tools running at once */
};

/** The Debian paths, BL_PCMK_DEFAULT_TIMEOUT_MS, BL_PCMK_DEFAULT_PARALLEL. */
void bl_pcmk_tools_init(struct bl_pcmk_tools *t);

struct bl_pcmk;

/**
 * The real backend.
 * \param[in]  ctx    main context (NULL: the default); a reference is taken
 * \param[in]  tools  copied (the strings too)
 * \param[out] out    free with bl_pcmk_free()
 * \return 0 or BL_E_INVALID
 */
int bl_pcmk_new(GMainContext *ctx, const struct bl_pcmk_tools *tools, struct bl_pcmk **out);

/** Kill what still runs (callbacks get -ECANCELED) and free. Accepts NULL. */
void bl_pcmk_free(struct bl_pcmk *p);

/** Fill a client handle for \p p (borrowed). */
void bl_pcmk_client(struct bl_pcmk *p, struct bl_pcmk_client *out);

/** Tool calls started, failed, timed out, queued right now (for status and benchmarks). */
struct bl_pcmk_stats {
    uint64_t started, failed, timeouts;
    unsigned running, queued;
};
void bl_pcmk_get_stats(const struct bl_pcmk *p, struct bl_pcmk_stats *out);

extern const struct bl_pcmk_ops bl_pcmk_proc_ops;

#endif
