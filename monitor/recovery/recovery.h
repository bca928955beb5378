/*
 * The recovery sequence of a fatal BMCNOTICE (docs/bmcnotice.md, steps 4-6), as a pure state
 * machine: no I/O, no clock, no globals. The glue (recovery_run.h) feeds it what happened
 * (an accepted fatal notice, IPMI send results, Pacemaker observations, the time) and carries
 * out what it asks for (struct bl_rec_out): notices to the BMC, the recovery action, the
 * observations, the end notice, the clean-up.
 *
 *   IDLE --fatal--> ACTING: PET Acknowledge + start notice (④, never waited for: a notice
 *                   that fails is recorded and recovery goes on), then the action (⑤)
 *   ACTING --target gone from the node and started elsewhere | no node can take it |
 *            action finished | timeout--> ENDING: end notice with the result (⑥)
 *   ENDING --end notice answered or failed--> WAIT_RESET: the BMC resets the node now
 *   WAIT_RESET --still alive after clear_after--> CLEARING (undo the attribute / standby)
 *            --> IDLE
 *
 * Every step is time-stamped (monotonic ns) in a timeline the daemon shows in
 * `bmclink status` and the lab tests read.
 *
 * Module monitor/recovery (library bmclink_recovery), contract: this header for the state
 * machine, recovery_config.h for the BMC side of bmclink.conf that configures it (and the
 * heartbeat), read through the config engine (lib/bl_conf.h). No outside system and no main
 * loop here: the glue that talks to the BMC and Pacemaker is monitor/bmc/recovery_run.h.
 * Ownership: the machine is a plain struct the caller owns (nothing allocated); each input
 * fills the caller's struct bl_rec_out. Not thread-safe: one machine, one caller.
 */
#ifndef BL_RECOVERY_H
#define BL_RECOVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BL_REC_NAME_MAX 128  /* node or resource name, with its NUL */
#define BL_REC_DETAIL_MAX 96 /* free text of one timeline entry */
#define BL_REC_TIMELINE_MAX 48

/* What step ⑤ does. */
enum bl_rec_kind {
    BL_REC_FAILOVER = 0, /* transient attribute on the node that a location rule reacts to */
    BL_REC_RESTART,      /* restart the target (crm_resource --restart) */
    BL_REC_STANDBY,      /* the node in standby until it reboots (--lifetime reboot) */
    BL_REC_STOP_CLUSTER, /* stop the cluster stack on the node (a configured command) */
    BL_REC_SCRIPT,       /* run a configured script */
    BL_REC_NONE,         /* log only */
    BL_REC_KIND_COUNT,
};

/* What the end notice carries (each result has its own configurable code byte). */
enum bl_rec_result {
    BL_REC_SUCCESS = 0, /* the target runs elsewhere (or was not here), or the action ended */
    BL_REC_TIMEOUT,     /* not done before the timeout */
    BL_REC_FAILED,      /* the action failed, or the target is unknown to Pacemaker */
    BL_REC_NO_NODE,     /* stopped here, but no other node can take the target */
    BL_REC_RESULT_COUNT,
};

enum bl_rec_phase {
    BL_REC_IDLE = 0,
    BL_REC_ACTING,
    BL_REC_ENDING,
    BL_REC_WAIT_RESET,
    BL_REC_CLEARING,
};

/*
 * Requests to the glue, OR-ed in bl_rec_out.todo, to be carried out in this order. For
 * failover and standby, the first OBSERVE comes before APPLY: only a target that runs on the
 * node is moved (a fault on the standby node moves nothing), and a target Pacemaker has
 * already stopped there is not mistaken for one that never ran there.
 */
enum bl_rec_do {
    BL_REC_DO_ACK = 1 << 0,     /* send the PET Acknowledge of the notice */
    BL_REC_DO_START = 1 << 1,   /* send the start notice */
    BL_REC_DO_APPLY = 1 << 2,   /* start the action of the configured kind */
    BL_REC_DO_OBSERVE = 1 << 3, /* ask Pacemaker where the target runs */
    BL_REC_DO_END = 1 << 4,     /* send the end notice carrying out->result */
    BL_REC_DO_CLEAR = 1 << 5,   /* undo APPLY: delete the attribute, standby off */
};

