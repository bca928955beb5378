/* crm_mon XML parsing and target location (monitor/pcmk/pcmk.c), on real and hostile documents. */
#include "bl_result.h"
#include "pcmk.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* Captured from the lab (Pacemaker 2.1.5): group grp on node1, solo on node2. */
static const char lab_xml[] =
    "<pacemaker-result api-version=\"2.25\" request=\"crm_mon -1 --output-as=xml\">\n"
    "  <pacemakerd sys_from=\"pacemakerd\" state=\"running\"/>\n"
    "  <summary><stack type=\"corosync\"/><current_dc present=\"true\" name=\"node1\"/></summary>\n"
    "  <nodes>\n"
    "    <node name=\"node1\" id=\"1\" online=\"true\" standby=\"false\" "
    "standby_onfail=\"false\" maintenance=\"false\" pending=\"false\" unclean=\"false\" "
    "health=\"green\" shutdown=\"false\" expected_up=\"true\" is_dc=\"true\" "
    "resources_running=\"2\" type=\"member\"/>\n"
    "    <node name=\"node2\" id=\"2\" online=\"true\" standby=\"false\" maintenance=\"false\" "
    "pending=\"false\" unclean=\"false\" health=\"green\" shutdown=\"false\" type=\"member\"/>\n"
    "  </nodes>\n"
    "  <resources>\n"
    "    <group id=\"grp\" number_resources=\"2\" managed=\"true\" disabled=\"false\">\n"
    "      <resource id=\"a1\" resource_agent=\"ocf:heartbeat:Dummy\" role=\"Started\" "
    "active=\"true\" orphaned=\"false\" blocked=\"false\" managed=\"true\" failed=\"false\" "
    "failure_ignored=\"false\" nodes_running_on=\"1\">\n"
    "        <node name=\"node1\" id=\"1\" cached=\"true\"/>\n"
    "      </resource>\n"
    "      <resource id=\"a2\" resource_agent=\"ocf:heartbeat:Dummy\" role=\"Started\" "
    "active=\"true\" failed=\"false\" nodes_running_on=\"1\">\n"
    "        <node name=\"node1\" id=\"1\" cached=\"true\"/>\n"
    "      </resource>\n"
    "    </group>\n"
    "    <resource id=\"solo\" resource_agent=\"ocf:heartbeat:Dummy\" role=\"Started\" "
    "active=\"true\" failed=\"false\" nodes_running_on=\"1\">\n"
    "      <node name=\"node2\" id=\"2\" cached=\"true\"/>\n"
    "    </resource>\n"
    "  </resources>\n"
    "  <node_history><node name=\"node9\"><resource_history id=\"a1\"/></node></node_history>\n"
    "  <status code=\"0\" message=\"OK\"/>\n"
    "</pacemaker-result>\n";

/* Build a document from a nodes part and a resources part. */
static char *
doc(const char *nodes, const char *resources)
{
    return g_strdup_printf("<?xml version=\"1.0\"?>\n<pacemaker-result api-version=\"2.25\">"
                           "<nodes>%s</nodes><resources>%s</resources>"
                           "<status code=\"0\" message=\"OK\"/></pacemaker-result>",
                           nodes, resources);
}

#define N_OK(name) "<node name=\"" name "\" online=\"true\" standby=\"false\"/>"
#define RSC(id, role, active, node)                                                                \
    "<resource id=\"" id "\" role=\"" role "\" active=\"" active "\" failed=\"false\">" node       \
    "</resource>"
#define ON(name) "<node name=\"" name "\"/>"

static void
locate(const char *xml, const char *target, const char *node, struct bl_rec_observation *obs)
{
    struct bl_pcmk_status st;

    assert_int_equal(bl_pcmk_status_parse(xml, strlen(xml), &st), 0);
    bl_pcmk_locate(&st, target, node, obs);
    bl_pcmk_status_clear(&st);
}

static void
test_lab_document(void **state)
{
    struct bl_pcmk_status st;
    struct bl_rec_observation obs;

    assert_int_equal(bl_pcmk_status_parse(lab_xml, strlen(lab_xml), &st), 0);
    assert_int_equal(st.n_nodes, 2); /* node_history's <node> is not a cluster node */
    assert_string_equal(st.nodes[1].name, "node2");
    assert_true(st.nodes[0].online);
    assert_int_equal(st.n_rows, 3);
    assert_string_equal(st.rows[0].group, "grp");
    assert_string_equal(st.rows[2].group, "");
    assert_string_equal(st.rows[2].node, "node2");

    bl_pcmk_locate(&st, "grp", "node1", &obs);
    assert_true(obs.known);
    assert_true(obs.active_here);
    assert_false(obs.started_elsewhere);
    assert_int_equal(obs.eligible, 1);

    bl_pcmk_locate(&st, "grp", "node2", &obs);
    assert_false(obs.active_here);
    assert_true(obs.started_elsewhere);
    assert_string_equal(obs.where, "node1");

    bl_pcmk_locate(&st, "a2", "node1", &obs); /* a primitive inside the group */
    assert_true(obs.active_here);
    bl_pcmk_locate(&st, "nope", "node1", &obs);
    assert_false(obs.known);
    bl_pcmk_status_clear(&st);
    bl_pcmk_status_clear(&st); /* twice is fine */
}

