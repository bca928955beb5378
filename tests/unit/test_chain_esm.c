/*
 * The shipped profiles (conf/chains/esm-ver*.chain, conf/registry/esmpro*.profile) against
 * the vendor's cluster guide, transcribed here table by table: "CLUSTERPRO X PP guide"
 * (ESMPRO/ServerManager chapter), 10th edition 2020-04-02, as the text in
 * shared/seeds/003_e4da3ac758ae2263.txt; the line numbers below are that file's. A profile
 * that drifts from the guide fails here, whatever else its tests say.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "chain_test_util.h"

#include "bl_result.h"
#include "chain.h"
#include "reg_profile.h"

#include <glib.h>
#include <string.h>

/* One row of a start-order table: the guide's display name and service name, and the
 * footnote that leaves the service out, as a chain condition (NULL: always written). */
struct row {
    const char *display;
    const char *service;
    const char *when;
};

/* Ver.4, start-order table, lines 754-762; footnotes (*2) line 768, (*3) line 770. */
static const struct row ver4_start[] = {
    {"ESM Base Service", "Nvbase", NULL},
    {"ESM Alert Service", "ESMASVNT", NULL},
    {"Alert Manager Socket(R) Service", "AlertManagerSocketReceiveService", NULL},
    {"Dmi Event Watcher", "DmiEventWatcher", "dmi_events"},
    {"ESM Command Service", "Nvcmd", NULL},
    {"ESM Remote Map Service", "Nvrmapd", NULL},
    {"ESMPRO/SM Trap Redirection", "EsmTrapRedirection", "trap_forwarding"},
    {"ESMPRO/SM Base Service", "ESMDSVNT", NULL},
};

/* Ver.4, stop-order table, lines 780-789. */
static const char *const ver4_stop[] = {
    "ESMDSVNT",        "EsmTrapRedirection",
    "Nvrmapd",         "Nvcmd",
    "DmiEventWatcher", "AlertManagerSocketReceiveService",
    "ESMASVNT",        "Nvbase",
};

/* Ver.5, start-order table, lines 1661-1673; footnotes (*2) 1679, (*3) 1681, (*4) 1683
 * ("required from Ver.5.5 on"). */
static const struct row ver5_start[] = {
    {"ESM Base Service", "Nvbase", NULL},
    {"ESM Alert Service", "ESMASVNT", NULL},
    {"Alert Manager Socket(R) Service", "AlertManagerSocketReceiveService", NULL},
    {"Dmi Event Watcher", "DmiEventWatcher", "dmi_events"},
    {"ESM Command Service", "Nvcmd", NULL},
    {"ESM Remote Map Service", "Nvrmapd", NULL},
    {"ESMPRO/SM Trap Redirection", "EsmTrapRedirection", "trap_forwarding"},
    {"ESMPRO/SM Base Service", "ESMDSVNT", NULL},
    {"ESMPRO/SM Web Container", "ESMWebContainer", NULL},
    {"ESMPRO/SM Common Component", "ESMCommonComponent", NULL},
    {"ESMPRO/SM Event Manager", "ESMEventManager", "version >= 5.5"},
    {"DianaScope ModemAgent", "DianaScope ModemAgent", NULL},
};

/* Ver.5, stop-order table, lines 1694-1706. */
static const char *const ver5_stop[] = {
    "DianaScope ModemAgent",
    "ESMEventManager",
    "ESMCommonComponent",
    "ESMWebContainer",
    "ESMDSVNT",
    "EsmTrapRedirection",
    "Nvrmapd",
    "Nvcmd",
    "DmiEventWatcher",
    "AlertManagerSocketReceiveService",
    "ESMASVNT",
    "Nvbase",
};

/* Ver.6, start-order table, lines 2533-2549; footnotes (*1) 2551, (*2) 2553 ("only Ver.6.40
 * and later"). */
static const struct row ver6_start[] = {
    {"Alert Manager WMI Service", "AlertManagerWMIService", NULL},
    {"Alert Manager HTTPS Service", "AlertManagerHTTPSService", NULL},
    {"ESM Base Service", "Nvbase", NULL},
    {"ESM Remote Map Service", "Nvrmapd", NULL},
    {"ESM Command Service", "Nvcmd", NULL},
    {"ESM Alert Service", "ESMASVNT", NULL},
    {"Dmi Event Watcher", "DmiEventWatcher", "dmi_events"},
    {"ESMPRO/SM Base Service", "ESMDSVNT", NULL},
    {"Alert Manager Socket(R) Service", "AlertManagerSocketReceiveService", NULL},
    {"ESM32BridgeService for NvAccessor", "ESM32BridgeNvAccessor", "version >= 6.40"},
    {"ESM32BridgeService for AlertListener", "ESM32BridgeAlertListener", "version >= 6.40"},
    {"ESMPRO/SM Common Component", "ESMCommonComponent", NULL},
    {"ESMPRO/SM Base Alert Listener", "ESMBaseAlertListener", NULL},
    {"ESMPRO/SM Event Manager", "ESMEventManager", NULL},
    {"ESMPRO/SM Web Container", "ESMWebContainer", NULL},
    {"DianaScope ModemAgent", "DianaScope ModemAgent", NULL},
};