/* The IPMI messages the machine waits for. */
enum bl_rec_msg {
    BL_REC_MSG_ACK = 0,
    BL_REC_MSG_START,
    BL_REC_MSG_END,
};

enum bl_rec_step {
    BL_REC_STEP_TRAP = 0, /* fatal notice accepted (the receive time) */
    BL_REC_STEP_ACK_SENT,
    BL_REC_STEP_ACK_DONE,
    BL_REC_STEP_START_SENT,
    BL_REC_STEP_START_DONE,
    BL_REC_STEP_APPLY,   /* action started */
    BL_REC_STEP_APPLIED, /* action command finished (rc) */
    BL_REC_STEP_STOPPED, /* the target is no longer active on the node */
    BL_REC_STEP_STARTED, /* the target runs on another node (detail: which) */
    BL_REC_STEP_NO_NODE, /* no other node can take the target */
    BL_REC_STEP_TIMEOUT,
    BL_REC_STEP_END_SENT, /* detail: the result */
    BL_REC_STEP_END_DONE,
    BL_REC_STEP_CLEAR,
    BL_REC_STEP_CLEARED,
    BL_REC_STEP_BUSY, /* another fatal notice while one recovery runs: acknowledged only */
    BL_REC_STEP_NOTE, /* anything else worth a line (detail) */
    BL_REC_STEP_COUNT,
};

struct bl_rec_entry {
    enum bl_rec_step step;
    uint64_t t_ns; /* monotonic */
    int rc;        /* 0, -errno or BL_E_* where the step has a result */
    char detail[BL_REC_DETAIL_MAX];
};

struct bl_rec_settings {
    enum bl_rec_kind kind;
    uint64_t timeout_ns;     /* bound of step ⑤; keep it below the BMC's reset window */
    uint64_t poll_ns;        /* between two observations, and between action retries */
    uint64_t clear_after_ns; /* after the end notice: undo the action if we are still up */
};

/* The fatal notice that starts a recovery. */
struct bl_rec_notice {
    bool is_pet;       /* a PET: acknowledge it */
    uint16_t sequence; /* PET sequence (0 otherwise) */
    uint64_t rx_ns;    /* when it was received, monotonic */
};

/* Where the target is, as Pacemaker reports it (pcmk.h computes it from crm_mon). */
struct bl_rec_observation {
    bool known;             /* the target exists */
    bool active_here;       /* some part of the target is active on the node */
    bool started_elsewhere; /* every part is started on one other node: where */
    char where[BL_REC_NAME_MAX];
    unsigned eligible; /* other nodes that could take it: online, not standby/maintenance */
};

struct bl_rec_out {
    unsigned todo;             /* enum bl_rec_do bits */
    enum bl_rec_result result; /* with BL_REC_DO_END */
    uint64_t wake_ns;          /* call bl_rec_tick at this monotonic time; 0 = no timer */
};

struct bl_rec_stats {
    uint64_t started;
    uint64_t busy;
    uint64_t results[BL_REC_RESULT_COUNT];
    uint64_t notice_failures; /* ACK, start or end notice not answered or refused */
};

/* One node's recovery. Plain data: zero it with bl_rec_init, never free. */
struct bl_rec {
    struct bl_rec_settings set;
    enum bl_rec_phase phase;
    struct bl_rec_notice notice;
    uint64_t deadline_ns;
    uint64_t next_apply_ns;   /* retry of a failed action command; 0 = none */
    uint64_t next_observe_ns; /* 0 = none */
    uint64_t clear_at_ns;
    bool applying, observing, clearing, apply_after_clear;
    bool seen;         /* the look before the action arrived */
    bool was_here;     /* it found the target active on the node (or could not tell) */
    bool stopped_seen; /* STOPPED recorded */
    enum bl_rec_result result;
    size_t n_timeline;
    bool timeline_full;
    struct bl_rec_entry timeline[BL_REC_TIMELINE_MAX];
    struct bl_rec_stats stats;
};

