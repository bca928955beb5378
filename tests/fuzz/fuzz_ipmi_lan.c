/*
 * Fuzz target: the LAN replies our IPMI client decodes itself before any session exists, a
 * hostile BMC's answers to Get Channel Cipher Suites (lib/bl_ipmi_probe.c over
 * lib/bl_ipmi_cipher.c): the IPMI 1.5 session-less framing and checksums, the completion
 * code, the paging, the cipher suite records, and the suites then chosen. The real probe
 * runs on a GMainContext against a UDP socket on loopback that answers each request with the
 * next reply of the input. (The RMCP+ session itself is OpenIPMI's to parse; the replies
 * inside it reach our decoders as fuzz_ipmi_reply's input.)
 *
 * Input: replies, each a length byte and that many bytes, answered in order (the probe's
 * sequence numbers start at 1 and grow by one a page). No network beyond 127.0.0.1, no root.
 */
#include <glib.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bl_ipmi.h"
#include "bl_ipmi_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_REPLIES_MAX (BL_PROBE_PAGES + 4)

struct fuzz_bmc {
    GMainContext *ctx;
    int fd; /* the BMC's socket on 127.0.0.1 */
    uint16_t port;
};

struct fuzz_run {
    bool done;
    uint8_t chosen[BL_PROBE_SUITES_MAX];
};

static struct fuzz_bmc *
fuzz_bmc(void)
{
    static struct fuzz_bmc bmc = {.fd = -1};
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);

    if (bmc.fd >= 0) {
        return &bmc;
    }
    bmc.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (bmc.fd < 0 || bind(bmc.fd, (struct sockaddr *) &sa, sizeof(sa)) != 0 ||
        getsockname(bmc.fd, (struct sockaddr *) &sa, &sl) != 0) {
        abort(); /* the harness cannot run: not a finding */
    }
    bmc.port = ntohs(sa.sin_port);
    bmc.ctx = g_main_context_new();
    return &bmc;
}

static void
fuzz_done(int rc, const uint8_t *suites, size_t n, unsigned int tx, unsigned int rx, void *ud)
{
    struct fuzz_run *run = ud;

    run->done = true;
    if (rc == 0) {
        (void) bl_ipmi_cipher_candidates(suites, n, false, run->chosen, sizeof(run->chosen));
        (void) bl_ipmi_cipher_candidates(suites, n, true, run->chosen, sizeof(run->chosen));
    }
}

/* Send one reply to the probe (where its last request came from); a reply that is not
 * the awaited one leaves the probe waiting, so the next reply still reaches it. */
static void
fuzz_answer(struct fuzz_bmc *bmc, struct sockaddr_storage *to, socklen_t *tl, const uint8_t *reply,
            size_t len)
{
    uint8_t req[512];
    socklen_t fl = sizeof(*to);

    if (recvfrom(bmc->fd, req, sizeof(req), 0, (struct sockaddr *) to, &fl) > 0) {
        *tl = fl;
    }
    (void) sendto(bmc->fd, reply, len, 0, (struct sockaddr *) to, *tl);
    while (g_main_context_iteration(bmc->ctx, FALSE)) {
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_bmc *bmc = fuzz_bmc();
    struct fuzz_run run = {0};
    struct bl_ipmi_probe *p = NULL;
    uint8_t junk[64];
    size_t pos = 0;
    struct sockaddr_storage to = {0};
    socklen_t tl = 0;

    while (recv(bmc->fd, junk, sizeof(junk), 0) > 0) {
        /* a request the previous input left unanswered */
    }
    if (bl_ipmi_probe_start(bmc->ctx, "127.0.0.1", bmc->port, 60000, fuzz_done, &run, &p) != 0) {
        return 0;
    }
    for (int i = 0; i < FUZZ_REPLIES_MAX && !run.done && pos < size; i++) {
        size_t len = MIN((size_t) data[pos], size - pos - 1);
        fuzz_answer(bmc, &to, &tl, data + pos + 1, len);
        pos += 1 + len;
    }
    bl_ipmi_probe_free(p); /* after its callback too: the callback leaves it to us */
    return 0;
}
