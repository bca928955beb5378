/*
 * Fakes for the unit tests of the heartbeat and the recovery glue: many BMCs behind one
 * bl_ipmi_ops (each keyed by its address), and Pacemaker behind bl_pcmk_ops. Both answer
 * from idle sources on the default main context, never from inside a call, as the real
 * backends do, and record what they were asked.
 */
#ifndef BL_BMC_FAKES_H
#define BL_BMC_FAKES_H

#include "bl_ipmi.h"
#include "pcmk.h"
#include "recovery_config.h"

#include <glib.h>

#define FAKE_HOSTS_MAX 8

struct fake_host {
    char host[64];
    int open_rc; /* what the open reports: 0 or BL_E_* */
    bool silent; /* requests are never answered */
    bool power_on;
    uint8_t notice_cc; /* completion code for anything but Get Chassis Status */
    unsigned opens;
    unsigned closes;
    GPtrArray *reqs;    /* "NN:CC[:DD...]" hex, every request received */
    gint64 last_req_us; /* monotonic time of the last request */
};

struct fake_bmcs {
    struct fake_host host[FAKE_HOSTS_MAX];
    size_t n;
    GList *sessions;
};

/** Empty set; add hosts with fake_bmcs_add. */
void fake_bmcs_init(struct fake_bmcs *f);
/** Free what the hosts recorded (sessions must be closed). */
void fake_bmcs_clear(struct fake_bmcs *f);
/** A powered-on BMC answering everything at \p host. */
struct fake_host *fake_bmcs_add(struct fake_bmcs *f, const char *host);
struct fake_host *fake_bmcs_find(struct fake_bmcs *f, const char *host);
/** Requests of \p host that match \p prefix ("30:81"...). */
unsigned fake_host_count(const struct fake_host *h, const char *prefix);
/** Drop every open session of \p host as if the BMC restarted (state callback rc < 0). */
void fake_bmcs_lose(struct fake_bmcs *f, const char *host);
void fake_bmcs_client(struct fake_bmcs *f, struct bl_ipmi_client *out);

/** A node of the configuration whose BMC is the fake at \p host (user admin, password pw). */
void fake_node_init(struct bl_bmc_node *n, const char *name, const char *host);

/* ---- Pacemaker ---- */

struct fake_pcmk {
    GPtrArray *log;     /* "attr NODE NAME VALUE|-", "standby NODE on|off", "status",
                           "restart RSC", "run ARGV0" */
    GHashTable *attrs;  /* "NODE NAME" -> value: the cluster's attributes now */
    int attr_rc;        /* result of attr_set */
    unsigned attr_fail; /* the next N attr_set fail with -EIO */
    int standby_rc, restart_rc, run_rc;
    bool hold_run;         /* run/restart never finish (until cancelled) */
    char *status_xml;      /* what status parses; NULL: status fails with -EIO */
    GPtrArray *status_seq; /* if set: one document per status call, the last one repeats */
    unsigned status_calls;
    GList *pending;
};

void fake_pcmk_init(struct fake_pcmk *p);
void fake_pcmk_clear(struct fake_pcmk *p);
void fake_pcmk_client(struct fake_pcmk *p, struct bl_pcmk_client *out);
/** Calls whose log line starts with \p prefix. */
unsigned fake_pcmk_count(const struct fake_pcmk *p, const char *prefix);
/** Answer status calls with these documents in turn (copied; NULL-terminated). */
void fake_pcmk_status_seq(struct fake_pcmk *p, const char *const *docs);
/** Answer status calls with these documents in turn (copied; NULL-terminated). */
void fake_pcmk_status_seq(struct fake_pcmk *p, const char *const *docs);
/** An attribute now, or NULL. */
const char *fake_pcmk_attr(const struct fake_pcmk *p, const char *node, const char *name);

/** Run the default context until \p done(ud) or \p ms passed. \return done(ud) */
bool fake_run_until(bool (*done)(void *ud), void *ud, unsigned ms);
/** Run the default context for \p ms. */
void fake_run_for(unsigned ms);

#endif
