/*
 * A fake BMC behind the bl_ipmi_ops seam, for unit tests of the sync wrapper and the
 * fence logic. Replies are delivered from idle sources on the given context, never from
 * inside send(), as the real backend does.
 */
#ifndef BL_IPMI_FAKE_H
#define BL_IPMI_FAKE_H

#include "bl_ipmi.h"

#include <glib.h>

struct fake_bmc {
    GMainContext *ctx;
    int open_rc;      /* state reported for open: 0 or a BL_E_* code */
    bool open_silent; /* never report the open result */
    bool power_on;
    unsigned int lag_polls; /* status polls before a power change shows */
    unsigned int lag_left;
    bool pending_state;
    bool silent;        /* accept requests, never answer them */
    int fail_rc;        /* answer every request with this rc and no reply (0: answer) */
    int open_fail;      /* open() itself returns this (0: open normally) */
    uint8_t control_cc; /* completion code for Chassis Control */
    uint8_t diag_cc;    /* completion code for the NMI sub-command */
    size_t status_len;  /* Get Chassis Status reply length (0: normal 4) */
    bool power_never_changes;
    unsigned int sends;
    unsigned int controls[6]; /* Chassis Control sub-commands seen */
    unsigned int open_calls;
    unsigned int closes;
    unsigned int pending; /* requests not yet answered */
    struct bl_ipmi_params last_params;
};

/** Reset \p f to a powered-on BMC that answers everything at once. */
void fake_bmc_init(struct fake_bmc *f, GMainContext *ctx);

/** Client handle pointing at \p f. */
void fake_bmc_client(struct fake_bmc *f, struct bl_ipmi_client *out);

extern const struct bl_ipmi_ops fake_bmc_ops;

#endif
