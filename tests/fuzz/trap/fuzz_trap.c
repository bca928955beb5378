/*
 * Fuzz target over the daemon's trap intake: one UDP datagram -> net-snmp BER parse and
 * USM processing (through our transport, as in bmclinkd) -> PET decode -> allow-list,
 * de-duplication and replay policy. The datagram comes from the node's BMC address so
 * every stage past the source check is reachable.
 *
 * Built as a libFuzzer target with -DBMCLINK_FUZZ=ON (clang), and always as
 * replay_trap (replay_main.c), which runs the seed corpus through the same function under CTest.
 */
#include "bl_log.h"
#include "trap.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct fuzz_io {
    const uint8_t *data;
    size_t len;
    bool pending;
    struct bl_trap_addr bmc;
};

static int
fuzz_open(void *io, const struct bl_trap_addr *listen, int *fd)
{
    int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

    if (efd < 0) {
        return -errno;
    }
    *fd = efd;
    return 0;
}

static ssize_t
fuzz_recv(void *io, int fd, void *buf, size_t len, struct bl_trap_addr *src, uint64_t *rx_ns)
{
    struct fuzz_io *f = io;
    size_t n = f->len < len ? f->len : len;

    if (!f->pending) {
        return -EAGAIN;
    }
    f->pending = false;
    memcpy(buf, f->data, n);
    *src = f->bmc;
    *rx_ns = 0;
    return (ssize_t) n;
}

static ssize_t
fuzz_send(void *io, int fd, const void *buf, size_t len, const struct bl_trap_addr *dst)
{
    return (ssize_t) len; /* inform responses go nowhere */
}

static void
fuzz_close(void *io, int fd)
{
    close(fd);
}

static const struct bl_trap_io_ops fuzz_ops = {fuzz_open, fuzz_recv, fuzz_send, fuzz_close};

static struct fuzz_io fuzz_io;
static struct bl_trap_receiver *fuzz_receiver;

static void
fuzz_config(struct bl_trap_node_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    strcpy(cfg->node, "fuzz");
    bl_trap_policy_init(&cfg->policy);
    bl_trap_addr_parse("127.0.0.1:162", 162, &cfg->listen);
    bl_trap_addr_parse("127.0.0.1", 0, &cfg->policy.bmc);
    memcpy(cfg->policy.community, "public", 6);
    cfg->policy.community_len = 6;
    cfg->policy.accept_v1 = true;
    cfg->policy.accept_v2c = true;
    strcpy(cfg->policy.v3_user, "bmcuser");
    strcpy(cfg->v3.name, "bmcuser");
    bl_trap_engine_id_parse("0x80001f88800102030405", cfg->v3.engine_id, &cfg->v3.engine_id_len);
    cfg->v3.auth = BL_TRAP_AUTH_SHA1;
    strcpy(cfg->v3.auth_pass, "authpass-123");
    strcpy(cfg->v3.priv_pass, "privpass-456");
    bl_trap_oid_parse("1.3.6.1.4.1.99999.0.1", &cfg->policy.fatal_oids[0]);
    cfg->policy.n_fatal_oids = 1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct bl_trap_node_config cfg;

    bl_log_init("fuzz_trap", BL_LOG_STDERR, LOG_CRIT);
    fuzz_config(&cfg);
    fuzz_io.bmc = cfg.policy.bmc;
    if (bl_trap_receiver_new(NULL, &cfg, &fuzz_ops, &fuzz_io, NULL, NULL, &fuzz_receiver) != 0 ||
        bl_trap_receiver_start(fuzz_receiver) != 0) {
        abort();
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_io.data = data;
    fuzz_io.len = size;
    fuzz_io.pending = true;
    if (bl_trap_receiver_poll(fuzz_receiver, 2) != 1) {
        abort(); /* every datagram must be consumed exactly once */
    }
    return 0;
}
