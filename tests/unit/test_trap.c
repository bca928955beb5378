#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <sys/socket.h>

#include "bl_result.h"
#include "bl_trap.h"

struct fixture {
    struct bl_trap_policy policy;
    struct bl_trap_dedup dedup;
    struct bl_trap_msg msg;
    struct bl_pet_event pet;
};

static void
set_pet_varbind(struct bl_trap_msg *msg, const struct bl_pet_event *pet)
{
    struct bl_trap_varbind *vb = &msg->vb[0];
    size_t len = 0;

    assert_int_equal(bl_trap_oid_parse(BL_TRAP_PET_ENTERPRISE ".1", &vb->name), 0);
    vb->type = BL_TRAP_VB_OCTETS;
    assert_int_equal(bl_pet_encode(pet, vb->value, sizeof(vb->value), &len, &msg->specific_trap),
                     0);
    vb->len = (uint16_t) len;
    msg->n_varbinds = 1;
}

static int
setup(void **state)
{
    struct fixture *f = test_calloc(1, sizeof(*f));

    bl_trap_policy_init(&f->policy);
    assert_int_equal(bl_trap_addr_parse("10.0.0.21", 0, &f->policy.bmc), 0);
    memcpy(f->policy.community, "s3cret", 6);
    f->policy.community_len = 6;
    f->policy.accept_v1 = true;
    f->policy.accept_v2c = true;
    strcpy(f->policy.v3_user, "bmcuser");
    assert_int_equal(bl_trap_oid_parse("1.3.6.1.4.1.99999.0.1", &f->policy.fatal_oids[0]), 0);
    f->policy.n_fatal_oids = 1;
    assert_int_equal(bl_trap_oid_parse("1.3.6.1.4.1.99999.0.2", &f->policy.recoverable_oids[0]), 0);
    f->policy.n_recoverable_oids = 1;

    f->pet.sequence = 7;
    f->pet.timestamp = 100000;
    f->pet.severity = BL_PET_SEV_NON_RECOVERABLE;
    f->pet.sensor_type = 0x07;
    f->pet.event_type = 0x6f;

    f->msg.version = BL_TRAP_V1;
    assert_int_equal(bl_trap_addr_parse("10.0.0.21:40000", 0, &f->msg.source), 0);
    memcpy(f->msg.community, "s3cret", 6);
    f->msg.community_len = 6;
    assert_int_equal(bl_trap_oid_parse(BL_TRAP_PET_ENTERPRISE, &f->msg.enterprise), 0);
    f->msg.generic_trap = 6;
    set_pet_varbind(&f->msg, &f->pet);
    bl_trap_v1_trap_oid(&f->msg);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    test_free(*state);
    return 0;
}

static enum bl_trap_verdict
decide(struct fixture *f, uint64_t now, struct bl_trap_event *ev)
{
    return bl_trap_decide(&f->policy, &f->dedup, &f->msg, now, ev);
}

static void
test_pet_fatal(void **state)
{
    struct fixture *f = *state;
    struct bl_trap_event ev;

    assert_int_equal(decide(f, 10, &ev), BL_TRAP_FATAL);
    assert_true(ev.is_pet);
    assert_int_equal(ev.pet.sequence, 7);
    assert_int_equal(ev.pet.sensor_type, 0x07);
}

static void
test_pet_severity_mapping(void **state)
{
    struct fixture *f = *state;
    struct bl_trap_event ev;

    f->pet.severity = BL_PET_SEV_CRITICAL;
    set_pet_varbind(&f->msg, &f->pet);
    assert_int_equal(decide(f, 10, &ev), BL_TRAP_RECOVERABLE);
    f->policy.fatal_severity = BL_PET_SEV_CRITICAL;
    f->pet.sequence++;
    set_pet_varbind(&f->msg, &f->pet);
    assert_int_equal(decide(f, 10, &ev), BL_TRAP_FATAL);
    /* A deassertion (the fault went away) never starts a recovery. */
    f->pet.sequence++;
    f->pet.deassertion = true;
    set_pet_varbind(&f->msg, &f->pet);
    assert_int_equal(decide(f, 10, &ev), BL_TRAP_RECOVERABLE);
}

