/*
 * The pure parts of the BMC heartbeat (heartbeat.h): what one BMC's polls mean, and the
 * node's #health-bmc colour. No I/O, no clock: the glue passes the time.
 *
 * Reachability: each interval the glue ticks every BMC. A tick with no answer since the
 * previous one is a silent poll. Silence is counted in time, from the sending of the first
 * poll left unanswered: a BMC silent for `silence` (and at least `misses` polls) is
 * unreachable (its node can no longer be fenced through it) and its power unknown. One
 * answer makes it reachable again at once. At most one poll is in flight per BMC: a BMC that
 * answers slowly is not flooded.
 *
 * Link drops: a BMC sharing the host's port loses its link for 2-8 s when the host powers
 * on or off, resets or loads the IPMI driver (docs/bmc-health.md). A silence that begins
 * within `window` after a power event the heartbeat knows of (a power change it read, a
 * power record in the SEL, a power command bmclink sent) is an expected drop: the BMC is
 * unreachable only `window + silence` after the event. Power events, drops, recoveries and
 * the loss are kept in a short timeline for `bmclink status`.
 *
 * Health: accepted recoverable notices (PETs below the fatal severity, vendor notices) are
 * conditions keyed by sensor (type, number, offset). An assertion at or above red_severity
 * is red, otherwise non-critical or worse is yellow; its deassertion, or hold without a
 * repeat, clears it. The node's colour is the worst condition, green when none.
 */
#ifndef BL_HEARTBEAT_CORE_H
#define BL_HEARTBEAT_CORE_H

#include "bl_pet.h"
#include "bl_sel.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Round-trip histogram: 8 buckets per power of two (12.5 % wide), 1 ns .. 2^40 ns. */
#define BL_HB_RTT_SUB 8
#define BL_HB_RTT_BUCKETS (40 * BL_HB_RTT_SUB)
#define BL_HEALTH_CONDS 32

enum bl_hb_reach {
    BL_HB_REACH_UNKNOWN = 0,
    BL_HB_REACH_YES,
    BL_HB_REACH_NO,
};

enum bl_hb_power {
    BL_HB_POWER_UNKNOWN = 0,
    BL_HB_POWER_ON,
    BL_HB_POWER_OFF,
};

/* What changed (bits returned by the functions below). */
enum bl_hb_change {
    BL_HB_CH_REACH = 1 << 0,
    BL_HB_CH_POWER = 1 << 1,
};

struct bl_hb_rtt {
    uint64_t count;
    uint64_t sum_ns, min_ns, max_ns, last_ns;
    uint32_t bucket[BL_HB_RTT_BUCKETS];
};

/* What the timeline records. */
enum bl_hb_event {
    BL_HB_EV_NONE = 0,
    BL_HB_EV_POWER_ON,   /* the heartbeat read power on, after off */
    BL_HB_EV_POWER_OFF,  /* the heartbeat read power off, after on */
    BL_HB_EV_SEL_POWER,  /* a power or boot record in the BMC's SEL */
    BL_HB_EV_COMMAND,    /* bmclink had the BMC power or reset the host */
    BL_HB_EV_DROP,       /* the BMC fell silent (at: the first poll left unanswered) */
    BL_HB_EV_BACK,       /* it answers again (ref: how long it was silent) */
    BL_HB_EV_UNREACHABLE /* silent past its bound */
};

#define BL_HB_TIMELINE 16

struct bl_hb_event_rec {
    uint64_t at_ns;  /* monotonic */
    uint64_t ref_ns; /* DROP when expected: the power event's time; BACK: the silence */
    enum bl_hb_event kind;
    bool expected; /* DROP, BACK, UNREACHABLE: after a power event, within the window */
};

/* How the link looks now (bl_hb_link). */
enum bl_hb_link_state {
    BL_HB_LINK_OK = 0,      /* answering, or not polled yet */
    BL_HB_LINK_SILENT,      /* silent, not for long enough to say unreachable */
    BL_HB_LINK_DROP,        /* silent, a link drop expected after a power event */
    BL_HB_LINK_UNREACHABLE, /* silent past the bound */
};

struct bl_hb_link {
    enum bl_hb_link_state state;
    uint64_t silent_ns; /* how long (SILENT, DROP, UNREACHABLE) */
    uint64_t event_ns;  /* DROP: the power event */
    uint64_t bound_ns;  /* SILENT, DROP: when it turns unreachable if still silent */
};

struct bl_hb_state {
    unsigned misses;     /* silent polls needed too (at least 1) */
    uint64_t silence_ns; /* silence that makes the BMC unreachable (0: misses alone) */
    uint64_t window_ns;  /* after a power event, a drop is expected (0: never) */
    enum bl_hb_reach reach;
    enum bl_hb_power power;
    unsigned silent;  /* consecutive silent polls */
    bool answered;    /* an answer since the last tick */
    bool ticked;      /* a tick happened (the first one counts nothing) */
    bool in_flight;   /* a poll is out */
    uint64_t sent_ns; /* when the poll in flight was sent */
    uint64_t polls, answers, errors;
    struct bl_hb_rtt rtt;
    bool waiting;      /* a poll was sent (or tried) since the last answer */
    uint64_t wait_ns;  /* when the first of them was */
    bool dropping;     /* a DROP is in the timeline without its BACK */
    bool have_event;   /* a power event is known */
    uint64_t event_ns; /* the last one */
    uint64_t tl_count; /* events recorded so far; the last BL_HB_TIMELINE are kept */
    struct bl_hb_event_rec tl[BL_HB_TIMELINE];
};