/* Ver.6, stop-order table, lines 2565-2581. */
static const char *const ver6_stop[] = {
    "DianaScope ModemAgent",
    "ESMWebContainer",
    "ESMEventManager",
    "ESMBaseAlertListener",
    "ESMCommonComponent",
    "ESM32BridgeAlertListener",
    "ESM32BridgeNvAccessor",
    "AlertManagerSocketReceiveService",
    "ESMDSVNT",
    "DmiEventWatcher",
    "ESMASVNT",
    "Nvcmd",
    "Nvrmapd",
    "Nvbase",
    "AlertManagerHTTPSService",
    "AlertManagerWMIService",
};

/* The services the script examples start and stop around the chain ("net start"/"net stop"
 * lines), point by point, as "ACTION SERVICE" in the script's order; and the condition of
 * each (its footnote). */
struct around {
    const char *points[BL_HOOK_COUNT][4]; /* before_start, after_start, before_stop, after_stop */
};

/* Ver.4: start script lines 846-904 (cooperator, footnote 909); stop script lines 911-986
 * (Express PC Report footnote 982, Alert Manager Main Service 983, cooperator 984). */
static const struct around ver4_around = {{
    {NULL},
    {"start CLUSTERPRO ESMPRO/SM cooperator", NULL},
    {"stop Express PC Report", "stop Alert Manager Main Service",
     "stop CLUSTERPRO ESMPRO/SM cooperator"},
    {"start Express PC Report", "start Alert Manager Main Service", NULL},
}};

/* Ver.5: start script lines 1765-1837 (cooperator, 1837); stop script lines 1839-1917
 * (Alert Manager Main Service 1913, cooperator 1914). */
static const struct around ver5_around = {{
    {NULL},
    {"start CLUSTERPRO ESMPRO/SM cooperator", NULL},
    {"stop Alert Manager Main Service", "stop CLUSTERPRO ESMPRO/SM cooperator", NULL},
    {"start Alert Manager Main Service", NULL},
}};

/* Ver.6: start script lines 2645-2728 (Alert Manager Main Service where Express Report
 * Service (MG) Ver3.4 or older coexists, 2725; cooperator 2727); stop script lines 2732-2816
 * (Alert Manager Main Service 2813, cooperator 2814). "Alert Manager HTTPS Service" is started
 * there with net start too, but it is row 2 of the table: a member. */
static const struct around ver6_around = {{
    {"stop Alert Manager Main Service", NULL},
    {"start CLUSTERPRO ESMPRO/SM cooperator", "start Alert Manager Main Service", NULL},
    {"stop Alert Manager Main Service", "stop CLUSTERPRO ESMPRO/SM cooperator", NULL},
    {"start Alert Manager Main Service", NULL},
}};

/* Folders that go to the shared disk: Ver.4 the work folder (lines 631-646); Ver.5 lines
 * 1268-1324 and Ver.6 lines 2226-2280 also the service folder, the update package folder
 * and the DB folder, the last two "if they exist". Paths below the install folder. */
struct folder_row {
    const char *name;
    const char *path;
    bool optional;
};

static const struct folder_row ver4_folders[] = {{"work", "NVWORK", false}};
static const struct folder_row ver56_folders[] = {
    {"work", "NVWORK", false},
    {"service", "ESMWEB/wbserver/webapps/esmpro/WEB-INF/service", false},
    {"pkgpool", "ESMWEB/pkgpool", true},
    {"db", "ESMWEB/wbserver/webapps/esmpro/WEB-INF/db", true},
};

struct version {
    const char *profile;
    const char *newest; /* a version that meets every version condition */
    const struct row *start;
    size_t n;
    const char *const *stop;
    const struct around *around;
    const struct folder_row *folders;
    size_t n_folders;
};

