/*
 * Forwarding as v2c informs ([trap-forward N] inform = true), on loopback in a real GLib
 * loop: receiver A accepts its BMC's notification (sent by net-snmp's snmptrap) and forwards
 * it as an InformRequest; a manager that answers (receiver B: net-snmp's session machinery
 * acknowledges informs as snmptrapd does) counts as acknowledged, a manager that never
 * answers counts as lost after the retransmissions. Skips (77) without snmptrap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bl_log.h"
#include "bl_result.h"
#include "trap.h"

struct ctx {
    char confdir[64];
    uint16_t port; /* A listens here, B one above, nothing two above */
    unsigned b_events;
};

static void
on_b(const struct bl_trap_event *ev, const struct bl_trap_msg *msg, uint64_t rx_ns, void *ud)
{
    struct ctx *c = ud;

    if (msg != NULL && msg->is_inform && ev->verdict == BL_TRAP_FATAL) {
        c->b_events++;
    }
}

static void
node_config(struct bl_trap_node_config *cfg, uint16_t port)
{
    memset(cfg, 0, sizeof(*cfg));
    strcpy(cfg->node, "n1");
    bl_trap_policy_init(&cfg->policy);
    assert_int_equal(bl_trap_addr_parse("127.0.0.1", port, &cfg->listen), 0);
    assert_int_equal(bl_trap_addr_parse("127.0.0.1", 0, &cfg->policy.bmc), 0);
    memcpy(cfg->policy.community, "s3cret", 6);
    cfg->policy.community_len = 6;
    cfg->policy.accept_v2c = true;
    assert_int_equal(bl_trap_oid_parse("1.3.6.1.4.1.99999.0.1", &cfg->policy.fatal_oids[0]), 0);
    cfg->policy.n_fatal_oids = 1;
}

static void
add_inform_forward(struct bl_trap_node_config *cfg, uint16_t port)
{
    struct bl_trap_forward *f = &cfg->forward[cfg->n_forward++];

    assert_int_equal(bl_trap_addr_parse("127.0.0.1", port, &f->target), 0);
    f->version = BL_TRAP_V2C;
    strcpy(f->community, "s3cret");
    f->inform = true;
}

/* The BMC: snmptrap with its community from snmp.conf in SNMPCONFPATH, never on argv. */
static void
bmc_trap(struct ctx *c, uint16_t port)
{
    char cmd[512];

    snprintf(cmd, sizeof(cmd),
             "SNMPCONFPATH=%s MIBS= MIBDIRS=/nonexistent snmptrap -Ln -v 2c 127.0.0.1:%u '' "
             "1.3.6.1.4.1.99999.0.1 1.3.6.1.2.1.1.5.0 s x",
             c->confdir, port);
    assert_int_equal(system(cmd), 0);
}

/* Run the loop until the counter reaches want, at most ms (a bound, not a measurement). */
static bool
wait_stat(struct bl_trap_receiver *r, size_t field, uint64_t want, int ms)
{
    gint64 end = g_get_monotonic_time() + ms * 1000;
    struct bl_trap_stats st;

    do {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(1000);
        bl_trap_receiver_get_stats(r, &st);
    } while (*(uint64_t *) ((char *) &st + field) < want && g_get_monotonic_time() < end);
    return *(uint64_t *) ((char *) &st + field) >= want;
}

static void
test_inform_acked_and_lost(void **state)
{
    struct ctx *c = *state;
    struct bl_trap_node_config a, b;
    struct bl_trap_receiver *ra = NULL, *rb = NULL;
    struct bl_trap_stats st;

    node_config(&b, (uint16_t) (c->port + 1));
    assert_int_equal(bl_trap_receiver_new(NULL, &b, &bl_trap_udp_io, NULL, on_b, c, &rb), 0);
    assert_int_equal(bl_trap_receiver_start(rb), 0);
    node_config(&a, c->port);
    add_inform_forward(&a, (uint16_t) (c->port + 1)); /* B answers */
    add_inform_forward(&a, (uint16_t) (c->port + 2)); /* nobody answers */
    assert_int_equal(bl_trap_receiver_new(NULL, &a, &bl_trap_udp_io, NULL, NULL, NULL, &ra), 0);
    assert_int_equal(bl_trap_receiver_start(ra), 0);

    bmc_trap(c, c->port);
    assert_true(wait_stat(ra, offsetof(struct bl_trap_stats, informs_acked), 1, 5000));
    assert_int_equal(c->b_events, 1); /* B got it as an inform, once: no resend after the ack */
    /* 3 retransmissions 1 s apart, then given up */
    assert_true(wait_stat(ra, offsetof(struct bl_trap_stats, informs_lost), 1, 10000));
    bl_trap_receiver_get_stats(ra, &st);
    assert_int_equal(st.forwarded, 2);
    assert_int_equal(st.informs_acked, 1);
    assert_int_equal(st.informs_lost, 1);
    assert_int_equal(c->b_events, 1);
    bl_trap_receiver_free(ra);
    bl_trap_receiver_free(rb);
}

