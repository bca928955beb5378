/*
 * The heartbeat's state, internal to heartbeat.c (kept apart to keep that file short): one struct
 * per BMC, per node attribute and per request of the recovery. Not a public interface.
 */
#ifndef BL_HEARTBEAT_PRIV_H
#define BL_HEARTBEAT_PRIV_H

#include "heartbeat.h"
#include "heartbeat_sel.h"

#define HB_VALUE_MAX 16

struct bl_heartbeat;
struct hb_bmc;

/* One node attribute this daemon writes, only when its value changes. */
struct hb_attr {
    struct bl_heartbeat *hb;
    const char *node;
    const char *name;
    char want[HB_VALUE_MAX]; /* "" = nothing to write */
    char have[HB_VALUE_MAX];
    char writing_val[HB_VALUE_MAX];
    bool have_known;
    bool writing;
    bool failed; /* retried from retry_ns on */
    uint64_t retry_ns;
    bool own; /* written even when publish is off (#health-bmc) */
};

/* A request of the recovery on a BMC's session. */
struct hb_req {
    struct hb_bmc *b;
    uint8_t netfn, cmd;
    size_t len;
    uint8_t data[BL_IPMI_MSG_MAX];
    uint64_t deadline_ns;
    bl_hb_rsp_fn cb;
    void *ud;
    bool sent;      /* the IPMI layer holds it: its reply callback is still to come */
    bool delivered; /* cb ran, or the request was cancelled */
    int fail_rc;    /* deliver this at the next dispatch */
};

struct hb_bmc {
    struct bl_heartbeat *hb;
    char node[BL_REC_NAME_MAX];
    struct bl_ipmi_params params;
    struct bl_ipmi_client ipmi; /* the heartbeat's, or the local route (own BMC) */
    bl_ipmi_session *s;
    bool up;
    bool close_pending; /* closed from the timer, never inside an IPMI callback */
    bool wanted;        /* keep a session even without polling (bl_heartbeat_prepare) */
    bool said_down;     /* the loss was logged */
    uint64_t open_ns;   /* last open attempt */
    uint64_t opens;
    uint64_t next_tick_ns;
    struct bl_hb_state st;
    struct hb_attr reach, power;
};

struct bl_heartbeat {
    GMainContext *ctx;
    struct bl_ipmi_client ipmi;
    struct bl_pcmk_client pcmk;
    struct bl_hb_config conf;
    struct bl_health_config health_conf;
    bl_hb_change_fn on_change;
    void *ud;
    bool publish;
    bool started;
    bool closing;
    size_t n;
    struct hb_bmc *bmc;
    GList *reqs; /* struct hb_req * */
    GSource *timer;
    char local[BL_REC_NAME_MAX];
    struct bl_health health;
    struct hb_attr health_attr;
    struct bl_hb_sel *sel;  /* the local BMC's SEL reader, or NULL */
    struct hb_bmc *sel_bmc; /* whose session it uses */
};

#endif