static const struct version versions[] = {
    {"esm-ver4", "4.99", ver4_start, G_N_ELEMENTS(ver4_start), ver4_stop, &ver4_around,
     ver4_folders, G_N_ELEMENTS(ver4_folders)},
    {"esm-ver5", "5.99", ver5_start, G_N_ELEMENTS(ver5_start), ver5_stop, &ver5_around,
     ver56_folders, G_N_ELEMENTS(ver56_folders)},
    {"esm-ver6", "6.99", ver6_start, G_N_ELEMENTS(ver6_start), ver6_stop, &ver6_around,
     ver56_folders, G_N_ELEMENTS(ver56_folders)},
};

/* Member names have no blanks: "DianaScope ModemAgent" is DianaScope-ModemAgent. */
static char *
member_name(const char *service)
{
    return g_strdelimit(g_strdup(service), " ", '-');
}

/* Load a profile for a site: a file that includes it and gives version and features. */
static struct bl_chain *
load_for_site(const char *profile, const char *version, const char *features)
{
    const char *const dirs[] = {BL_SOURCE_DIR "/conf/chains", NULL};
    const struct bl_chain_defaults defs = {60000, 30000, dirs};
    g_autofree char *text = g_strdup_printf("[chain]\ninclude = %s\nversion = %s\nfeatures = %s\n",
                                            profile, version, features);
    g_autofree char *path = tmp_path("site.chain");
    g_autofree char *err = NULL;
    struct bl_chain *c = NULL;

    assert_true(g_file_set_contents(path, text, -1, NULL));
    if (bl_chain_load_file(path, &defs, &c, &err) != 0) {
        fail_msg("%s for %s %s: %s", profile, version, features, err);
    }
    return c;
}

/* The guide's stop table is the exact reverse of its start table (what the agent does). */
static void
test_stop_is_reverse_of_start(void **state)
{
    (void) state;
    for (size_t v = 0; v < G_N_ELEMENTS(versions); v++) {
        for (size_t i = 0; i < versions[v].n; i++) {
            assert_string_equal(versions[v].stop[i],
                                versions[v].start[versions[v].n - 1 - i].service);
        }
    }
}

/* Every member, in the guide's order, with its display name and condition; no optional. */
static void
test_profiles_equal_guide_tables(void **state)
{
    (void) state;
    for (size_t v = 0; v < G_N_ELEMENTS(versions); v++) {
        const struct version *ver = &versions[v];
        struct bl_chain *c = load_for_site(ver->profile, ver->newest, "all");
        assert_int_equal(c->n_members, ver->n);
        for (size_t i = 0; i < ver->n; i++) {
            g_autofree char *name = member_name(ver->start[i].service);
            const struct bl_chain_member *m = &c->members[i];
            assert_string_equal(m->name, name);
            assert_string_equal(m->description, ver->start[i].display);
            assert_false(m->optional);
            if (ver->start[i].when == NULL) {
                assert_null(m->when);
            } else {
                assert_string_equal(m->when, ver->start[i].when);
            }
        }
        assert_int_equal(c->left_out[0] == NULL, true);
        bl_chain_free(c);
    }
}

/* A site that uses no feature and runs the oldest version gets exactly the unconditional
 * rows, still in the guide's order, and the rest listed as left out. */
static void
test_site_leaves_conditional_rows_out(void **state)
{
    static const char *const oldest[] = {"4.2", "5.3", "6.0"};

    (void) state;
    for (size_t v = 0; v < G_N_ELEMENTS(versions); v++) {
        const struct version *ver = &versions[v];
        struct bl_chain *c = load_for_site(ver->profile, oldest[v], "none");
        size_t kept = 0, left = 0;
        for (size_t i = 0; i < ver->n; i++) {
            g_autofree char *name = member_name(ver->start[i].service);
            if (ver->start[i].when != NULL) {
                assert_null(bl_chain_find(c, name));
                assert_non_null(strstr(c->left_out[left++], name));
                continue;
            }
            assert_true(kept < c->n_members);
            assert_string_equal(c->members[kept++].name, name);
        }
        assert_int_equal(kept, c->n_members);
        assert_int_equal(c->n_outside, 0);
        bl_chain_free(c);
    }
}

/* The services acted on around the chain, point by point, in the script's order. */
static void
test_outside_services_as_scripts(void **state)
{
    (void) state;
    for (size_t v = 0; v < G_N_ELEMENTS(versions); v++) {
        const struct version *ver = &versions[v];
        struct bl_chain *c = load_for_site(ver->profile, ver->newest, "all");
        for (int h = 0; h < BL_HOOK_COUNT; h++) {
            size_t k = 0;
            for (size_t i = 0; i < c->n_outside; i++) {
                const struct bl_chain_member *o = &c->outside[i];
                if (o->hook[h] == NULL) {
                    continue;
                }
                g_autofree char *desc = g_strdup(o->description);
                char *paren = strstr(desc, " (around");
                if (paren != NULL) {
                    *paren = '\0';
                }
                g_autofree char *step = g_strdup_printf("%s %s", o->hook[h], desc);
                assert_non_null(ver->around->points[h][k]);
                assert_string_equal(step, ver->around->points[h][k]);
                k++;
            }
            assert_null(ver->around->points[h][k]);
        }
        bl_chain_free(c);
    }
}

