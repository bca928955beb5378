/*
 * hostile_bmc: a UDP "BMC" on loopback that answers every request with something a real
 * BMC never sends, so the agent tests can show fence_bmclink fails cleanly (one line,
 * exit 1, bounded time) instead of crashing, looping or hanging.
 *
 * usage: hostile_bmc PORT MODE [SECONDS]
 *   garbage   random bytes of random length
 *   overlong  64 KiB datagrams behind a valid RMCP header
 *   lying     RMCP/IPMI 1.5 header whose length field claims more than was sent
 *   authcap   a Channel Auth Capabilities reply offering RMCP+, then Open Session
 *             replies whose payload length lies
 *   flood     fifty junk datagrams per request
 *   silent    reads everything, answers nothing
 *
 * usage: hostile_bmc PORT relay SECONDS BMC_PORT DROP_EVERY BLACKOUT_SECONDS [AFTER]
 *   relay     a lossy link in front of the real BMC on 127.0.0.1:BMC_PORT: every
 *             DROP_EVERY-th datagram (either direction; 0 for none) is lost, and so is
 *             everything for BLACKOUT_SECONDS (a BMC link that is down) from the start,
 *             or from the AFTER-th datagram on (a link that drops mid-session)
 * It binds 127.0.0.1 only and exits by itself after SECONDS (default 30).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RMCP_LEN 4
#define BIG 65000

struct peer {
    int fd;
    struct sockaddr_in from;
    socklen_t fromlen;
};

static void
reply(const struct peer *p, const uint8_t *buf, size_t len)
{
    (void) sendto(p->fd, buf, len, 0, (const struct sockaddr *) &p->from, p->fromlen);
}

static void
put_rmcp(uint8_t *b)
{
    b[0] = 0x06; /* RMCP version 1.0 */
    b[1] = 0x00;
    b[2] = 0xff; /* no RMCP ACK */
    b[3] = 0x07; /* IPMI class */
}

static void
send_garbage(const struct peer *p, size_t max)
{
    static uint8_t buf[BIG];
    uint16_t r = 0;
    size_t len;

    (void) getrandom(&r, sizeof(r), 0);
    len = 1 + r % max;
    (void) getrandom(buf, len, 0);
    reply(p, buf, len);
}

static void
send_overlong(const struct peer *p)
{
    static uint8_t buf[BIG];

    memset(buf, 0x41, sizeof(buf));
    put_rmcp(buf);
    buf[4] = 0x00; /* IPMI 1.5, no authentication */
    buf[13] = 0xff;
    reply(p, buf, sizeof(buf));
}

static void
send_lying(const struct peer *p)
{
    uint8_t buf[24] = {0};

    put_rmcp(buf);
    buf[4] = 0x00;  /* IPMI 1.5, no authentication, session 0 */
    buf[13] = 0xfe; /* message length: 254 bytes; 10 follow */
    buf[14] = 0x81;
    buf[15] = 0x1c;
    reply(p, buf, sizeof(buf));
}

static uint8_t
checksum(const uint8_t *b, size_t n)
{
    uint8_t s = 0;

    for (size_t i = 0; i < n; i++) {
        s = (uint8_t) (s + b[i]);
    }
    return (uint8_t) -s;
}

/* A well-formed Get Channel Authentication Capabilities reply offering RMCP+. */
static void
send_authcap(const struct peer *p, const uint8_t *req, size_t len)
{
    static const uint8_t data[] = {0x00, 0x01, 0x80 | 0x04, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00};
    uint8_t buf[64] = {0};
    uint8_t *m = buf + 14;
    size_t n = 0;

    if (len < 20 || req[4] != 0x00) {
        return;
    }
    put_rmcp(buf);
    m[n++] = req[17];                                   /* requester's address */
    m[n++] = (uint8_t) ((req[15] + 4) | (req[15] & 3)); /* response netfn, same LUN */
    m[n] = checksum(m, n);
    n++;
    m[n++] = req[14];
    m[n++] = req[18];
    m[n++] = req[19]; /* command */
    memcpy(m + n, data, sizeof(data));
    n += sizeof(data);
    m[n] = checksum(m + 3, n - 3);
    n++;
    buf[13] = (uint8_t) n;
    reply(p, buf, 14 + n);
}

/* An RMCP+ Open Session Response claiming a 1 KiB payload and carrying 4 bytes. */
static void
send_rmcpp_lie(const struct peer *p)
{
    uint8_t buf[20] = {0};

    put_rmcp(buf);
    buf[4] = 0x06; /* RMCP+ */
    buf[5] = 0x11; /* Open Session Response */
    buf[14] = 0x00;
    buf[15] = 0x04; /* payload length 0x0400, little endian */
    reply(p, buf, sizeof(buf));
}