static void
test_allow_list(void **state)
{
    struct fixture *f = *state;
    struct bl_trap_event ev;

    assert_int_equal(bl_trap_addr_parse("10.0.0.22", 0, &f->msg.source), 0);
    assert_int_equal(decide(f, 10, &ev), BL_TRAP_DROPPED);
    assert_int_equal(ev.drop, BL_TRAP_DROP_SOURCE);
    assert_int_equal(bl_trap_addr_parse("10.0.0.21", 0, &f->msg.source), 0);
    f->msg.community[0] = 'S';
    assert_int_equal(decide(f, 10, &ev), BL_TRAP_DROPPED);
    assert_int_equal(ev.drop, BL_TRAP_DROP_AUTH);
    f->msg.community[0] = 's';
    f->msg.community_len = 5; /* a prefix of the secret is not the secret */
    assert_int_equal(decide(f, 10, &ev), BL_TRAP_DROPPED);
    assert_int_equal(ev.drop, BL_TRAP_DROP_AUTH);
    f->msg.community_len = 6;
    f->policy.accept_v1 = false;
    assert_int_equal(decide(f, 10, &ev), BL_TRAP_DROPPED);
    assert_int_equal(ev.drop, BL_TRAP_DROP_VERSION);
    /* Nothing dropped was remembered: the genuine notice is still fresh. */
    f->policy.accept_v1 = true;
    assert_int_equal(decide(f, 10, &ev), BL_TRAP_FATAL);
}

static void
test_v3_rules(void **state)
{
    struct fixture *f = *state;
    struct bl_trap_event ev;

    f->msg.version = BL_TRAP_V3;
    f->msg.community_len = 0;
    strcpy(f->msg.security_name, "bmcuser");
    f->msg.seclevel = BL_TRAP_SEC_AUTH;
    f->msg.have_engine_time = true;
    assert_int_equal(bl_trap_oid_parse("1.3.6.1.4.1.99999.0.1", &f->msg.trap_oid), 0);
    f->msg.n_varbinds = 0;
    assert_int_equal(decide(f, 10, &ev), BL_TRAP_DROPPED);
    assert_int_equal(ev.drop, BL_TRAP_DROP_SECLEVEL);
    f->msg.seclevel = BL_TRAP_SEC_AUTHPRIV;
    strcpy(f->msg.security_name, "other");
    assert_int_equal(decide(f, 10, &ev), BL_TRAP_DROPPED);
    assert_int_equal(ev.drop, BL_TRAP_DROP_AUTH);
    strcpy(f->msg.security_name, "bmcuser");
    assert_int_equal(decide(f, 10, &ev), BL_TRAP_FATAL);
    f->policy.v3_user[0] = '\0';
    assert_int_equal(decide(f, 10, &ev), BL_TRAP_DROPPED);
    assert_int_equal(ev.drop, BL_TRAP_DROP_VERSION);
}

static void
test_oid_matching(void **state)
{
    struct fixture *f = *state;
    struct bl_trap_event ev;

    f->msg.version = BL_TRAP_V2C;
    f->msg.n_varbinds = 0;
    assert_int_equal(bl_trap_oid_parse("1.3.6.1.4.1.99999.0.2", &f->msg.trap_oid), 0);
    assert_int_equal(decide(f, 10, &ev), BL_TRAP_RECOVERABLE);
    assert_false(ev.is_pet);
    assert_int_equal(bl_trap_oid_parse("1.3.6.1.4.1.99999.0.3", &f->msg.trap_oid), 0);
    assert_int_equal(decide(f, 10, &ev), BL_TRAP_DROPPED);
    assert_int_equal(ev.drop, BL_TRAP_DROP_UNMATCHED);
    /* A prefix of a configured OID is not that OID. */
    assert_int_equal(bl_trap_oid_parse("1.3.6.1.4.1.99999.0", &f->msg.trap_oid), 0);
    assert_int_equal(decide(f, 10, &ev), BL_TRAP_DROPPED);
}

static void
test_pet_over_v2c(void **state)
{
    struct fixture *f = *state;
    struct bl_trap_event ev;

    f->msg.version = BL_TRAP_V2C;
    assert_int_equal(bl_trap_oid_parse(BL_TRAP_PET_ENTERPRISE ".0.487179", &f->msg.trap_oid), 0);
    assert_int_equal(decide(f, 10, &ev), BL_TRAP_FATAL);
    assert_true(ev.is_pet);
    assert_int_equal(ev.pet.sensor_type, 0x07);
    assert_int_equal(ev.pet.event_type, 0x6f);
    assert_int_equal(ev.pet.event_offset, 0x0b);
}