/* Half of the group moved: not "started elsewhere" yet. */
static void
test_group_partly_started(void **state)
{
    g_autofree char *xml =
        doc(N_OK("node1") N_OK("node2"), "<group id=\"g\">" RSC("a", "Started", "true", ON("node2"))
                                             RSC("b", "Stopped", "false", "") "</group>");
    struct bl_rec_observation obs;

    locate(xml, "g", "node1", &obs);
    assert_true(obs.known);
    assert_false(obs.active_here);
    assert_false(obs.started_elsewhere);
}

static void
test_stopping_counts_as_here(void **state)
{
    g_autofree char *xml =
        doc(N_OK("node1") N_OK("node2"), RSC("a", "Stopping", "true", ON("node1")));
    struct bl_rec_observation obs;

    locate(xml, "a", "node1", &obs);
    assert_true(obs.active_here);
}

static void
test_failed_is_not_started(void **state)
{
    g_autofree char *xml =
        doc(N_OK("node1") N_OK("node2"), "<resource id=\"a\" role=\"Started\" active=\"true\" "
                                         "failed=\"true\">" ON("node2") "</resource>");
    struct bl_rec_observation obs;

    locate(xml, "a", "node1", &obs);
    assert_false(obs.started_elsewhere);
}

static void
test_eligible_nodes(void **state)
{
    g_autofree char *xml =
        doc(N_OK("node1") "<node name=\"node2\" online=\"true\" standby=\"true\"/>"
                          "<node name=\"node3\" online=\"false\"/>"
                          "<node name=\"node4\" online=\"true\" unclean=\"true\"/>"
                          "<node name=\"node5\" online=\"true\" maintenance=\"true\"/>"
                          "<node name=\"node6\" online=\"true\" health=\"red\"/>"
                          "<node name=\"node7\" online=\"true\" health=\"yellow\"/>",
            RSC("a", "Stopped", "false", ""));
    struct bl_rec_observation obs;

    locate(xml, "a", "node1", &obs);
    assert_int_equal(obs.eligible, 1); /* node7 only */
    locate(xml, "a", "node7", &obs);
    assert_int_equal(obs.eligible, 1); /* node1 */
}

static void
test_clone_members(void **state)
{
    g_autofree char *xml = doc(N_OK("node1") N_OK("node2"),
                               "<clone id=\"c\">" RSC("d", "Started", "true", ON("node1"))
                                   RSC("d", "Started", "true", ON("node2")) "</clone>" RSC(
                                       "x", "Started", "true", ON("node2")));
    struct bl_pcmk_status st;
    struct bl_rec_observation obs;

    assert_int_equal(bl_pcmk_status_parse(xml, strlen(xml), &st), 0);
    assert_string_equal(st.rows[0].clone, "c");
    assert_string_equal(st.rows[2].clone, ""); /* the clone ended before x */
    bl_pcmk_locate(&st, "c", "node1", &obs);
    assert_true(obs.active_here);
    assert_true(obs.started_elsewhere);
    bl_pcmk_status_clear(&st);
}

static void
refused(const char *xml)
{
    struct bl_pcmk_status st;

    assert_int_equal(bl_pcmk_status_parse(xml, strlen(xml), &st), BL_E_PROTO);
    assert_null(st.nodes);
    assert_null(st.rows);
}

