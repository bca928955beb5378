/*
 * trap-bench-blast: send SNMP notifications at a fixed rate with net-snmp (our senders),
 * for the trap intake benchmark. Credentials come from files, never from argv.
 *
 *   trap-bench-blast --target 127.0.0.1:29162 --count 100000 --rate 20000 \
 *       --community-file junk.txt [--kind pet|oid] [--genuine-at 50000 --genuine-file ok.txt]
 *
 * kind pet: PET v1 traps with increasing sequence numbers; kind oid: v2c notifications
 * (1.3.6.1.4.1.99999.0.1, a counter varbind). With --genuine-at, trap number K is replaced
 * by a PET v1 with the genuine community (a BMCNOTICE inside the flood) and its send time is
 * printed as genuine_sent_ns=<CLOCK_REALTIME ns>. Exit 0, 99 on errors.
 */
#include "bl_log.h"
#include "trap_snmp.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct blast {
    struct bl_trap_sender *junk;
    struct bl_trap_sender *genuine;
    gboolean oid_kind;
    uint64_t sent;
    uint64_t failed;
};

static uint64_t
real_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

static int
read_secret(const char *path, char *out, size_t len)
{
    g_autofree char *text = NULL;

    if (path == NULL || !g_file_get_contents(path, &text, NULL, NULL)) {
        return -1;
    }
    g_strstrip(text);
    return g_strlcpy(out, text, len) < len && text[0] != '\0' ? 0 : -1;
}

static int
open_sender(const char *target, enum bl_trap_version v, const char *secret_file,
            struct bl_trap_sender **out)
{
    struct bl_trap_forward fw;

    memset(&fw, 0, sizeof(fw));
    fw.version = v;
    if (bl_trap_addr_parse(target, 162, &fw.target) != 0 ||
        read_secret(secret_file, fw.community, sizeof(fw.community)) != 0) {
        fprintf(stderr, "trap-bench-blast: bad target or community file\n");
        return -1;
    }
    return bl_trap_sender_open(&fw, out);
}

static int
send_one(struct blast *b, uint64_t i)
{
    struct bl_pet_event pet;
    struct bl_trap_msg msg;

    if (!b->oid_kind) {
        memset(&pet, 0, sizeof(pet));
        pet.sequence = (uint16_t) i;
        pet.timestamp = 1000000;
        pet.severity = BL_PET_SEV_CRITICAL;
        pet.event_data[0] = (uint8_t) (i >> 16);
        return bl_trap_sender_send_pet(b->junk, &pet, NULL);
    }
    memset(&msg, 0, sizeof(msg));
    bl_trap_oid_parse("1.3.6.1.4.1.99999.0.1", &msg.trap_oid);
    bl_trap_oid_parse("1.3.6.1.4.1.99999.1.1.0", &msg.vb[0].name);
    msg.vb[0].type = BL_TRAP_VB_INTEGER;
    msg.vb[0].integer = (int64_t) i;
    msg.n_varbinds = 1;
    return bl_trap_sender_send_msg(b->junk, &msg);
}

static void
send_genuine(struct blast *b)
{
    struct bl_pet_event pet;
    uint64_t at;

    memset(&pet, 0, sizeof(pet));
    pet.sequence = 4242;
    pet.timestamp = 2000000;
    pet.severity = BL_PET_SEV_NON_RECOVERABLE;
    pet.sensor_type = 0x07;
    pet.event_type = 0x6f;
    at = real_ns();
    if (bl_trap_sender_send_pet(b->genuine, &pet, NULL) == 0) {
        printf("genuine_sent_ns=%" PRIu64 "\n", at);
        fflush(stdout);
    }
}

/* Send count notifications at rate per second, in 1 ms slots. */
static void
blast(struct blast *b, uint64_t count, uint64_t rate, int64_t genuine_at)
{
    struct timespec next;
    uint64_t slot = 0;

    clock_gettime(CLOCK_MONOTONIC, &next);
    while (b->sent + b->failed < count) {
        uint64_t due = rate * (slot + 1) / 1000;
        while (b->sent + b->failed < due && b->sent + b->failed < count) {
            uint64_t i = b->sent + b->failed;
            if ((int64_t) i == genuine_at && b->genuine != NULL) {
                send_genuine(b);
            }
            if (send_one(b, i) == 0) {
                b->sent++;
            } else {
                b->failed++;
            }
        }
        slot++;
        next.tv_nsec += 1000000;
        if (next.tv_nsec >= 1000000000) {
            next.tv_nsec -= 1000000000;
            next.tv_sec++;
        }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
}

int
main(int argc, char **argv)
{
    g_autofree char *target = NULL, *kind = NULL, *cfile = NULL, *gfile = NULL;
    gint64 count = 10000, rate = 20000, genuine_at = -1;
    GOptionEntry entries[] = {
        {"target", 't', 0, G_OPTION_ARG_STRING, &target, "receiver IP:port", "ADDR"},
        {"count", 'n', 0, G_OPTION_ARG_INT64, &count, "notifications to send", "N"},
        {"rate", 'r', 0, G_OPTION_ARG_INT64, &rate, "per second", "R"},
        {"kind", 'k', 0, G_OPTION_ARG_STRING, &kind, "pet (v1) or oid (v2c)", "KIND"},
        {"community-file", 'c', 0, G_OPTION_ARG_FILENAME, &cfile, "community of the flood", "F"},
        {"genuine-at", 'g', 0, G_OPTION_ARG_INT64, &genuine_at, "index of the genuine one", "K"},
        {"genuine-file", 0, 0, G_OPTION_ARG_FILENAME, &gfile, "its community", "F"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) oc = g_option_context_new("- SNMP trap blaster");
    struct blast b = {0};
    struct timespec t0, t1;
    double secs;

    g_option_context_add_main_entries(oc, entries, NULL);
    if (!g_option_context_parse(oc, &argc, &argv, NULL) || target == NULL || rate <= 0) {
        fprintf(stderr, "trap-bench-blast: need --target, --community-file, a rate > 0\n");
        return 99;
    }
    b.oid_kind = kind != NULL && strcmp(kind, "oid") == 0;
    bl_trap_snmp_init("trap-bench-blast");
    if (open_sender(target, b.oid_kind ? BL_TRAP_V2C : BL_TRAP_V1, cfile, &b.junk) != 0 ||
        (gfile != NULL && open_sender(target, BL_TRAP_V1, gfile, &b.genuine) != 0)) {
        return 99;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    blast(&b, (uint64_t) count, (uint64_t) rate, genuine_at);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("blast sent=%" PRIu64 " failed=%" PRIu64 " seconds=%.3f rate=%.0f\n", b.sent, b.failed,
           secs, (double) b.sent / secs);
    bl_trap_sender_close(b.junk);
    bl_trap_sender_close(b.genuine);
    bl_trap_snmp_fini();
    return 0;
}
