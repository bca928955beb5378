/*
 * The simulated BMC's fault/notice state machine, free of ipmi_sim so it can be unit tested.
 *
 *   IDLE --inject--> NOTIFIED (trap sent; resent every resend_ms until a PET Acknowledge)
 *   NOTIFIED --start notice--> RECOVERING (the node runs its failover; window W)
 *   NOTIFIED --grace expires--> POWER_OFF ("no-start-notice": reset at once, as a real BMC)
 *   RECOVERING --end notice | W expires--> POWER_OFF
 *   POWER_OFF --off_ms--> IDLE (power back on: the server restarts)
 *
 * Every function takes the time (monotonic ms) and returns the actions to carry out.
 */
#ifndef BMCSIM_CORE_H
#define BMCSIM_CORE_H

#include <stdbool.h>
#include <stdint.h>

enum bmcsim_phase {
    BMCSIM_IDLE = 0,
    BMCSIM_NOTIFIED,
    BMCSIM_RECOVERING,
    BMCSIM_POWER_OFF,
};

enum bmcsim_notice {
    BMCSIM_PET_ACK = 1,
    BMCSIM_START,
    BMCSIM_END,
};

enum bmcsim_action {
    BMCSIM_ACT_NONE = 0,
    BMCSIM_ACT_SEND_TRAP = 1 << 0,
    BMCSIM_ACT_POWER_OFF = 1 << 1,
    BMCSIM_ACT_POWER_ON = 1 << 2,
};

struct bmcsim_timing {
    uint32_t grace_ms;  /* wait this long for the start notice */
    uint32_t window_ms; /* W: longest recovery before the reset */
    uint32_t resend_ms; /* trap resend interval until acknowledged; 0 = never resend */
    uint32_t resend_max;
    uint32_t off_ms; /* power-off time of the reset cycle */
};

struct bmcsim_core {
    struct bmcsim_timing t;
    enum bmcsim_phase phase;
    uint64_t deadline_ms;
    uint64_t next_resend_ms; /* 0 = none */
    uint32_t resends;
    bool acked;
    uint16_t sequence;  /* PET sequence of the current fault */
    const char *reason; /* why the last reset happened (static string) */
};

/** Start idle with the given timing. */
void bmcsim_core_init(struct bmcsim_core *c, const struct bmcsim_timing *t);

/** A fault is injected: returns SEND_TRAP when idle, NONE when a fault is already running. */
unsigned bmcsim_core_inject(struct bmcsim_core *c, uint64_t now_ms);

/**
 * A notice from the node (PET Acknowledge, start, end).
 * \param[out] accepted  false when the notice does not fit the phase (recorded, ignored)
 */
unsigned bmcsim_core_notice(struct bmcsim_core *c, enum bmcsim_notice n, uint64_t now_ms,
                            bool *accepted);

/** Time passes: resends, grace, window W and power-on. */
unsigned bmcsim_core_tick(struct bmcsim_core *c, uint64_t now_ms);

/** The next time bmcsim_core_tick has something to do; 0 when nothing is pending. */
uint64_t bmcsim_core_next(const struct bmcsim_core *c);

/** Static name of a phase. */
const char *bmcsim_phase_name(enum bmcsim_phase p);

#endif