static void
test_hostile_documents(void **state)
{
    g_autofree char *longname = g_strnfill(BL_PCMK_NAME_MAX, 'x');
    g_autofree char *node = g_strdup_printf("<node name=\"%s\" online=\"true\"/>", longname);
    g_autofree char *long_node = doc(node, "");
    g_autofree char *rsc = g_strdup_printf("<resource id=\"%s\" role=\"Started\"/>", longname);
    g_autofree char *long_rsc = doc("", rsc);
    g_autofree char *ok = doc("", "");
    g_autofree char *truncated = g_strndup(ok, strlen(ok) - 5);

    refused("");
    refused("not xml at all");
    refused("<crm_mon version=\"2.1\"><nodes/></crm_mon>");
    refused("<pacemaker-result><nodes/></pacemaker-result>"); /* no status */
    refused("<pacemaker-result><status code=\"103\" message=\"No such object\"/>"
            "</pacemaker-result>");
    refused("<pacemaker-result><status code=\"0x\"/></pacemaker-result>");
    refused("<pacemaker-result><nodes><node online=\"true\"/></nodes><status code=\"0\"/>"
            "</pacemaker-result>");
    refused("<pacemaker-result><resources><resource role=\"Started\"/></resources>"
            "<status code=\"0\"/></pacemaker-result>");
    refused("<pacemaker-result><status code=\"0\"/></pacemaker-result><trailing/>");
    refused("<pacemaker-result><nodes><node name=\"a\"></nodes></pacemaker-result>");
    refused(long_node);
    refused(long_rsc);
    refused(truncated);
}

static void
test_too_many(void **state)
{
    GString *nodes = g_string_new(NULL);
    g_autofree char *xml = NULL;
    struct bl_pcmk_status st;

    for (int i = 0; i <= BL_PCMK_NODES_MAX; i++) {
        g_string_append_printf(nodes, "<node name=\"n%d\" online=\"true\"/>", i);
    }
    xml = doc(nodes->str, "");
    refused(xml);
    g_free(xml);
    g_string_truncate(nodes, 0);
    for (int i = 0; i < BL_PCMK_NODES_MAX; i++) {
        g_string_append_printf(nodes, "<node name=\"n%d\" online=\"true\"/>", i);
    }
    xml = doc(nodes->str, "");
    assert_int_equal(bl_pcmk_status_parse(xml, strlen(xml), &st), 0);
    assert_int_equal(st.n_nodes, BL_PCMK_NODES_MAX);
    bl_pcmk_status_clear(&st);
    g_string_free(nodes, TRUE);
    assert_int_equal(bl_pcmk_status_parse(lab_xml, BL_PCMK_XML_MAX + 1, &st), BL_E_PROTO);
    assert_int_equal(bl_pcmk_status_parse(NULL, 0, &st), BL_E_INVALID);
}

/* stonith_admin --last, as Pacemaker 2.1.5 prints it (run with TZ=UTC). */
static void
test_last_fenced(void **state)
{
    static const char *refused_texts[] = {
        "",
        "Node 2 last fenced at: Sun Dec 32 17:15:55 2026\n",
        "Node 2 last fenced at: Sun Dec  6 17:15:55 2026 extra\n",
        "Node 2 last fenced at: yesterday\n",
        "Node 2 last fenced at: Thu Jan  1 00:00:00 1970\n",
        "Node 2 last fenced at: Sun Dec  6 17:15:55 2026\nNode 3 has never been fenced\n",
        "Error: could not connect to the fencer\n",
        "node 2 has never been fenced\n",
        "Node 3 has never been fenced\n",
        "Node 22 has never been fenced\n",
        "Node 3 last fenced at: Sun Dec  6 17:15:55 2026\n",
    };
    int64_t when = -1;
    const char *ok = "Node 2 last fenced at: Sun Dec  6 17:15:55 2026\n";
    const char *never = "Node 2 has never been fenced\n";

    assert_int_equal(bl_pcmk_last_fenced_parse(ok, strlen(ok), "2", &when), 0);
    assert_int_equal(when, 1796577355);
    assert_int_equal(bl_pcmk_last_fenced_parse(never, strlen(never), "2", &when), 0);
    assert_int_equal(when, 0);
    for (size_t i = 0; i < G_N_ELEMENTS(refused_texts); i++) {
        assert_int_equal(
            bl_pcmk_last_fenced_parse(refused_texts[i], strlen(refused_texts[i]), "2", &when),
            BL_E_PROTO);
    }
    assert_int_equal(bl_pcmk_last_fenced_parse("Node 2\0x", 8, "2", &when), BL_E_PROTO);
    g_autofree char *big = g_strnfill(BL_PCMK_FENCED_MAX + 1, 'N');
    assert_int_equal(bl_pcmk_last_fenced_parse(big, strlen(big), "2", &when), BL_E_PROTO);
    assert_int_equal(bl_pcmk_last_fenced_parse(NULL, 0, "2", &when), BL_E_INVALID);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lab_document),
        cmocka_unit_test(test_group_partly_started),
        cmocka_unit_test(test_stopping_counts_as_here),
        cmocka_unit_test(test_failed_is_not_started),
        cmocka_unit_test(test_eligible_nodes),
        cmocka_unit_test(test_clone_members),
        cmocka_unit_test(test_hostile_documents),
        cmocka_unit_test(test_too_many),
        cmocka_unit_test(test_last_fenced),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
