/*
 * The heartbeat (bl_heartbeat, real RMCP+ sessions through bl_ipmi_lan) against a real BMC,
 * with Pacemaker replaced by a recorder that prints every attribute write as
 *   attr NODE NAME VALUE
 * on stdout, for heartbeat_sel_sim.sh (SEL records into #health-bmc through ipmi_sim).
 *   heartbeat_sel_sim CONFIG NODE    (runs until SIGTERM or SIGINT)
 */
#include "bl_ipmi_lan.h"
#include "bl_log.h"
#include "bl_result.h"
#include "heartbeat.h"

#include <errno.h>
#include <glib-unix.h>
#include <inttypes.h>
#include <stdio.h>

struct pend {
    bl_pcmk_done_fn cb;
    void *ud;
    guint id;
};

static GList *pending;

static gboolean
rec_done(gpointer data)
{
    struct pend *p = data;

    pending = g_list_remove(pending, p);
    p->cb(0, NULL, p->ud);
    g_free(p);
    return G_SOURCE_REMOVE;
}

static int
rec_attr_set(void *be, const char *node, const char *attr, const char *value, bl_pcmk_done_fn cb,
             void *ud)
{
    struct pend *p = g_new0(struct pend, 1);

    printf("attr %s %s %s\n", node, attr, value != NULL ? value : "-");
    fflush(stdout);
    *p = (struct pend){.cb = cb, .ud = ud};
    p->id = g_idle_add(rec_done, p);
    pending = g_list_prepend(pending, p);
    return 0;
}

static void
rec_cancel(void *be, void *ud)
{
    GList *l = pending;

    while (l != NULL) {
        GList *next = l->next;
        struct pend *p = l->data;

        if (p->ud == ud) {
            g_source_remove(p->id);
            pending = g_list_delete_link(pending, l);
            p->cb(-ECANCELED, NULL, p->ud);
            g_free(p);
        }
        l = next;
    }
}

static const struct bl_pcmk_ops rec_ops = {
    .name = "recorder", .attr_set = rec_attr_set, .cancel = rec_cancel};

static gboolean
on_signal(gpointer loop)
{
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

int
main(int argc, char **argv)
{
    struct bl_bmc_config *cfg = NULL;
    struct bl_ipmi_lan *lan = NULL;
    struct bl_heartbeat *hb = NULL;
    GMainLoop *loop;
    char *err = NULL;
    int rc;

    if (argc != 3) {
        fprintf(stderr, "usage: %s CONFIG NODE\n", argv[0]);
        return 99;
    }
    bl_log_init("heartbeat_sel_sim", BL_LOG_STDERR, LOG_INFO);
    rc = bl_bmc_config_load(argv[1], &cfg, &err);
    if (rc != BL_OK) {
        fprintf(stderr, "%s\n", err != NULL ? err : bl_strerror(rc));
        g_free(err);
        return 99;
    }
    rc = bl_ipmi_lan_new(NULL, &lan);
    if (rc == BL_OK) {
        struct bl_heartbeat_params p = {.cfg = cfg, .local_node = argv[2]};

        bl_ipmi_lan_client(lan, &p.ipmi);
        p.pcmk = (struct bl_pcmk_client){.ops = &rec_ops};
        rc = bl_heartbeat_new(&p, &hb);
    }
    if (rc != BL_OK) {
        fprintf(stderr, "set-up: %s\n", bl_strerror(rc));
        bl_ipmi_lan_free(lan);
        bl_bmc_config_free(cfg);
        return 99;
    }
    loop = g_main_loop_new(NULL, FALSE);
    g_unix_signal_add(SIGTERM, on_signal, loop);
    g_unix_signal_add(SIGINT, on_signal, loop);
    bl_heartbeat_start(hb);
    g_main_loop_run(loop);
    for (size_t i = 0; i < bl_heartbeat_count(hb); i++) {
        struct bl_hb_status st;

        if (bl_heartbeat_get(hb, i, &st) == BL_OK && st.sel) {
            printf("sel %s rounds=%" PRIu64 " records=%" PRIu64 " acted=%" PRIu64 " errors=%" PRIu64
                   "\n",
                   st.node, st.sel_rounds, st.sel_records, st.sel_acted, st.sel_errors);
        }
    }
    bl_heartbeat_free(hb);
    bl_ipmi_lan_free(lan);
    bl_bmc_config_free(cfg);
    g_main_loop_unref(loop);
    bl_log_fini();
    return 0;
}
