/*
 * The trap receiver on loopback, in a real GLib main loop, fed by net-snmp's own snmptrap
 * (v1 PET, v2c, v3 authPriv) and by our senders. Skips (77) when snmptrap is missing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bl_log.h"
#include "bl_result.h"
#include "trap.h"

#define ENGINE_HEX "0x80001f88800102030405"
#define PET_HEX                                                                                    \
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"                                                             \
    "0007"                                                                                         \
    "000186a0"                                                                                     \
    "ffff"                                                                                         \
    "20"                                                                                           \
    "20"                                                                                           \
    "20"                                                                                           \
    "20"                                                                                           \
    "42"                                                                                           \
    "03"                                                                                           \
    "00"                                                                                           \
    "a1b2c3ffffffffff"                                                                             \
    "00"                                                                                           \
    "0000a2b3"                                                                                     \
    "0102"                                                                                         \
    "c1"

struct ctx {
    struct bl_trap_event last;
    struct bl_trap_msg last_msg;
    bool have_msg;
    unsigned events;
    char confdir[64];
    uint16_t port;
};

static void
on_event(const struct bl_trap_event *ev, const struct bl_trap_msg *msg, uint64_t rx_ns, void *ud)
{
    struct ctx *c = ud;

    c->last = *ev;
    c->have_msg = msg != NULL;
    if (msg != NULL) {
        c->last_msg = *msg;
    }
    c->events++;
}

static bool
wait_events(struct ctx *c, unsigned want, int timeout_ms)
{
    gint64 end = g_get_monotonic_time() + timeout_ms * 1000;

    while (c->events < want && g_get_monotonic_time() < end) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(1000);
    }
    return c->events >= want;
}

static void
node_config(struct bl_trap_node_config *cfg, uint16_t port, const char *bmc)
{
    memset(cfg, 0, sizeof(*cfg));
    strcpy(cfg->node, "n1");
    bl_trap_policy_init(&cfg->policy);
    assert_int_equal(bl_trap_addr_parse("127.0.0.1", port, &cfg->listen), 0);
    assert_int_equal(bl_trap_addr_parse(bmc, 0, &cfg->policy.bmc), 0);
    memcpy(cfg->policy.community, "s3cret", 6);
    cfg->policy.community_len = 6;
    cfg->policy.accept_v1 = true;
    cfg->policy.accept_v2c = true;
    strcpy(cfg->policy.v3_user, "bmcuser");
    strcpy(cfg->v3.name, "bmcuser");
    assert_int_equal(bl_trap_engine_id_parse(ENGINE_HEX, cfg->v3.engine_id, &cfg->v3.engine_id_len),
                     0);
    cfg->v3.auth = BL_TRAP_AUTH_SHA1;
    strcpy(cfg->v3.auth_pass, "authpass-123");
    strcpy(cfg->v3.priv_pass, "privpass-456");
    assert_int_equal(bl_trap_oid_parse("1.3.6.1.4.1.99999.0.1", &cfg->policy.fatal_oids[0]), 0);
    cfg->policy.n_fatal_oids = 1;
}

/* snmptrap reads its credentials from snmp.conf in SNMPCONFPATH: no secret on argv. */
static void
write_snmp_conf(struct ctx *c, const char *body)
{
    char path[128];
    FILE *f;

    snprintf(path, sizeof(path), "%s/snmp.conf", c->confdir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(body, f);
    fclose(f);
}

static void
snmptrap(struct ctx *c, const char *args)
{
    char cmd[1024];

    snprintf(cmd, sizeof(cmd), "SNMPCONFPATH=%s MIBS= MIBDIRS=/nonexistent snmptrap -Ln %s",
             c->confdir, args);
    assert_int_equal(system(cmd), 0);
}

static struct bl_trap_receiver *
start(struct ctx *c, const char *bmc)
{
    struct bl_trap_node_config cfg;
    struct bl_trap_receiver *r = NULL;

    for (int attempt = 0; attempt < 20; attempt++) {
        c->port = (uint16_t) (20000 + (getpid() * 7 + attempt * 131) % 30000);
        node_config(&cfg, c->port, bmc);
        assert_int_equal(bl_trap_receiver_new(NULL, &cfg, &bl_trap_udp_io, NULL, on_event, c, &r),
                         0);
        if (bl_trap_receiver_start(r) == 0) {
            return r;
        }
        bl_trap_receiver_free(r);
    }
    fail_msg("no free port");
    return NULL;
}

static int
setup(void **state)
{
    struct ctx *c = calloc(1, sizeof(*c));

    strcpy(c->confdir, "/tmp/bl-trap-test.XXXXXX");
    assert_non_null(mkdtemp(c->confdir));
    *state = c;
    return 0;
}

static int
teardown(void **state)
{
    struct ctx *c = *state;
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", c->confdir);
    (void) system(cmd);
    free(c);
    return 0;
}

static void
send_pet_v1(struct ctx *c)
{
    char args[512];

    snprintf(args, sizeof(args),
             "-v 1 127.0.0.1:%u 1.3.6.1.4.1.3183.1.1 127.0.0.1 6 487179 0 "
             "1.3.6.1.4.1.3183.1.1.1 x %s",
             c->port, PET_HEX);
    snmptrap(c, args);
}

static void
test_v1_pet_from_snmptrap(void **state)
{
    struct ctx *c = *state;
    struct bl_trap_receiver *r = start(c, "127.0.0.1");
    struct bl_trap_stats st;

    write_snmp_conf(c, "defCommunity s3cret\n");
    send_pet_v1(c);
    assert_true(wait_events(c, 1, 3000));
    assert_int_equal(c->last.verdict, BL_TRAP_FATAL);
    assert_true(c->last.is_pet);
    assert_int_equal(c->last.pet.sequence, 7);
    assert_int_equal(c->last.pet.timestamp, 100000);
    assert_int_equal(c->last.pet.sensor_type, 0x07);
    assert_int_equal(c->last.pet.event_offset, 0x0b);
    assert_int_equal(c->last.version, BL_TRAP_V1);
    /* The BMC resends until acknowledged. */
    send_pet_v1(c);
    assert_true(wait_events(c, 2, 3000));
    assert_int_equal(c->last.verdict, BL_TRAP_DUPLICATE);
    /* A wrong community is dropped and counted, never acted on. */
    write_snmp_conf(c, "defCommunity s3cret-not\n");
    send_pet_v1(c);
    assert_true(wait_events(c, 3, 3000));
    assert_int_equal(c->last.verdict, BL_TRAP_DROPPED);
    assert_int_equal(c->last.drop, BL_TRAP_DROP_AUTH);
    bl_trap_receiver_get_stats(r, &st);
    assert_int_equal(st.datagrams, 3);
    assert_int_equal(st.fatal, 1);
    assert_int_equal(st.duplicate, 1);
    assert_int_equal(st.dropped[BL_TRAP_DROP_AUTH], 1);
    bl_trap_receiver_free(r);
}

static void
test_foreign_source(void **state)
{
    struct ctx *c = *state;
    struct bl_trap_receiver *r = start(c, "127.0.0.2");

    write_snmp_conf(c, "defCommunity s3cret\n");
    send_pet_v1(c);
    assert_true(wait_events(c, 1, 3000));
    assert_int_equal(c->last.verdict, BL_TRAP_DROPPED);
    assert_int_equal(c->last.drop, BL_TRAP_DROP_SOURCE);
    bl_trap_receiver_free(r);
}

static void
test_v2c_oid(void **state)
{
    struct ctx *c = *state;
    struct bl_trap_receiver *r = start(c, "127.0.0.1");
    char args[256];

    write_snmp_conf(c, "defCommunity s3cret\n");
    snprintf(args, sizeof(args),
             "-v 2c 127.0.0.1:%u '' 1.3.6.1.4.1.99999.0.1 1.3.6.1.2.1.1.5.0 s n1", c->port);
    snmptrap(c, args);
    assert_true(wait_events(c, 1, 3000));
    assert_int_equal(c->last.verdict, BL_TRAP_FATAL);
    assert_false(c->last.is_pet);
    snprintf(args, sizeof(args), "-v 2c 127.0.0.1:%u '' 1.3.6.1.4.1.99999.0.7", c->port);
    snmptrap(c, args);
    assert_true(wait_events(c, 2, 3000));
    assert_int_equal(c->last.drop, BL_TRAP_DROP_UNMATCHED);
    bl_trap_receiver_free(r);
}

static void
test_v3(void **state)
{
    struct ctx *c = *state;
    struct bl_trap_receiver *r = start(c, "127.0.0.1");
    char args[256];

    snprintf(args, sizeof(args), "-v 3 -e " ENGINE_HEX " 127.0.0.1:%u '' 1.3.6.1.4.1.99999.0.1",
             c->port);
    write_snmp_conf(c, "defSecurityName bmcuser\ndefSecurityLevel authPriv\n"
                       "defAuthType SHA\ndefPrivType AES\n"
                       "defAuthPassphrase authpass-123\ndefPrivPassphrase privpass-456\n");
    snmptrap(c, args);
    assert_true(wait_events(c, 1, 3000));
    assert_int_equal(c->last.verdict, BL_TRAP_FATAL);
    assert_int_equal(c->last.version, BL_TRAP_V3);
    /* Right user, but not encrypted: below authPriv. */
    write_snmp_conf(c, "defSecurityName bmcuser\ndefSecurityLevel authNoPriv\n"
                       "defAuthType SHA\ndefAuthPassphrase authpass-123\n");
    snprintf(args, sizeof(args),
             "-v 3 -e " ENGINE_HEX " 127.0.0.1:%u '' 1.3.6.1.4.1.99999.0.1 "
             "1.3.6.1.2.1.1.5.0 s other",
             c->port);
    snmptrap(c, args);
    assert_true(wait_events(c, 2, 3000));
    assert_int_equal(c->last.drop, BL_TRAP_DROP_SECLEVEL);
    /* Wrong passphrase: USM refuses it before our policy sees it. */
    write_snmp_conf(c, "defSecurityName bmcuser\ndefSecurityLevel authPriv\n"
                       "defAuthType SHA\ndefPrivType AES\n"
                       "defAuthPassphrase wrongpass-1\ndefPrivPassphrase privpass-456\n");
    snmptrap(c, args);
    assert_true(wait_events(c, 3, 3000));
    assert_int_equal(c->last.drop, BL_TRAP_DROP_PARSE);
    assert_false(c->have_msg);
    bl_trap_receiver_free(r);
}

static void
test_junk_and_our_sender(void **state)
{
    struct ctx *c = *state;
    struct bl_trap_receiver *r = start(c, "127.0.0.1");
    struct bl_trap_forward fw;
    struct bl_trap_sender *s = NULL;
    struct bl_pet_event pet;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(c->port)};

    sin.sin_addr.s_addr = htonl(0x7f000001);
    assert_int_equal(
        sendto(fd, "\x30\x82\xff\xff junk", 9, 0, (struct sockaddr *) &sin, sizeof(sin)), 9);
    close(fd);
    assert_true(wait_events(c, 1, 3000));
    assert_int_equal(c->last.drop, BL_TRAP_DROP_PARSE);

    memset(&fw, 0, sizeof(fw));
    assert_int_equal(bl_trap_addr_parse("127.0.0.1", c->port, &fw.target), 0);
    memset(&pet, 0, sizeof(pet));
    pet.sequence = 99;
    pet.timestamp = 123456;
    pet.severity = BL_PET_SEV_NON_RECOVERABLE;
    for (int v = BL_TRAP_V1; v <= BL_TRAP_V3; v++) {
        fw.version = (enum bl_trap_version) v;
        strcpy(fw.community, "s3cret");
        strcpy(fw.v3.name, "bmcuser");
        assert_int_equal(bl_trap_engine_id_parse(ENGINE_HEX, fw.v3.engine_id, &fw.v3.engine_id_len),
                         0);
        fw.v3.auth = BL_TRAP_AUTH_SHA1;
        strcpy(fw.v3.auth_pass, "authpass-123");
        strcpy(fw.v3.priv_pass, "privpass-456");
        assert_int_equal(bl_trap_sender_open(&fw, &s), 0);
        pet.sequence++;
        assert_int_equal(bl_trap_sender_send_pet(s, &pet, NULL), 0);
        bl_trap_sender_close(s);
        assert_true(wait_events(c, 1 + (unsigned) v, 3000));
        assert_int_equal(c->last.verdict, BL_TRAP_FATAL);
        assert_int_equal(c->last.version, v);
        assert_true(c->last.is_pet);
        assert_int_equal(c->last.pet.sequence, pet.sequence);
    }
    bl_trap_receiver_free(r);
}