static void
test_folders_as_guide(void **state)
{
    (void) state;
    for (size_t v = 0; v < G_N_ELEMENTS(versions); v++) {
        const struct version *ver = &versions[v];
        struct bl_chain *c = load_for_site(ver->profile, ver->newest, "none");
        assert_int_equal(c->n_folders, ver->n_folders);
        for (size_t i = 0; i < ver->n_folders; i++) {
            assert_string_equal(c->folders[i].name, ver->folders[i].name);
            assert_string_equal(c->folders[i].path, ver->folders[i].path);
            assert_int_equal(c->folders[i].optional, ver->folders[i].optional);
        }
        /* Rights given for the work folder: Administrators/SYSTEM and the ESMPRO group full,
         * Everyone read and execute (lines 640-646, 1279-1285, 2237-2241). */
        assert_int_equal(c->folders[0].mode, 0775);
        bl_chain_free(c);
    }
}

/* The synchronized registry keys: Ver.4 lines 708-719, Ver.5 1613-1626 (its "ESMAAlertMan"
 * is a misprint), Ver.6 2445-2471. Checked through what each profile covers. */
static void
test_registry_profiles(void **state)
{
    static const char *const common[] = {
        "SOFTWARE/NEC/ESMSM/CurrentVersion/ODBC",
        "SOFTWARE/NEC/NVBASE/AlertViewer",
        "SOFTWARE/NEC/ESMAlertMan/BaseSetting/Receive",
        "SOFTWARE/NEC/ESMAlertMan/Socket/Socketr",
        "SYSTEM/CurrentControlSet/Services/Nvbase",
        "SOFTWARE/NEC/ESMAlertMan/BaseSetting/Report/ExpressReport (MG)",
        "SOFTWARE/NEC/ESMAlertMan/Destination/ID_LIST/エクスプレス通報サービス (MG)",
    };
    static const char *const ver6_only[] = {
        "SOFTWARE/NEC/ESMAlertMan/BaseSetting/Report/ManagerExpress (HTTPS)",
        "SOFTWARE/NEC/ESMAlertMan/Destination/ID_LIST/マネージャからのエクスプレス (HTTPS)",
        "SOFTWARE/NEC/ESMAlertMan/MIOTMGSETTING",
    };
    struct bl_reg_profile *p4 = NULL, *p6 = NULL;
    char *err = NULL;

    (void) state;
    assert_int_equal(bl_reg_profile_load(BL_SOURCE_DIR "/conf/registry/esmpro.profile", &p4, &err),
                     0);
    assert_int_equal(
        bl_reg_profile_load(BL_SOURCE_DIR "/conf/registry/esmpro-ver6.profile", &p6, &err), 0);
    assert_int_equal(g_strv_length(p4->keys), 5);
    assert_int_equal(g_strv_length(p4->optional), 2);
    assert_int_equal(g_strv_length(p6->keys), 5);
    assert_int_equal(g_strv_length(p6->optional), 5);
    for (size_t i = 0; i < G_N_ELEMENTS(common); i++) {
        assert_true(bl_reg_profile_covers(p4, common[i]));
        assert_true(bl_reg_profile_covers(p6, common[i]));
    }
    for (size_t i = 0; i < G_N_ELEMENTS(ver6_only); i++) {
        assert_false(bl_reg_profile_covers(p4, ver6_only[i]));
        assert_true(bl_reg_profile_covers(p6, ver6_only[i]));
    }
    /* Only on sites that combine mail/modem reports with the karte through the manager. */
    assert_false(bl_reg_profile_covers(p6, "SOFTWARE/NEC/ESMAlertMan/MIOTSETTING"));
    assert_false(bl_reg_profile_covers(p6, "SOFTWARE/NEC/ESMAlertMan/BaseSetting"));
    bl_reg_profile_free(p4);
    bl_reg_profile_free(p6);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stop_is_reverse_of_start),
        cmocka_unit_test(test_profiles_equal_guide_tables),
        cmocka_unit_test(test_site_leaves_conditional_rows_out),
        cmocka_unit_test(test_outside_services_as_scripts),
        cmocka_unit_test(test_folders_as_guide),
        cmocka_unit_test(test_registry_profiles),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