/** Start with nothing known, unreachable after misses silent polls. \param misses at least 1 */
void bl_hb_state_init(struct bl_hb_state *s, unsigned misses);

/**
 * Count silence in time: unreachable after silence_ns without an answer (and the misses
 * polls), or window_ns + silence_ns after a power event when the silence began within
 * window_ns of it.
 */
void bl_hb_state_limits(struct bl_hb_state *s, uint64_t silence_ns, uint64_t window_ns);

/**
 * A power event the heartbeat did not read itself (BL_HB_EV_SEL_POWER, BL_HB_EV_COMMAND):
 * a drop is expected within the window after now.
 */
void bl_hb_power_event(struct bl_hb_state *s, enum bl_hb_event kind, uint64_t now);

/** How long the BMC has been silent (0 while it answers). */
uint64_t bl_hb_silence(const struct bl_hb_state *s, uint64_t now);

/** The link now. \param[out] out  filled */
void bl_hb_link(const struct bl_hb_state *s, uint64_t now, struct bl_hb_link *out);

/**
 * The timeline, oldest first.
 * \param[out] out  room for BL_HB_TIMELINE events
 * \return how many were written
 */
size_t bl_hb_timeline(const struct bl_hb_state *s, struct bl_hb_event_rec *out);

/** "power on", "power off", "SEL power record", "power command", "link drop", ... */
const char *bl_hb_event_name(enum bl_hb_event kind);

/**
 * An interval passed.
 * \param[out] send  whether to send a poll now (none is in flight)
 * \return changes (BL_HB_CH_*): the BMC turned unreachable
 */
unsigned bl_hb_tick(struct bl_hb_state *s, uint64_t now, bool *send);

/** The poll went out (or could not: rc < 0, e.g. no session). */
void bl_hb_sent(struct bl_hb_state *s, int rc, uint64_t now);

/**
 * The poll finished.
 * \param[in] rc        0: answered with chassis status; BL_E_BMC: answered with an error
 *                      completion code (alive, power unknown); other < 0: no answer
 * \param[in] power_on  valid when rc is 0
 * \return changes
 */
unsigned bl_hb_answer(struct bl_hb_state *s, int rc, bool power_on, uint64_t now);

/**
 * Round-trip percentile from the histogram (upper bound of the bucket holding it).
 * \param[in] pct  0..100
 * \return ns, 0 without samples
 */
uint64_t bl_hb_rtt_percentile(const struct bl_hb_rtt *r, unsigned pct);

/** Merge b into a (for figures over many BMCs). */
void bl_hb_rtt_merge(struct bl_hb_rtt *a, const struct bl_hb_rtt *b);

/* Attribute values: "1"/"0"/"" (unknown: delete) and "on"/"off"/"unknown". */
const char *bl_hb_reach_value(enum bl_hb_reach r);
const char *bl_hb_power_value(enum bl_hb_power p);

/* ---- #health-bmc ---- */

enum bl_health_color {
    BL_HEALTH_GREEN = 0,
    BL_HEALTH_YELLOW,
    BL_HEALTH_RED,
};

struct bl_health_cond {
    uint64_t key;
    enum bl_health_color color;
    uint64_t expires_ns;
    bool used;
};

struct bl_health {
    uint8_t red_severity;
    uint64_t hold_ns;
    enum bl_health_color color;
    struct bl_health_cond cond[BL_HEALTH_CONDS];
};

/** Green, no conditions. */
void bl_health_init(struct bl_health *h, uint8_t red_severity, uint64_t hold_ns);

/**
 * A recoverable PET was accepted.
 * \return true when the colour changed
 */
bool bl_health_pet(struct bl_health *h, const struct bl_pet_event *pet, uint64_t now);

/**
 * A recoverable notice without a sensor (a vendor OID): yellow, cleared by hold only.
 * \param[in] key  identifies the notice (e.g. its de-duplication key)
 */
bool bl_health_notice(struct bl_health *h, uint64_t key, uint64_t now);

/**
 * A SEL event's verdict (bl_sel_classify): an assertion holds its colour (keyed like a PET
 * of the same sensor, so the PET and the SEL record of one event are one condition), a
 * deassertion clears that condition, a sensor back to normal clears all of the sensor's.
 * \return true when the colour changed
 */
bool bl_health_sel(struct bl_health *h, const struct bl_sel_verdict *v, uint64_t now);

/** Expire conditions. \return true when the colour changed */
bool bl_health_tick(struct bl_health *h, uint64_t now);

/** "green", "yellow", "red". */
const char *bl_health_color_name(enum bl_health_color c);

#endif
