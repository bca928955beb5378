/*
 * The manager's update, walked as the vendor's guide does it (Ver.4 lines 596-601, Ver.5
 * 1231-1236, Ver.6 2153-2183): only the services stopped, the shared disk and the
 * synchronized registry kept online, the same version on every node, the startup types and
 * the scripts redone afterwards. Printed as numbered steps with the exact commands; nothing
 * is run.
 *
 * Why not simply disable the chain: its stop undoes the folder binds, so the installer would
 * update the local install-time copies and not the live folders on the volume (the guide's
 * installer updates the shared disk, which stays online). Unmanaged, the chain keeps its
 * binds while the members are stopped by hand.
 */
#include "esm.h"

#include <string.h>

struct plan {
    GString *out;
    int step;
    int stop_step; /* the step that stops the services by hand */
};

static void G_GNUC_PRINTF(2, 3) step(struct plan *p, const char *fmt, ...)
{
    va_list ap;

    g_string_append_printf(p->out, "\n%2d. ", ++p->step);
    va_start(ap, fmt);
    g_string_append_vprintf(p->out, fmt, ap);
    va_end(ap);
    g_string_append_c(p->out, '\n');
}

static void G_GNUC_PRINTF(2, 3) cmd(struct plan *p, const char *fmt, ...)
{
    va_list ap;

    g_string_append(p->out, "      ");
    va_start(ap, fmt);
    g_string_append_vprintf(p->out, fmt, ap);
    va_end(ap);
    g_string_append_c(p->out, '\n');
}

/* How one member or outside service is started or stopped by hand. */
static void
member_cmd(struct plan *p, const struct bl_chain_member *m, const char *action)
{
    switch (m->kind) {
        case BL_KIND_SYSTEMD:
            cmd(p, "systemctl %s %s", action, m->unit);
            break;
        case BL_KIND_LSB:
            cmd(p, "%s %s", m->script, action);
            break;
        default:
            cmd(p, "%s %s (as its [member] section says: %s)", action, m->name,
                strcmp(action, "stop") == 0 ? "stop_command or SIGTERM to its pidfile's process"
                                            : "its command");
            break;
    }
}

static void
hooks(struct plan *p, const struct bl_chain *chain, enum bl_hook h)
{
    for (size_t i = 0; i < chain->n_outside; i++) {
        const struct bl_chain_member *o = &chain->outside[i];
        if (o->hook[h] != NULL) {
            member_cmd(p, o, g_str_has_prefix(o->hook[h], "start") ? "start" : "stop");
        }
    }
}

static bool
has_hook(const struct bl_chain *chain, enum bl_hook h)
{
    for (size_t i = 0; i < chain->n_outside; i++) {
        if (chain->outside[i].hook[h] != NULL) {
            return true;
        }
    }
    return false;
}

static void
stop_by_hand(struct plan *p, const struct bl_chain *chain)
{
    p->stop_step = p->step + 1;
    step(p, "On the active node, stop the services in the guide's stop order (the chain's "
            "reverse),\n    with what it stops around them first:");
    hooks(p, chain, BL_HOOK_BEFORE_STOP);
    for (size_t i = chain->n_members; i-- > 0;) {
        member_cmd(p, &chain->members[i], "stop");
    }
}

static void
disable_units(struct plan *p, const struct bl_chain *chain)
{
    GString *units = g_string_new(NULL);

    for (size_t i = 0; i < chain->n_members; i++) {
        if (chain->members[i].kind == BL_KIND_SYSTEMD) {
            g_string_append_printf(units, " %s", chain->members[i].unit);
        }
    }
    step(p, "On every node: an update sets the services to start at boot again (guide lines "
            "2011,\n    2175, 2874), which would start them outside the cluster:");
    if (units->len > 0) {
        cmd(p, "systemctl disable%s", units->str);
    }
    cmd(p, "(LSB members: update-rc.d NAME disable)");
    g_string_free(units, TRUE);
}

static void
ver6_files(struct plan *p, const struct bl_esm_site *s)
{
    g_autofree char *service =
        g_build_filename(s->install_dir, "ESMWEB/wbserver/webapps/esmpro/WEB-INF/service", NULL);

    step(p,
         "Ver.6 (guide lines 2177-2183): on the active node, where %s is the\n"
         "    volume's service folder, ServerManagerLog.properties, NvBaseReceiver.properties "
         "and\n    systemlog.properties must exist; copy a missing one from another node's "
         "local copy.\n    `bmclink esm check` reports them.",
         service);
}

char *
bl_esm_update_plan(const struct bl_esm_site *s, const struct bl_chain *chain, bool crm)
{
    struct plan p = {g_string_new(NULL), 0, 0};
    g_autofree char *res = g_strdup_printf("%s-chain", s->group);

    g_string_append_printf(p.out,
                           "Update of ESMPRO/ServerManager %s, group %s (site %s): the steps, "
                           "nothing done yet.\nOnly the services stop; the floating IP, the "
                           "volume (with the folders bound at the\ninstall paths) and the "
                           "registry stay online, as the guide has it.\n",
                           s->version, s->group, s->source);
    step(&p, "Check the cluster, and fix every line it prints:");
    cmd(&p, "bmclink esm check %s", s->source);
    step(&p, "Find the active node (where the group runs):");
    cmd(&p, crm ? "crm resource locate %s" : "crm_resource --locate --resource %s", s->group);
    step(&p, "Take the chain out of Pacemaker's hands, so that it neither undoes the binds nor\n"
             "    restarts the services while they are stopped:");
    cmd(&p, crm ? "crm resource unmanage %s" : "pcs resource unmanage %s", res);
    stop_by_hand(&p, chain);
    step(&p, "On the active node, run the update installer of the new version. The folders it "
             "updates\n    are the volume's (bound at the install paths). Do not reboot when it "
             "asks.");
    step(&p, "On every other node, run the same version's installer (its folders are the local\n"
             "    install-time copies; Ver.6 may warn that the service folder was not found: "
             "continue,\n    guide lines 2159-2173). The same version on every node (guide "
             "lines 600, 1235, 2159).");
    disable_units(&p, chain);
    if (s->version[0] == '6') {
        ver6_files(&p, s);
    }
    step(&p,
         "If the version changed: set `version` in %s, write the chain again on every node\n"
         "    and look at what the new version adds or leaves out:",
         s->source);
    cmd(&p, "bmclink esm chain %s > /etc/bmclink/chains/%s.chain", s->source, s->chain);
    cmd(&p, "bmclink chain show %s", s->chain);
    step(&p, "Check again; every line fixed before going on:");
    cmd(&p, "bmclink esm check %s", s->source);
    step(&p, "Give the chain back: Pacemaker probes it, finds the services stopped and starts "
             "the\n    chain where the volume is (the binds already there are kept):");
    cmd(&p, crm ? "crm resource manage %s" : "pcs resource manage %s", res);
    cmd(&p, crm ? "crm resource cleanup %s" : "pcs resource cleanup %s", res);
    if (has_hook(chain, BL_HOOK_AFTER_STOP)) {
        step(&p,
             "What the stop of step %d stopped outside the chain and starts again after it, "
             "on the\n    active node:",
             p.stop_step);
        hooks(&p, chain, BL_HOOK_AFTER_STOP);
    }
    step(&p, "See it run:");
    cmd(&p, "bmclink chain status");
    return g_string_free(p.out, FALSE);
}