static void
test_inform_acknowledged(void **state)
{
    struct ctx *c = *state;
    struct bl_trap_receiver *r = start(c, "127.0.0.1");
    char cmd[1024], path[128];
    int rc = -1;
    FILE *f;

    write_snmp_conf(c, "defCommunity s3cret\n");
    /* snmpinform (-Ci) exits 0 only when our Response arrives; it runs while we loop. */
    snprintf(path, sizeof(path), "%s/inform.rc", c->confdir);
    snprintf(cmd, sizeof(cmd),
             "(SNMPCONFPATH=%s MIBS= snmptrap -Ln -Ci -t 1 -r 0 -v 2c 127.0.0.1:%u '' "
             "1.3.6.1.4.1.99999.0.1; echo $? >%s.tmp; mv %s.tmp %s) &",
             c->confdir, c->port, path, path, path);
    assert_int_equal(system(cmd), 0);
    assert_true(wait_events(c, 1, 3000));
    assert_int_equal(c->last.verdict, BL_TRAP_FATAL);
    assert_true(c->last_msg.is_inform);
    for (int i = 0; i < 400 && (f = fopen(path, "r")) == NULL; i++) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(5000);
    }
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%d", &rc), 1);
    fclose(f);
    assert_int_equal(rc, 0);
    bl_trap_receiver_free(r);
}