/**
 * Start idle.
 * \param[out] r    the machine
 * \param[in]  set  copied
 */
void bl_rec_init(struct bl_rec *r, const struct bl_rec_settings *set);

/**
 * A fatal notice was accepted. Starts a recovery unless one is running (then only the
 * acknowledgement is asked for, and BUSY recorded).
 * \param[in]  n    the notice; n->rx_ns is the first timeline stamp
 * \param[in]  now  monotonic ns
 * \param[out] out  what to do
 */
void bl_rec_fatal(struct bl_rec *r, const struct bl_rec_notice *n, uint64_t now,
                  struct bl_rec_out *out);

/**
 * The BMC resent a notice already accepted: acknowledge again (PET only), nothing else.
 */
void bl_rec_duplicate(struct bl_rec *r, bool is_pet, uint64_t now, struct bl_rec_out *out);

/**
 * The glue has put a message on the wire: the SENT step of the timeline (END_SENT carries
 * the result).
 * \param[in] rc  0, or the send error (a failed send is also reported by bl_rec_ipmi_done)
 */
void bl_rec_ipmi_sent(struct bl_rec *r, enum bl_rec_msg m, int rc, uint64_t now);

/**
 * An IPMI message finished: rc 0 answered with completion code 0, else the error. A failure
 * never stops the recovery; the END result moves ENDING on to WAIT_RESET.
 */
void bl_rec_ipmi_done(struct bl_rec *r, enum bl_rec_msg m, int rc, uint64_t now,
                      struct bl_rec_out *out);

/**
 * The action command (APPLY) finished. For failover and standby this is only the first half:
 * observations follow. \p detail (may be NULL) goes to the timeline.
 */
void bl_rec_apply_done(struct bl_rec *r, int rc, const char *detail, uint64_t now,
                       struct bl_rec_out *out);

/**
 * An observation finished: rc < 0 when Pacemaker could not be asked (obs is then NULL).
 */
void bl_rec_observed(struct bl_rec *r, int rc, const struct bl_rec_observation *obs, uint64_t now,
                     struct bl_rec_out *out);

/** The CLEAR request finished. */
void bl_rec_clear_done(struct bl_rec *r, int rc, uint64_t now, struct bl_rec_out *out);

/**
 * When bl_rec_tick has something to do next (the deadline, a retry, an observation or the
 * clean-up), monotonic ns; 0 when nothing is pending. The same as the last out->wake_ns.
 */
uint64_t bl_rec_wake(const struct bl_rec *r);

/** Time passed: the deadline, the next observation or retry, the clean-up. */
void bl_rec_tick(struct bl_rec *r, uint64_t now, struct bl_rec_out *out);

/**
 * Add a free-text line to the timeline (the glue's own events).
 * \param[in] detail  copied, truncated to BL_REC_DETAIL_MAX - 1
 */
void bl_rec_note(struct bl_rec *r, enum bl_rec_step step, int rc, const char *detail, uint64_t now);

/** Whether the configured kind has something to undo (failover, standby). */
bool bl_rec_kind_clears(enum bl_rec_kind kind);

/* Static names for logs, configuration and the timeline; never NULL. */
const char *bl_rec_kind_name(enum bl_rec_kind kind);
const char *bl_rec_result_name(enum bl_rec_result result);
const char *bl_rec_phase_name(enum bl_rec_phase phase);
const char *bl_rec_step_name(enum bl_rec_step step);
const char *bl_rec_msg_name(enum bl_rec_msg m);

/**
 * Parse a kind name: failover, restart, standby, stop-cluster, script, none.
 * \return 0 or BL_E_INVALID
 */
int bl_rec_kind_parse(const char *name, enum bl_rec_kind *out);

#endif
