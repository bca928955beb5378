/*
 * The BMC side wired once (bmc_stack.h): configuration, seams, heartbeat, recovery, trap
 * receiver, in the order each needs the one before.
 */
#include "bmc_stack.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bl_result.h"

static void
on_trap(const struct bl_trap_event *ev, const struct bl_trap_msg *msg, uint64_t rx_ns, void *ud)
{
    struct bl_bmc_stack *s = ud;

    if (s->on_trap != NULL) {
        s->on_trap(ev, msg, rx_ns, s->ud);
    }
    if (s->rr != NULL) {
        bl_recovery_trap(s->rr, ev, rx_ns);
    }
}

/* The IPMI backend and the Pacemaker tools, which the heartbeat and the recovery share. */
static int
new_seams(struct bl_bmc_stack *s, char **errmsg)
{
    struct bl_pcmk_tools tools;
    int rc = bl_ipmi_lan_new(s->ctx, &s->lan);

    bl_pcmk_tools_init(&tools);
    if (rc == BL_OK) {
        rc = bl_pcmk_new(s->ctx, &tools, &s->pcmk);
    }
    if (rc != BL_OK) {
        *errmsg = g_strdup_printf("cannot start the IPMI or Pacemaker seam: %s", bl_strerror(rc));
    }
    return rc;
}

/* This node's own BMC through the local IPMI driver, when [bmc] path asks for it. */
static int
new_route(struct bl_bmc_stack *s, const char *node, struct bl_ipmi_client *out)
{
    const struct bl_bmc_node *n = bl_bmc_config_find(s->cfg, node);
    int rc;

    if (n == NULL || n->path == BL_IPMI_PATH_LAN) {
        return BL_OK; /* out stays empty: the LAN client serves it */
    }
    rc = bl_ipmi_route_new_local(s->lan, n->path, n->device, &s->route);
    if (rc == BL_OK) {
        bl_ipmi_route_client(s->route, out);
    }
    return rc;
}

static int
new_sides(struct bl_bmc_stack *s, const struct bl_bmc_stack_params *p, char **errmsg)
{
    struct bl_heartbeat_params hp = {.ctx = s->ctx,
                                     .cfg = s->cfg,
                                     .local_node = p->node,
                                     .on_change = p->on_hb_change,
                                     .ud = p->ud};
    struct bl_recovery_params rp = {
        .ctx = s->ctx, .node = p->node, .cfg = &s->cfg->rec, .on_step = p->on_step, .ud = p->ud};
    int rc;

    bl_ipmi_lan_client(s->lan, &hp.ipmi);
    bl_pcmk_client(s->pcmk, &hp.pcmk);
    rc = new_route(s, p->node, &hp.local_ipmi);
    if (rc == BL_OK) {
        rc = bl_heartbeat_new(&hp, &s->hb);
    }
    if (rc == BL_OK && !p->heartbeat_only) {
        rp.hb = s->hb;
        rp.pcmk = hp.pcmk;
        rc = bl_recovery_new(&rp, &s->rr);
    }
    if (rc != BL_OK) {
        *errmsg = g_strdup_printf("cannot set up the heartbeat or the recovery of %s: %s", p->node,
                                  bl_strerror(rc));
    }
    return rc;
}

static int
new_trap(struct bl_bmc_stack *s, const struct bl_bmc_stack_params *p, char **errmsg)
{
    struct bl_trap_node_config tcfg;
    int rc = bl_trap_config_load(p->path, p->node, &tcfg, errmsg);

    if (rc != BL_OK) {
        return rc;
    }
    bl_trap_addr_format(&tcfg.listen, s->listen, sizeof(s->listen));
    rc = bl_trap_receiver_new(s->ctx, &tcfg, &bl_trap_udp_io, NULL, on_trap, s, &s->rx);
    explicit_bzero(&tcfg, sizeof(tcfg));
    /* The replay state beside the SEL position: [heartbeat] sel_state_dir ("": memory only). */
    if (rc == BL_OK && s->cfg->hb.sel_state_dir[0] != '\0') {
        g_autofree char *name = g_strdup_printf("trap-%s.state", p->node);
        g_autofree char *path = g_build_filename(s->cfg->hb.sel_state_dir, name, NULL);
        (void) bl_trap_receiver_keep_state(s->rx, path);
    }
    if (rc != BL_OK) {
        *errmsg =
            g_strdup_printf("trap receiver of %s on %s: %s", p->node, s->listen, bl_strerror(rc));
    }
    return rc;
}

int
bl_bmc_stack_new(const struct bl_bmc_stack_params *p, struct bl_bmc_stack **out, char **errmsg)
{
    struct bl_bmc_stack *s = g_new0(struct bl_bmc_stack, 1);
    int rc;

    *out = NULL;
    s->node = g_strdup(p->node);
    s->ctx = g_main_context_ref(p->ctx != NULL ? p->ctx : g_main_context_default());
    s->on_trap = p->on_trap;
    s->ud = p->ud;
    rc = bl_bmc_config_load(p->path, &s->cfg, errmsg);
    if (rc == BL_OK) {
        rc = new_seams(s, errmsg);
    }
    if (rc == BL_OK) {
        rc = new_sides(s, p, errmsg);
    }
    if (rc == BL_OK && !p->heartbeat_only) {
        rc = new_trap(s, p, errmsg);
    }
    if (rc != BL_OK) {
        bl_bmc_stack_free(s);
        return rc;
    }
    *out = s;
    return BL_OK;
}

int
bl_bmc_stack_start(struct bl_bmc_stack *s, char **errmsg)
{
    int rc = BL_OK;

    /* The socket first: when it fails no IPMI session was opened, and freeing is quick. */
    if (s->rx != NULL) {
        rc = bl_trap_receiver_start(s->rx);
    }
    if (rc != BL_OK) {
        *errmsg = g_strdup_printf("cannot listen for traps on %s (node %s): %s", s->listen, s->node,
                                  bl_strerror(rc));
        return rc;
    }
    bl_heartbeat_start(s->hb);
    s->started = true;
    return BL_OK;
}

void
bl_bmc_stack_free(struct bl_bmc_stack *s)
{
    if (s == NULL) {
        return;
    }
    bl_trap_receiver_free(s->rx);
    bl_recovery_free(s->rr);
    bl_heartbeat_free(s->hb);
    bl_pcmk_free(s->pcmk);
    /* Let OpenIPMI see its sessions closed before it goes. Only when the heartbeat ran: a
     * failed start opened none, and is freed from the retry timer, where iterating would
     * run the other handlers of that context nested inside it. */
    for (int i = 0;
         s->started && s->lan != NULL && i < 20 && g_main_context_iteration(s->ctx, FALSE); i++) {
    }
    bl_ipmi_route_free(s->route);
    bl_ipmi_lan_free(s->lan);
    bl_bmc_config_free(s->cfg);
    if (s->ctx != NULL) {
        g_main_context_unref(s->ctx);
    }
    g_free(s->node);
    g_free(s);
}

double
bl_bmc_real_ms(uint64_t mono_ns)
{
    struct timespec rt, mt;

    clock_gettime(CLOCK_REALTIME, &rt);
    clock_gettime(CLOCK_MONOTONIC, &mt);
    return (double) rt.tv_sec * 1e3 + (double) rt.tv_nsec / 1e6 -
           ((double) mt.tv_sec * 1e9 + (double) mt.tv_nsec - (double) mono_ns) / 1e6;
}