static void
test_malformed_pet(void **state)
{
    struct fixture *f = *state;
    struct bl_trap_event ev;

    f->msg.vb[0].len = 20;
    assert_int_equal(decide(f, 10, &ev), BL_TRAP_DROPPED);
    assert_int_equal(ev.drop, BL_TRAP_DROP_MALFORMED);
    f->msg.vb[0].len = 47;
    f->msg.vb[0].type = BL_TRAP_VB_INTEGER;
    assert_int_equal(decide(f, 10, &ev), BL_TRAP_DROPPED);
    assert_int_equal(ev.drop, BL_TRAP_DROP_MALFORMED);
    f->msg.vb[0].type = BL_TRAP_VB_OCTETS;
    f->msg.vb[0].value_truncated = true;
    assert_int_equal(decide(f, 10, &ev), BL_TRAP_DROPPED);
}

static void
test_duplicate_and_replay(void **state)
{
    struct fixture *f = *state;
    struct bl_trap_event ev;

    assert_int_equal(decide(f, 100, &ev), BL_TRAP_FATAL);
    /* The BMC resends until acknowledged: a duplicate, re-acknowledge only. */
    assert_int_equal(decide(f, 130, &ev), BL_TRAP_DUPLICATE);
    assert_int_equal(decide(f, 160, &ev), BL_TRAP_DUPLICATE);
    /* The same record long after is a replay. */
    assert_int_equal(decide(f, 161, &ev), BL_TRAP_DROPPED);
    assert_int_equal(ev.drop, BL_TRAP_DROP_REPLAY);
    /* A newer record is news. */
    f->pet.sequence = 8;
    f->pet.timestamp = 100400;
    set_pet_varbind(&f->msg, &f->pet);
    assert_int_equal(decide(f, 170, &ev), BL_TRAP_FATAL);
    /* A record stamped before the replay window of the newest is refused... */
    f->pet.sequence = 3;
    f->pet.timestamp = 100000 + 400 - 301;
    set_pet_varbind(&f->msg, &f->pet);
    assert_int_equal(decide(f, 171, &ev), BL_TRAP_DROPPED);
    assert_int_equal(ev.drop, BL_TRAP_DROP_REPLAY);
    /* ...one inside it is not (BMCs may send events slightly out of order). */
    f->pet.timestamp = 100000 + 400 - 300;
    set_pet_varbind(&f->msg, &f->pet);
    assert_int_equal(decide(f, 172, &ev), BL_TRAP_FATAL);
}

/* A PET stamped 0 ("unspecified") has no time to compare with the newest: its record's key
 * alone refuses it again (docs/bmcnotice.md, "Replay"); over v3 the engine time does more. */
static void
test_pet_timestamp_zero(void **state)
{
    struct fixture *f = *state;
    struct bl_trap_event ev;

    assert_int_equal(decide(f, 100, &ev), BL_TRAP_FATAL); /* newest PET time 100000 */
    f->pet.sequence = 9;
    f->pet.timestamp = 0;
    set_pet_varbind(&f->msg, &f->pet);
    assert_int_equal(decide(f, 110, &ev), BL_TRAP_FATAL);
    assert_int_equal(decide(f, 300, &ev), BL_TRAP_DROPPED);
    assert_int_equal(ev.drop, BL_TRAP_DROP_REPLAY);
    assert_int_equal(f->dedup.newest_pet_ts, 100000);
}

/* v3 notice number n (its own varbind value) stamped with the BMC's engine boots and time. */
static enum bl_trap_verdict
v3_notice(struct fixture *f, int n, uint32_t boots, uint32_t etime, uint64_t now_s,
          struct bl_trap_event *ev)
{
    f->msg.vb[0].integer = n;
    f->msg.engine_boots = boots;
    f->msg.engine_time = etime;
    return decide(f, now_s, ev);
}

