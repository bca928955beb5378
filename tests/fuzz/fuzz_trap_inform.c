/*
 * Fuzz target: what a forward target's manager sends back to our v2c informs
 * (monitor/trap/trap_send.c over trap_snmp.c's transport): the source check of the sender's
 * socket, net-snmp's parsing and matching of the Response to the pending inform, and our
 * counting of acknowledged and lost informs. A real sender (inform = true) sends one inform
 * to a UDP socket on loopback, which answers with the input:
 *   byte 0 bit 0 clear: the rest as the datagram, as is
 *   byte 0 bit 0 set:   the inform itself turned into its Response (same request ID, tag
 *                       0xa6 -> 0xa2), the rest XORed over it: damage to a matching answer
 *   byte 0 bit 1 set:   sent from another port of the manager's host (dropped unparsed)
 * No network beyond 127.0.0.1, no root.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bl_log.h"
#include "trap_snmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_DGRAM_MAX 2048

struct fuzz_manager {
    int fd, other; /* the manager's socket, and another on the same host */
    struct bl_trap_forward target;
    struct bl_trap_msg msg; /* the notice forwarded */
};

static int
fuzz_socket(uint16_t *port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

    if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) != 0 ||
        getsockname(fd, (struct sockaddr *) &sa, &sl) != 0) {
        abort(); /* the harness cannot run: not a finding */
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

static struct fuzz_manager *
fuzz_manager(void)
{
    static struct fuzz_manager m = {.fd = -1};
    uint16_t port, other;

    if (m.fd >= 0) {
        return &m;
    }
    bl_log_init("fuzz_trap_inform", BL_LOG_STDERR, LOG_CRIT);
    bl_trap_snmp_init("fuzz_trap_inform");
    m.fd = fuzz_socket(&port);
    m.other = fuzz_socket(&other);
    m.target.target.family = AF_INET;
    memcpy(m.target.target.addr, "\x7f\x00\x00\x01", 4);
    m.target.target.port = port;
    m.target.version = BL_TRAP_V2C;
    strcpy(m.target.community, "public");
    m.target.inform = true;
    m.msg.version = BL_TRAP_V2C;
    (void) bl_trap_oid_parse("1.3.6.1.4.1.99999.0.2", &m.msg.trap_oid);
    return &m;
}

/* The inform turned into its own Response: same request ID, PDU tag Response. */
static size_t
fuzz_response(const uint8_t *inform, size_t len, const uint8_t *damage, size_t dlen, uint8_t *out)
{
    memcpy(out, inform, len);
    uint8_t *tag = memchr(out, 0xa6, len);
    if (tag != NULL) {
        *tag = 0xa2;
    }
    for (size_t i = 0; i < dlen && len > 0; i++) {
        out[i % len] ^= damage[i];
    }
    return len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_manager *m = fuzz_manager();
    struct bl_trap_sender *s = NULL;
    struct bl_trap_sender_stats st;
    uint8_t inform[FUZZ_DGRAM_MAX], reply[FUZZ_DGRAM_MAX];
    struct sockaddr_storage from;
    socklen_t fl = sizeof(from);

    if (size == 0 || bl_trap_sender_open(&m->target, &s) != 0) {
        return 0;
    }
    ssize_t n = bl_trap_sender_send_msg(s, &m->msg) == 0
                    ? recvfrom(m->fd, inform, sizeof(inform), 0, (struct sockaddr *) &from, &fl)
                    : -1;
    if (n > 0) {
        size_t len = size - 1 < sizeof(reply) ? size - 1 : sizeof(reply);
        memcpy(reply, data + 1, len);
        if ((data[0] & 1) != 0) {
            len = fuzz_response(inform, (size_t) n, data + 1, size - 1, reply);
        }
        (void) sendto((data[0] & 2) != 0 ? m->other : m->fd, reply, len, 0,
                      (struct sockaddr *) &from, fl);
        bl_trap_sender_read(s);
        bl_trap_sender_timeout(s);
        bl_trap_sender_get_stats(s, &st);
    }
    bl_trap_sender_close(s);
    return 0;
}