/* Receiver A forwards what it accepts to "manager" B (v2c), with the original source. */
static void
test_forwarding(void **state)
{
    struct ctx *c = *state;
    struct bl_trap_node_config a, b;
    struct bl_trap_receiver *ra = NULL, *rb = NULL;
    struct bl_trap_stats st;
    char args[256];

    node_config(&b, (uint16_t) (c->port + 1), "127.0.0.1");
    rb = start(c, "127.0.0.1");
    b.listen.port = c->port;
    node_config(&a, (uint16_t) (c->port + 7), "127.0.0.1");
    a.n_forward = 1;
    a.forward[0].target = b.listen;
    a.forward[0].version = BL_TRAP_V2C;
    strcpy(a.forward[0].community, "s3cret");
    assert_int_equal(bl_trap_receiver_new(NULL, &a, &bl_trap_udp_io, NULL, NULL, NULL, &ra), 0);
    assert_int_equal(bl_trap_receiver_start(ra), 0);
    write_snmp_conf(c, "defCommunity s3cret\n");
    snprintf(args, sizeof(args),
             "-v 2c 127.0.0.1:%u '' 1.3.6.1.4.1.99999.0.1 1.3.6.1.2.1.1.5.0 s x", a.listen.port);
    snmptrap(c, args);
    assert_true(wait_events(c, 1, 3000));
    assert_int_equal(c->last.verdict, BL_TRAP_FATAL);
    assert_int_equal(c->last.version, BL_TRAP_V2C);
    bl_trap_receiver_get_stats(ra, &st);
    assert_int_equal(st.forwarded, 1);
    assert_int_equal(st.fatal, 1);
    /* Junk is not forwarded. */
    snprintf(args, sizeof(args), "-v 2c 127.0.0.1:%u '' 1.3.6.1.4.1.99999.0.5", a.listen.port);
    snmptrap(c, args);
    for (int i = 0; i < 100; i++) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(2000);
    }
    bl_trap_receiver_get_stats(ra, &st);
    assert_int_equal(st.forwarded, 1);
    assert_int_equal(st.dropped[BL_TRAP_DROP_UNMATCHED], 1);
    assert_int_equal(c->events, 1);
    bl_trap_receiver_free(ra);
    bl_trap_receiver_free(rb);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_v1_pet_from_snmptrap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2c_oid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v3, setup, teardown),
        cmocka_unit_test_setup_teardown(test_junk_and_our_sender, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inform_acknowledged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forwarding, setup, teardown),
    };

    if (system("command -v snmptrap >/dev/null 2>&1") != 0) {
        fprintf(stderr, "ERROR: snmptrap is not installed (package snmp)\n");
        return 99;
    }
    bl_log_init("test_trap_receiver", BL_LOG_STDERR,
                getenv("BL_DEBUG") != NULL ? LOG_DEBUG : LOG_ERR);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