static void
test_v3_engine_time(void **state)
{
    struct fixture *f = *state;
    struct bl_trap_event ev;

    f->msg.version = BL_TRAP_V3;
    strcpy(f->msg.security_name, "bmcuser");
    f->msg.seclevel = BL_TRAP_SEC_AUTHPRIV;
    f->msg.have_engine_time = true;
    assert_int_equal(bl_trap_oid_parse("1.3.6.1.4.1.99999.0.2", &f->msg.trap_oid), 0);
    assert_int_equal(bl_trap_oid_parse("1.3.6.1.4.1.99999.1.1", &f->msg.vb[0].name), 0);
    f->msg.vb[0].type = BL_TRAP_VB_INTEGER;
    f->msg.n_varbinds = 1;
    assert_int_equal(v3_notice(f, 1, 1, 1000, 100, &ev), BL_TRAP_RECOVERABLE);
    /* The BMC's resend carries a new time: a duplicate, and the newest time moves on. */
    assert_int_equal(v3_notice(f, 1, 1, 1001, 101, &ev), BL_TRAP_DUPLICATE);
    /* Another notice within the same engine second: news. */
    assert_int_equal(v3_notice(f, 2, 1, 1001, 101, &ev), BL_TRAP_RECOVERABLE);
    /* Past the de-duplication window: an older message, or the last one again, is a replay
     * (net-snmp's own window lets both through: 150 s). */
    assert_int_equal(v3_notice(f, 3, 1, 990, 200, &ev), BL_TRAP_DROPPED);
    assert_int_equal(ev.drop, BL_TRAP_DROP_REPLAY);
    assert_int_equal(v3_notice(f, 2, 1, 1001, 200, &ev), BL_TRAP_DROPPED);
    assert_int_equal(ev.drop, BL_TRAP_DROP_REPLAY);
    /* Nor is an unseen one of the newest second taken long after it. */
    assert_int_equal(v3_notice(f, 4, 1, 1001, 200, &ev), BL_TRAP_DROPPED);
    /* The BMC's next second is news; a reboot (boots + 1, time from 0) is news too. */
    assert_int_equal(v3_notice(f, 5, 1, 1100, 200, &ev), BL_TRAP_RECOVERABLE);
    assert_int_equal(v3_notice(f, 6, 2, 3, 201, &ev), BL_TRAP_RECOVERABLE);
    assert_int_equal(v3_notice(f, 7, 1, 5000, 202, &ev), BL_TRAP_DROPPED);
    assert_true(f->dedup.have_v3_time);
    assert_int_equal(f->dedup.v3_boots, 2);
    assert_int_equal(f->dedup.v3_time, 3);
    /* A v3 message whose header did not read back is not judged without its time. */
    f->msg.have_engine_time = false;
    assert_int_equal(v3_notice(f, 8, 2, 10, 203, &ev), BL_TRAP_DROPPED);
    assert_int_equal(ev.drop, BL_TRAP_DROP_PARSE);
}

static void
test_v2c_dedup_ignores_uptime(void **state)
{
    struct fixture *f = *state;
    struct bl_trap_event ev;

    f->msg.version = BL_TRAP_V2C;
    assert_int_equal(bl_trap_oid_parse("1.3.6.1.4.1.99999.0.1", &f->msg.trap_oid), 0);
    assert_int_equal(bl_trap_oid_parse("1.3.6.1.2.1.1.3.0", &f->msg.vb[0].name), 0);
    f->msg.vb[0].type = BL_TRAP_VB_INTEGER;
    f->msg.vb[0].integer = 5;
    f->msg.vb[0].len = 0;
    assert_int_equal(decide(f, 10, &ev), BL_TRAP_FATAL);
    f->msg.vb[0].integer = 900;
    assert_int_equal(decide(f, 20, &ev), BL_TRAP_DUPLICATE);
    /* Without a sequence number, the same notice after the window is new. */
    assert_int_equal(decide(f, 200, &ev), BL_TRAP_FATAL);
}

static void
test_v1_trap_oid(void **state)
{
    struct bl_trap_msg msg;
    char buf[128];

    memset(&msg, 0, sizeof(msg));
    msg.generic_trap = 3; /* linkUp */
    bl_trap_v1_trap_oid(&msg);
    bl_trap_oid_format(&msg.trap_oid, buf, sizeof(buf));
    assert_string_equal(buf, "1.3.6.1.6.3.1.1.5.4");
    msg.generic_trap = 6;
    assert_int_equal(bl_trap_oid_parse("1.3.6.1.4.1.3183.1.1", &msg.enterprise), 0);
    msg.specific_trap = 0x76f0b;
    bl_trap_v1_trap_oid(&msg);
    bl_trap_oid_format(&msg.trap_oid, buf, sizeof(buf));
    assert_string_equal(buf, "1.3.6.1.4.1.3183.1.1.0.487179");
    msg.enterprise.len = BL_TRAP_OID_MAX;
    bl_trap_v1_trap_oid(&msg);
    assert_int_equal(msg.trap_oid.len, 0);
}