static int
setup(void **state)
{
    struct ctx *c = calloc(1, sizeof(*c));
    char path[96];
    FILE *f;

    if (system("command -v snmptrap >/dev/null 2>&1") != 0) {
        print_message("ERROR: snmptrap is not installed (package snmp)\n");
        exit(99);
    }
    strcpy(c->confdir, "/tmp/bl-inform-XXXXXX");
    assert_non_null(mkdtemp(c->confdir));
    snprintf(path, sizeof(path), "%s/snmp.conf", c->confdir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("defCommunity s3cret\n", f);
    fclose(f);
    c->port = (uint16_t) (21000 + (getpid() % 2000) * 3);
    *state = c;
    return 0;
}

/* A datagram from ip:port (port 0: any) to 127.0.0.1:to. */
static void
send_from(const char *ip, uint16_t port, uint16_t to)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    struct sockaddr_in d = {.sin_family = AF_INET, .sin_port = htons(to)};
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    inet_pton(AF_INET, ip, &a.sin_addr);
    inet_pton(AF_INET, "127.0.0.1", &d.sin_addr);
    assert_int_equal(bind(s, (struct sockaddr *) &a, sizeof(a)), 0);
    ssize_t n = sendto(s, "\x30\x03\x02\x01\x01", 5, 0, (struct sockaddr *) &d, sizeof(d));
    if (n != 5) {
        fail_msg("sendto from %s:%u to %u: %s", ip, port, to, strerror(errno));
    }
    close(s);
}

/* An inform sender's socket hears its manager only: a datagram from anyone else is dropped
 * before net-snmp parses it, and counted. */
static void
test_sender_drops_strangers(void **state)
{
    struct ctx *c = *state;
    struct bl_trap_forward f = {0};
    struct bl_trap_sender *s = NULL;
    struct bl_trap_sender_stats st = {0};
    struct sockaddr_in me;
    socklen_t len = sizeof(me);
    uint16_t manager = (uint16_t) (c->port + 2);

    bl_trap_snmp_init("trap_inform");
    assert_int_equal(bl_trap_addr_parse("127.0.0.1", manager, &f.target), 0);
    f.version = BL_TRAP_V2C;
    strcpy(f.community, "s3cret");
    f.inform = true;
    assert_int_equal(bl_trap_sender_open(&f, &s), 0);
    struct bl_trap_msg *msg = calloc(1, sizeof(*msg));
    msg->version = BL_TRAP_V2C;
    assert_int_equal(bl_trap_oid_parse("1.3.6.1.4.1.99999.0.1", &msg->trap_oid), 0);
    assert_int_equal(bl_trap_sender_send_msg(s, msg), 0); /* the socket gets its port */
    free(msg);
    assert_int_equal(getsockname(bl_trap_sender_fd(s), (struct sockaddr *) &me, &len), 0);
    send_from("127.0.0.2", 0, ntohs(me.sin_port));
    send_from("127.0.0.1", manager, ntohs(me.sin_port)); /* the manager's junk: parsed */
    send_from("127.0.0.1", 0, ntohs(me.sin_port));       /* right host, wrong port */
    for (int i = 0; i < 1000 && st.foreign < 2; i++) {   /* a bound, not a measurement */
        bl_trap_sender_read(s);
        bl_trap_sender_get_stats(s, &st);
        g_usleep(1000);
    }
    bl_trap_sender_read(s);
    bl_trap_sender_get_stats(s, &st);
    assert_int_equal(st.foreign, 2);
    bl_trap_sender_close(s);
}

static int
teardown(void **state)
{
    struct ctx *c = *state;
    char path[96];

    snprintf(path, sizeof(path), "%s/snmp.conf", c->confdir);
    unlink(path);
    rmdir(c->confdir);
    free(c);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_inform_acked_and_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sender_drops_strangers, setup, teardown),
    };

    bl_log_init("trap_inform", BL_LOG_STDERR, LOG_WARNING);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