static void
answer(const struct peer *p, const char *mode, const uint8_t *req, size_t len)
{
    if (strcmp(mode, "garbage") == 0) {
        send_garbage(p, 300);
    } else if (strcmp(mode, "overlong") == 0) {
        send_overlong(p);
    } else if (strcmp(mode, "lying") == 0) {
        send_lying(p);
    } else if (strcmp(mode, "authcap") == 0) {
        if (len > 4 && req[4] == 0x06) {
            send_rmcpp_lie(p);
        } else {
            send_authcap(p, req, len);
        }
    } else if (strcmp(mode, "flood") == 0) {
        for (int i = 0; i < 50; i++) {
            send_garbage(p, 1400);
        }
    }
}

static int open_socket(int port);

/* One datagram through the lossy link: lost, or passed on to \p to. */
static void
relay_one(int from_fd, int to_fd, const struct sockaddr_in *to, struct sockaddr_in *src, bool lost)
{
    uint8_t buf[2048];
    socklen_t srclen = sizeof(*src);
    ssize_t n = recvfrom(from_fd, buf, sizeof(buf), 0, (struct sockaddr *) src, &srclen);

    if (n > 0 && !lost) {
        (void) sendto(to_fd, buf, (size_t) n, 0, (const struct sockaddr *) to, sizeof(*to));
    }
}

/* relay mode: one client at a time (the agent), its datagrams to the BMC and back. */
static int
run_relay(int fd, time_t end, int bmc_port, unsigned int drop_every, int blackout_s,
          unsigned long after)
{
    time_t blackout_end = after == 0 ? time(NULL) + blackout_s : 0;
    struct sockaddr_in bmc = {.sin_family = AF_INET, .sin_port = htons((uint16_t) bmc_port)};
    struct sockaddr_in client = {0};
    struct sockaddr_in ignored;
    int up = open_socket(0);
    unsigned long count = 0;

    bmc.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    while (time(NULL) < end) {
        struct pollfd pf[2] = {{.fd = fd, .events = POLLIN}, {.fd = up, .events = POLLIN}};

        if (poll(pf, 2, 200) <= 0) {
            continue;
        }
        for (int i = 0; i < 2; i++) {
            bool lost;

            if ((pf[i].revents & POLLIN) == 0) {
                continue;
            }
            count++;
            if (after != 0 && count == after + 1) {
                blackout_end = time(NULL) + blackout_s;
            }
            lost = time(NULL) < blackout_end || (drop_every > 0 && count % drop_every == 0);
            if (i == 0) {
                relay_one(fd, up, &bmc, &client, lost);
            } else if (client.sin_port != 0) {
                relay_one(up, fd, &client, &ignored, lost);
            }
        }
    }
    close(up);
    close(fd);
    return 0;
}

static int
open_socket(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t) port)};
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *) &a, sizeof(a)) != 0) {
        perror("hostile_bmc: bind");
        exit(99);
    }
    return fd;
}

int
main(int argc, char **argv)
{
    uint8_t req[2048];
    struct peer p;
    time_t end;

    if (argc < 3) {
        fprintf(stderr, "usage: hostile_bmc PORT MODE [SECONDS]\n");
        return 99;
    }
    p.fd = open_socket(atoi(argv[1]));
    end = time(NULL) + (argc > 3 ? atoi(argv[3]) : 30);
    if (strcmp(argv[2], "relay") == 0) {
        if (argc < 7) {
            fprintf(stderr, "usage: hostile_bmc PORT relay SECONDS BMC_PORT DROP_EVERY "
                            "BLACKOUT_SECONDS [AFTER]\n");
            return 99;
        }
        return run_relay(p.fd, end, atoi(argv[4]), (unsigned int) atoi(argv[5]), atoi(argv[6]),
                         argc > 7 ? strtoul(argv[7], NULL, 10) : 0);
    }
    while (time(NULL) < end) {
        struct pollfd pf = {.fd = p.fd, .events = POLLIN};
        ssize_t n;

        if (poll(&pf, 1, 200) <= 0) {
            continue;
        }
        p.fromlen = sizeof(p.from);
        n = recvfrom(p.fd, req, sizeof(req), 0, (struct sockaddr *) &p.from, &p.fromlen);
        if (n > 0) {
            answer(&p, argv[2], req, (size_t) n);
        }
    }
    close(p.fd);
    return 0;
}