static void
test_oid_parse(void **state)
{
    struct bl_oid oid;
    char buf[8];

    assert_int_equal(bl_trap_oid_parse(".1.3.6", &oid), 0);
    assert_int_equal(oid.len, 3);
    assert_int_equal(bl_trap_oid_parse("1.3.", &oid), BL_E_INVALID);
    assert_int_equal(bl_trap_oid_parse("1..3", &oid), BL_E_INVALID);
    assert_int_equal(bl_trap_oid_parse("1.3.x", &oid), BL_E_INVALID);
    assert_int_equal(bl_trap_oid_parse("1.3.4294967296", &oid), BL_E_INVALID);
    assert_int_equal(bl_trap_oid_parse("1.3.4294967295", &oid), 0);
    assert_int_equal(bl_trap_oid_parse("", &oid), BL_E_INVALID);
    assert_int_equal(bl_trap_oid_parse("1.-3", &oid), BL_E_INVALID);
    assert_int_equal(bl_trap_oid_parse("1.3.6.1.4.1", &oid), 0);
    bl_trap_oid_format(&oid, buf, sizeof(buf)); /* truncated, still terminated */
    assert_true(strlen(buf) < sizeof(buf));
}

static void
test_addr_parse(void **state)
{
    struct bl_trap_addr a, b;
    char buf[64];

    assert_int_equal(bl_trap_addr_parse("10.231.2.11", 162, &a), 0);
    assert_int_equal(a.family, AF_INET);
    assert_int_equal(a.port, 162);
    assert_int_equal(bl_trap_addr_parse("10.231.2.11:1162", 162, &b), 0);
    assert_int_equal(b.port, 1162);
    assert_true(bl_trap_addr_same_host(&a, &b));
    bl_trap_addr_format(&b, buf, sizeof(buf));
    assert_string_equal(buf, "10.231.2.11:1162");
    assert_int_equal(bl_trap_addr_parse("[::1]:99", 162, &a), 0);
    assert_int_equal(a.family, AF_INET6);
    assert_int_equal(a.port, 99);
    assert_int_equal(bl_trap_addr_parse("fe80::1", 162, &a), 0);
    assert_int_equal(a.port, 162);
    assert_false(bl_trap_addr_same_host(&a, &b));
    assert_int_equal(bl_trap_addr_parse("10.0.0.1:0", 162, &a), BL_E_INVALID);
    assert_int_equal(bl_trap_addr_parse("10.0.0.1:65536", 162, &a), BL_E_INVALID);
    assert_int_equal(bl_trap_addr_parse("10.0.0.1:1x", 162, &a), BL_E_INVALID);
    assert_int_equal(bl_trap_addr_parse("host.example:162", 162, &a), BL_E_INVALID);
    assert_int_equal(bl_trap_addr_parse("[::1", 162, &a), BL_E_INVALID);
    assert_int_equal(bl_trap_addr_parse("", 162, &a), BL_E_INVALID);
}

static void
test_names(void **state)
{
    for (int d = 0; d < BL_TRAP_DROP_COUNT; d++) {
        assert_string_not_equal(bl_trap_drop_name((enum bl_trap_drop) d), "unknown");
    }
    assert_string_equal(bl_trap_drop_name(BL_TRAP_DROP_COUNT), "unknown");
    assert_string_equal(bl_trap_verdict_name(BL_TRAP_FATAL), "fatal");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pet_fatal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pet_severity_mapping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allow_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v3_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v3_engine_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pet_timestamp_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oid_matching, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pet_over_v2c, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_pet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_and_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2c_dedup_ignores_uptime, setup, teardown),
        cmocka_unit_test(test_v1_trap_oid),
        cmocka_unit_test(test_oid_parse),
        cmocka_unit_test(test_addr_parse),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
