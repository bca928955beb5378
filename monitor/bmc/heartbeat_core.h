/*
 * The pure parts of the BMC heartbeat (heartbeat.h): what one BMC's polls mean, and the
 * node's #health-bmc colour. No I/O, no clock: the glue passes the time.
 *
 * Reachability: each interval the glue ticks every BMC. A tick with no answer since the
 * previous one is a silent poll; `misses` silent polls in a row make the BMC unreachable
 * (its node can no longer be fenced through it) and its power unknown. One answer makes it
 * reachable again at once. At most one poll is in flight per BMC: a BMC that answers slowly
 * is not flooded.
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

struct bl_hb_state {
    unsigned misses; /* silent polls that make the BMC unreachable */
    enum bl_hb_reach reach;
    enum bl_hb_power power;
    unsigned silent;  /* consecutive silent polls */
    bool answered;    /* an answer since the last tick */
    bool ticked;      /* a tick happened (the first one counts nothing) */
    bool in_flight;   /* a poll is out */
    uint64_t sent_ns; /* when the poll in flight was sent */
    uint64_t polls, answers, errors;
    struct bl_hb_rtt rtt;
};

/** Start with nothing known. \param misses at least 1 */
void bl_hb_state_init(struct bl_hb_state *s, unsigned misses);

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
