/*
 * The heartbeat's SEL reader (internal to heartbeat.c): on the BMC's existing session, one
 * Get SEL Info per interval says whether anything was added (entries, last addition, last
 * erase); only then are the new records read, one Get SEL Entry at a time from the last
 * record already handled, each decoded and classified (bl_sel.h) and handed to the caller.
 *
 * The position (last erase, last addition, entry count, last record id) is kept in a small
 * file per node, so a restarted heartbeat does not act again on records it has seen. It is
 * written from an IPMI reply, in the main loop, so without fsync and only when it moved:
 * after an OS crash an older position may come back, and the records since are then acted
 * on again, which ends in the same #health-bmc (heartbeat_sel.c, bl_hb_sel_write). With
 * no position yet, the records already in the SEL are history: they are not acted on. A
 * changed erase time (or fewer entries) means the SEL was cleared: every record in it then
 * is new. At most BL_HB_SEL_ROUND_MAX records are read per interval (a hostile BMC cannot keep
 * us reading), and a next-record id that points back stops the round.
 *
 * Requests are only sent from bl_hb_sel_step (the heartbeat's timer), never from inside an
 * IPMI reply: a reply records what to do next and asks the caller to run its timer.
 */
#ifndef BL_HEARTBEAT_SEL_H
#define BL_HEARTBEAT_SEL_H

#include "bl_ipmi.h"
#include "bl_sel.h"

#include <stdbool.h>
#include <stdint.h>

#define BL_HB_SEL_ROUND_MAX 64
#define BL_HB_SEL_NODE_MAX 128 /* a node name with its NUL: BL_REC_NAME_MAX */
#define BL_HB_SEL_DIR_MAX 256  /* sel_state_dir with its NUL: BL_BMC_PATH_MAX */
/* DIR "/sel-" NODE ".pos": any directory and node name the configuration accepts fits */
#define BL_HB_SEL_PATH_MAX (BL_HB_SEL_DIR_MAX + BL_HB_SEL_NODE_MAX + sizeof("/sel-.pos"))

/* Where the reader stands in the BMC's log. */
struct bl_hb_sel_pos {
    bool valid;     /* a position is known (from the file or a first look) */
    bool have_last; /* last_id names a record already handled */
    uint32_t add_ts, erase_ts;
    uint16_t entries;
    uint16_t last_id;
};

/** A record that matters: its verdict is not BL_SEL_IGNORE, or it is a power record
 * (bl_sel_is_power: a link drop may follow). */
typedef void (*bl_hb_sel_event_fn)(const struct bl_sel_record *r, const struct bl_sel_verdict *v,
                                   void *ud);
/** Run bl_hb_sel_step soon (from the caller's timer). */
typedef void (*bl_hb_sel_kick_fn)(void *ud);

enum bl_hb_sel_phase {
    BL_HB_SEL_IDLE = 0,
    BL_HB_SEL_INFO,     /* Get SEL Info out */
    BL_HB_SEL_BASELINE, /* Get SEL Entry of the last record: where history ends */
    BL_HB_SEL_READ,     /* Get SEL Entry of new records */
};

struct bl_hb_sel {
    char node[BL_HB_SEL_NODE_MAX];
    char path[BL_HB_SEL_PATH_MAX]; /* the position file; "" keeps it in memory */
    uint64_t interval_ns;
    uint64_t next_ns;
    enum bl_hb_sel_phase phase;
    bool in_flight;
    bool step;    /* a request is to be sent from the next bl_hb_sel_step */
    bool dead;    /* the owner is closing: replies are ignored */
    bool by_time; /* the last known record vanished: new means newer than pos.add_ts */
    bool resume;  /* the first record of the round is the one handled last time */
    bool said_error;
    bool said_save;
    struct bl_sel_info info;
    struct bl_hb_sel_pos pos;
    struct bl_hb_sel_pos saved; /* what the file holds (saved.valid: written since the start) */
    uint16_t want_id;
    unsigned round_reads;
    uint64_t rounds, records, acted, errors;
    bl_hb_sel_event_fn on_event;
    bl_hb_sel_kick_fn kick;
    void *ud;
};

/**
 * Set up the reader of \p node's SEL and load its position from \p state_dir.
 * \param[in] state_dir  folder of the position files; NULL or "" keeps it in memory
 * \return 0, or BL_E_INVALID: NULL callbacks, zero interval (\p s untouched); or a position
 *         file name that does not fit or a node name with a '/' (logged; \p s is set up and
 *         keeps the position in memory only)
 */
int bl_hb_sel_init(struct bl_hb_sel *s, const char *node, const char *state_dir,
                   uint32_t interval_ms, bl_hb_sel_event_fn on_event, bl_hb_sel_kick_fn kick,
                   void *ud);

/**
 * Do what is due: the next request of a round, or a new round when the interval passed.
 * \param[in] up  the session is open (nothing is sent otherwise)
 */
void bl_hb_sel_step(struct bl_hb_sel *s, const struct bl_ipmi_ops *ops, bl_ipmi_session *sess,
                    bool up, uint64_t now);

/**
 * When bl_hb_sel_step next has something to do (0: now); UINT64_MAX while a reply is awaited
 * or the session is down (\p up false): the caller runs its timer when either changes.
 */
uint64_t bl_hb_sel_next_due(const struct bl_hb_sel *s, bool up);

/** The session under a request went away: the round starts over at the next interval. */
void bl_hb_sel_reset(struct bl_hb_sel *s);

/** Parse a position file's text. \return 0 or BL_E_PROTO */
int bl_hb_sel_pos_parse(const char *text, struct bl_hb_sel_pos *out);

/** Format a position for its file. \param[out] buf at least 96 bytes */
void bl_hb_sel_pos_format(const struct bl_hb_sel_pos *p, char *buf, size_t len);

#endif
