/*
 * The BMC module's state, shared by its two files: bmc_service.c (the module: start, retry,
 * the election, the calls between the loops) and bmc_report.c (`bmclink status`). Private to
 * monitor/daemon.
 */
#ifndef BLD_BMC_SERVICE_INT_H
#define BLD_BMC_SERVICE_INT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "bmc_stack.h"
#include "bmc_status.h"
#include "daemon.h"

#define NOTICES_KEPT 8
#define ERR_LEN 512

/* A notice as `bmclink status` lists it. */
struct notice_rec {
    gint64 real_us;
    char line[160];
};

/* The election as the main loop saw it last; the BMC thread gets a copy with each change. */
struct group_view {
    uint32_t self;   /* our nodeid there, 0 until connected */
    uint32_t lowest; /* the group's lowest nodeid, 0 when out of it */
    size_t n_members;
    bool elected;
};

struct bld_bmc {
    /* set before the thread runs, then read-only */
    struct bld *d;
    char *path;
    char node[BL_REC_NAME_MAX];
    char *group_name;      /* [bmc] group */
    unsigned retry_ms;     /* [bmc] retry-ms */
    struct bld_thread *th; /* the BMC thread */
    GMainContext *ctx;     /* its context */
    /* main loop only */
    bool gone;             /* stopped: queued calls do nothing */
    struct bld_cpg *group; /* the publisher's election, joined once the BMC side runs */
    struct group_view main_gv;
    /* BMC thread only */
    struct group_view gv;    /* the last copy received */
    struct bl_bmc_stack *st; /* NULL until it started, and while it is failed */
    bool publish;            /* this daemon writes bmclink-bmc-* now */
    GSource *retry;          /* the retry timer while it is failed, else NULL */
    GSource *drain;          /* while stopping: the check that the recovery is over */
    uint64_t drain_until_us; /* monotonic bound of that wait */
    char error[ERR_LEN];     /* why it failed last ("" while it runs) */
    uint64_t n_notices;
    struct notice_rec notices[NOTICES_KEPT]; /* ring: the last NOTICES_KEPT accepted */
    struct notice_rec last_drop;             /* real_us 0 until a trap was dropped */
    struct notice_rec last_dup;              /* real_us 0 until a resend was seen */
};

/**
 * The BMC side's part of `bmclink status` (bmc.*, trap.*, notices, recovery.*, hb.*).
 * BMC thread only: it reads the thread's state.
 * \param[in,out] st  appended to
 */
void bld_bmc_status_build(struct bld_bmc *b, struct bl_status *st);

#endif
