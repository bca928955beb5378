/*
 * bmcsim: an ipmi_sim plug-in (loadlib) that plays a BMC detecting a fatal fault.
 *
 *   loadlib "/path/bmcsim.so" "config=/path/bmcsim.conf trap_target=10.231.2.11:1162"
 *
 * Options are key=value words in the init string and/or lines of the config file (the
 * place for communities and v3 passphrases). An OEM command injects the fault; bmcsim
 * sends the BMCNOTICE trap (PET v1, or v2c/v3), resends it until a PET Acknowledge, then
 * resets the node's power through the chassis control program: at once when no start
 * notice comes within the grace time, else on the end notice or when window W expires.
 * Every notice is recorded with its monotonic time in the log file, for the tests.
 * See docs/bmcnotice.md for the commands.
 */
#include "bmcsim_core.h"
#include "trap_snmp.h"

#include <OpenIPMI/mcserv.h>
#include <OpenIPMI/serv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct bmcsim_cmd {
    uint8_t netfn;
    uint8_t cmd;
};

struct bmcsim {
    sys_data_t *sys;
    struct bmcsim_core core;
    ipmi_timer_t *timer;
    struct bl_trap_forward target; /* version, address, credentials */
    struct bl_trap_sender *sender;
    struct bl_pet_event pet;
    uint8_t agent_addr[4];
    struct bmcsim_cmd inject, start, end, status;
    char chassis[512];
    char log_path[512];
    FILE *log;
    pid_t child;
};

static struct bmcsim bmcsim; /* ipmi_sim calls plug-ins through C entry points only */

static uint64_t
bmcsim_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static void
bmcsim_record(struct bmcsim *b, const char *fmt, ...)
{
    va_list ap;

    if (b->log == NULL) {
        return;
    }
    fprintf(b->log, "%llu ", (unsigned long long) bmcsim_now_ms());
    va_start(ap, fmt);
    vfprintf(b->log, fmt, ap);
    va_end(ap);
    fputc('\n', b->log);
    fflush(b->log);
}

/* ---- options ---- */

static int
bmcsim_parse_cmd(const char *v, struct bmcsim_cmd *c)
{
    unsigned netfn, cmd;
    char extra;

    if (sscanf(v, "%x:%x%c", &netfn, &cmd, &extra) != 2 || netfn > 0x3f || cmd > 0xff) {
        return EINVAL;
    }
    c->netfn = (uint8_t) netfn;
    c->cmd = (uint8_t) cmd;
    return 0;
}

static int
bmcsim_parse_u32(const char *v, uint32_t *out)
{
    char *end = NULL;
    unsigned long n;

    errno = 0;
    n = strtoul(v, &end, 0);
    if (errno != 0 || end == v || *end != '\0' || n > UINT32_MAX) {
        return EINVAL;
    }
    *out = (uint32_t) n;
    return 0;
}

static int
bmcsim_parse_version(const char *v, enum bl_trap_version *out)
{
    if (strcasecmp(v, "v1") == 0) {
        *out = BL_TRAP_V1;
    } else if (strcasecmp(v, "v2c") == 0) {
        *out = BL_TRAP_V2C;
    } else if (strcasecmp(v, "v3") == 0) {
        *out = BL_TRAP_V3;
    } else {
        return EINVAL;
    }
    return 0;
}

static int
bmcsim_parse_pet(struct bmcsim *b, const char *k, const char *v)
{
    static const char *const keys[] = {"sensor_type", "event_type", "event_offset",
                                       "sensor_number"};
    uint8_t *fields[] = {&b->pet.sensor_type, &b->pet.event_type, &b->pet.event_offset,
                         &b->pet.sensor_number};
    uint32_t n = 0;

    if (strcmp(k, "severity") == 0) {
        return bl_pet_severity_parse(v, &b->pet.severity) == 0 ? 0 : EINVAL;
    }
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strcmp(k, keys[i]) == 0) {
            if (bmcsim_parse_u32(v, &n) != 0 || n > (i == 2 ? 0x0fu : 0xffu)) {
                return EINVAL;
            }
            *fields[i] = (uint8_t) n;
            return 0;
        }
    }
    return ENOENT;
}

static int
bmcsim_parse_timing(struct bmcsim *b, const char *k, const char *v)
{
    struct bmcsim_timing *t = &b->core.t;

    if (strcmp(k, "grace_ms") == 0) {
        return bmcsim_parse_u32(v, &t->grace_ms);
    }
    if (strcmp(k, "window_ms") == 0) {
        return bmcsim_parse_u32(v, &t->window_ms);
    }
    if (strcmp(k, "resend_ms") == 0) {
        return bmcsim_parse_u32(v, &t->resend_ms);
    }
    if (strcmp(k, "resend_max") == 0) {
        return bmcsim_parse_u32(v, &t->resend_max);
    }
    if (strcmp(k, "off_ms") == 0) {
        return bmcsim_parse_u32(v, &t->off_ms);
    }
    return ENOENT;
}

static int
bmcsim_copy(char *dst, size_t len, const char *v)
{
    return g_strlcpy(dst, v, len) < len ? 0 : EINVAL;
}

static int
bmcsim_parse_v3(struct bmcsim *b, const char *k, const char *v)
{
    struct bl_trap_v3_user *u = &b->target.v3;

    if (strcmp(k, "v3_user") == 0) {
        return bmcsim_copy(u->name, sizeof(u->name), v);
    }
    if (strcmp(k, "v3_engine_id") == 0) {
        return bl_trap_engine_id_parse(v, u->engine_id, &u->engine_id_len) == 0 ? 0 : EINVAL;
    }
    if (strcmp(k, "v3_auth") == 0) {
        u->auth = strcasecmp(v, "SHA-256") == 0 ? BL_TRAP_AUTH_SHA256 : BL_TRAP_AUTH_SHA1;
        return 0;
    }
    if (strcmp(k, "v3_auth_pass") == 0) {
        return bmcsim_copy(u->auth_pass, sizeof(u->auth_pass), v);
    }
    if (strcmp(k, "v3_priv_pass") == 0) {
        return bmcsim_copy(u->priv_pass, sizeof(u->priv_pass), v);
    }
    return ENOENT;
}

static int bmcsim_load_file(struct bmcsim *b, const char *path);

static int
bmcsim_option(struct bmcsim *b, const char *k, const char *v)
{
    int rc;

    if ((rc = bmcsim_parse_timing(b, k, v)) != ENOENT ||
        (rc = bmcsim_parse_pet(b, k, v)) != ENOENT || (rc = bmcsim_parse_v3(b, k, v)) != ENOENT) {
        return rc;
    }
    if (strcmp(k, "config") == 0) {
        return bmcsim_load_file(b, v);
    }
    if (strcmp(k, "trap_target") == 0) {
        return bl_trap_addr_parse(v, 162, &b->target.target) == 0 ? 0 : EINVAL;
    }
    if (strcmp(k, "trap_version") == 0) {
        return bmcsim_parse_version(v, &b->target.version);
    }
    if (strcmp(k, "community") == 0) {
        return bmcsim_copy(b->target.community, sizeof(b->target.community), v);
    }
    if (strcmp(k, "agent_addr") == 0) {
        return inet_pton(AF_INET, v, b->agent_addr) == 1 ? 0 : EINVAL;
    }
    if (strcmp(k, "inject_cmd") == 0) {
        return bmcsim_parse_cmd(v, &b->inject);
    }
    if (strcmp(k, "start_cmd") == 0) {
        return bmcsim_parse_cmd(v, &b->start);
    }
    if (strcmp(k, "end_cmd") == 0) {
        return bmcsim_parse_cmd(v, &b->end);
    }
    if (strcmp(k, "status_cmd") == 0) {
        return bmcsim_parse_cmd(v, &b->status);
    }
    if (strcmp(k, "chassis_control") == 0) {
        return bmcsim_copy(b->chassis, sizeof(b->chassis), v);
    }
    if (strcmp(k, "log") == 0) {
        return bmcsim_copy(b->log_path, sizeof(b->log_path), v);
    }
    return ENOENT;
}

/* One "key=value" (or "key = value") item; the key is never echoed with a secret value. */
static int
bmcsim_item(struct bmcsim *b, char *item)
{
    char *eq = strchr(item, '=');
    int rc;

    if (eq == NULL) {
        b->sys->log(b->sys, SETUP_ERROR, NULL, "bmcsim: '%s' is not key=value", item);
        return EINVAL;
    }
    *eq = '\0';
    g_strstrip(item);
    rc = bmcsim_option(b, item, g_strstrip(eq + 1));
    if (rc != 0) {
        b->sys->log(b->sys, SETUP_ERROR, NULL, "bmcsim: option %s: %s", item,
                    rc == ENOENT ? "unknown" : "invalid value");
    }
    return rc;
}

static int
bmcsim_load_file(struct bmcsim *b, const char *path)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        b->sys->log(b->sys, SETUP_ERROR, NULL, "bmcsim: cannot read %s", path);
        return ENOENT;
    }
    lines = g_strsplit(text, "\n", -1);
    for (size_t i = 0; lines[i] != NULL; i++) {
        char *l = g_strstrip(lines[i]);
        if (l[0] == '\0' || l[0] == '#') {
            continue;
        }
        if (bmcsim_item(b, l) != 0) {
            return EINVAL;
        }
    }
    return 0;
}

static int
bmcsim_parse_initstr(struct bmcsim *b, const char *initstr)
{
    g_auto(GStrv) words = g_strsplit_set(initstr != NULL ? initstr : "", " \t", -1);

    for (size_t i = 0; words[i] != NULL; i++) {
        if (words[i][0] != '\0' && bmcsim_item(b, words[i]) != 0) {
            return EINVAL;
        }
    }
    return 0;
}

static void
bmcsim_defaults(struct bmcsim *b)
{
    const struct bmcsim_timing t = {
        .grace_ms = 2000, .window_ms = 30000, .resend_ms = 1000, .resend_max = 5, .off_ms = 2000};

    memset(b, 0, sizeof(*b));
    bmcsim_core_init(&b->core, &t);
    b->target.version = BL_TRAP_V1;
    b->target.v3.auth = BL_TRAP_AUTH_SHA1;
    b->inject = (struct bmcsim_cmd){0x30, 0x80};
    b->start = (struct bmcsim_cmd){0x30, 0x81};
    b->end = (struct bmcsim_cmd){0x30, 0x82};
    b->status = (struct bmcsim_cmd){0x30, 0x83};
    b->pet.severity = BL_PET_SEV_NON_RECOVERABLE;
    b->pet.sensor_type = 0x07;  /* processor */
    b->pet.event_type = 0x6f;   /* sensor-specific */
    b->pet.event_offset = 0x00; /* IERR */
    b->pet.event_source_type = 0x20;
    b->pet.sensor_device = 0x20;
    b->pet.utc_offset = 0xffff;
    b->pet.manufacturer_id = 0x0000a2b3;
    b->child = -1;
}

/* ---- actions ---- */

/* Run "<chassis_control> set power 0|1" without waiting; reaped on the next action. */
static void
bmcsim_power(struct bmcsim *b, int on)
{
    g_autofree char *cmd = NULL;
    char *argv[] = {"/bin/sh", "-c", NULL, NULL};
    int rc;

    if (b->child > 0) {
        (void) waitpid(b->child, NULL, 0); /* the previous step must be done first */
        b->child = -1;
    }
    bmcsim_record(b, "power-%s", on ? "on" : "off");
    if (b->chassis[0] == '\0') {
        return;
    }
    cmd = g_strdup_printf("%s set power %d", b->chassis, on);
    argv[2] = cmd;
    rc = posix_spawn(&b->child, "/bin/sh", NULL, NULL, argv, environ);
    if (rc != 0) {
        b->child = -1;
        b->sys->log(b->sys, OS_ERROR, NULL, "bmcsim: chassis control: %s", strerror(rc));
    }
}

static void
bmcsim_send_trap(struct bmcsim *b)
{
    struct timespec ts;
    int rc;

    clock_gettime(CLOCK_REALTIME, &ts);
    b->pet.sequence = b->core.sequence;
    if (b->core.resends == 0) {
        b->pet.timestamp = (uint32_t) ((uint64_t) ts.tv_sec - BL_PET_EPOCH_OFFSET);
    }
    rc = b->sender != NULL ? bl_trap_sender_send_pet(b->sender, &b->pet, b->agent_addr) : -ENOTCONN;
    bmcsim_record(b, "trap-sent seq=%u try=%u rc=%d", b->pet.sequence, b->core.resends + 1, rc);
}

static void bmcsim_arm(struct bmcsim *b);

static void
bmcsim_do(struct bmcsim *b, unsigned act)
{
    if ((act & BMCSIM_ACT_SEND_TRAP) != 0) {
        bmcsim_send_trap(b);
    }
    if ((act & BMCSIM_ACT_POWER_OFF) != 0) {
        bmcsim_record(b, "reset reason=%s", b->core.reason);
        bmcsim_power(b, 0);
    }
    if ((act & BMCSIM_ACT_POWER_ON) != 0) {
        bmcsim_power(b, 1);
    }
    bmcsim_arm(b);
}

static void
bmcsim_timeout(void *cb_data)
{
    struct bmcsim *b = cb_data;

    bmcsim_do(b, bmcsim_core_tick(&b->core, bmcsim_now_ms()));
}

static void
bmcsim_arm(struct bmcsim *b)
{
    uint64_t next = bmcsim_core_next(&b->core), now = bmcsim_now_ms();
    struct timeval tv = {0, 0};

    b->sys->stop_timer(b->timer);
    if (next == 0) {
        return;
    }
    if (next > now) {
        tv.tv_sec = (time_t) ((next - now) / 1000);
        tv.tv_usec = (suseconds_t) ((next - now) % 1000 * 1000);
    }
    b->sys->start_timer(b->timer, &tv);
}

/* ---- IPMI command handlers ---- */

static void
bmcsim_reply(unsigned char *rdata, unsigned int *rdata_len, uint8_t cc)
{
    rdata[0] = cc;
    *rdata_len = 1;
}

static void
bmcsim_on_inject(lmc_data_t *mc, msg_t *msg, unsigned char *rdata, unsigned int *rdata_len,
                 void *cb_data)
{
    struct bmcsim *b = cb_data;
    unsigned act;

    if (msg->len >= 1 && bl_pet_severity_top(msg->data[0]) != 0) {
        b->pet.severity = msg->data[0]; /* optional: the severity to report */
    }
    act = bmcsim_core_inject(&b->core, bmcsim_now_ms());
    bmcsim_record(b, "inject severity=%s %s", bl_pet_severity_name(b->pet.severity),
                  act != 0 ? "accepted" : "busy");
    bmcsim_do(b, act);
    bmcsim_reply(rdata, rdata_len, act != 0 ? 0x00 : 0xd5); /* 0xd5: not in this state */
    rdata[1] = (uint8_t) b->core.sequence;
    rdata[2] = (uint8_t) (b->core.sequence >> 8);
    *rdata_len = 3;
}

static void
bmcsim_on_notice(struct bmcsim *b, enum bmcsim_notice n, const char *name, msg_t *msg,
                 unsigned char *rdata, unsigned int *rdata_len)
{
    bool accepted = false;
    unsigned act = bmcsim_core_notice(&b->core, n, bmcsim_now_ms(), &accepted);

    /* chan: the IPMI channel it came in on (a LAN channel, or 15: the system interface,
     * i.e. the host's own driver), for the in-band tests (tests/kvm). */
    bmcsim_record(b, "%s phase=%s %s len=%u chan=%u", name, bmcsim_phase_name(b->core.phase),
                  accepted ? "accepted" : "ignored", msg->len, (unsigned int) msg->channel);
    bmcsim_do(b, act);
    bmcsim_reply(rdata, rdata_len, 0x00);
}

static void
bmcsim_on_pet_ack(lmc_data_t *mc, msg_t *msg, unsigned char *rdata, unsigned int *rdata_len,
                  void *cb_data)
{
    struct bmcsim *b = cb_data;

    if (!bl_pet_ack_matches(&b->pet, msg->data, msg->len)) {
        bmcsim_record(b, "pet-ack mismatch len=%u", msg->len);
        bmcsim_reply(rdata, rdata_len, 0xcc); /* invalid data field */
        return;
    }
    bmcsim_on_notice(b, BMCSIM_PET_ACK, "pet-ack", msg, rdata, rdata_len);
}

static void
bmcsim_on_start(lmc_data_t *mc, msg_t *msg, unsigned char *rdata, unsigned int *rdata_len,
                void *cb_data)
{
    bmcsim_on_notice(cb_data, BMCSIM_START, "start-notice", msg, rdata, rdata_len);
}

static void
bmcsim_on_end(lmc_data_t *mc, msg_t *msg, unsigned char *rdata, unsigned int *rdata_len,
              void *cb_data)
{
    bmcsim_on_notice(cb_data, BMCSIM_END, "end-notice", msg, rdata, rdata_len);
}

/* Status: phase, sequence (LS first), acked, resends. */
static void
bmcsim_on_status(lmc_data_t *mc, msg_t *msg, unsigned char *rdata, unsigned int *rdata_len,
                 void *cb_data)
{
    struct bmcsim *b = cb_data;

    rdata[0] = 0x00;
    rdata[1] = (uint8_t) b->core.phase;
    rdata[2] = (uint8_t) b->core.sequence;
    rdata[3] = (uint8_t) (b->core.sequence >> 8);
    rdata[4] = b->core.acked ? 1 : 0;
    rdata[5] = (uint8_t) b->core.resends;
    *rdata_len = 6;
}

/* ---- module entry points ---- */

static int
bmcsim_register(struct bmcsim *b)
{
    const struct {
        struct bmcsim_cmd c;
        cmd_handler_f fn;
    } h[] = {
        {b->inject, bmcsim_on_inject}, {b->start, bmcsim_on_start},       {b->end, bmcsim_on_end},
        {b->status, bmcsim_on_status}, {{0x04, 0x17}, bmcsim_on_pet_ack}, /* IPMI PET Acknowledge */
    };

    for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
        int rc = ipmi_emu_register_cmd_handler(h[i].c.netfn, h[i].c.cmd, h[i].fn, b);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int
bmcsim_open(struct bmcsim *b)
{
    if (b->log_path[0] != '\0') {
        int fd = open(b->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        b->log = fd >= 0 ? fdopen(fd, "a") : NULL;
        if (b->log == NULL) {
            return errno != 0 ? errno : EIO;
        }
    }
    if (b->target.target.family == 0) {
        b->sys->log(b->sys, SETUP_ERROR, NULL, "bmcsim: trap_target is required");
        return EINVAL;
    }
    bl_trap_snmp_init("bmcsim");
    if (bl_trap_sender_open(&b->target, &b->sender) != 0) {
        b->sys->log(b->sys, SETUP_ERROR, NULL, "bmcsim: cannot set up the trap sender");
        return EINVAL;
    }
    return b->sys->alloc_timer(b->sys, bmcsim_timeout, b, &b->timer);
}

int ipmi_sim_module_init(sys_data_t *sys, const char *initstr);
int ipmi_sim_module_print_version(sys_data_t *sys, char *initstr);

int
ipmi_sim_module_init(sys_data_t *sys, const char *initstr)
{
    struct bmcsim *b = &bmcsim;
    int rc;

    bmcsim_defaults(b);
    b->sys = sys;
    if ((rc = bmcsim_parse_initstr(b, initstr)) != 0 || (rc = bmcsim_open(b)) != 0 ||
        (rc = bmcsim_register(b)) != 0) {
        return rc;
    }
    bmcsim_record(b, "start version=%s grace_ms=%u window_ms=%u",
                  b->target.version == BL_TRAP_V1    ? "v1"
                  : b->target.version == BL_TRAP_V2C ? "v2c"
                                                     : "v3",
                  b->core.t.grace_ms, b->core.t.window_ms);
    sys->log(sys, INFO, NULL, "bmcsim: ready, inject with raw 0x%02x 0x%02x", b->inject.netfn,
             b->inject.cmd);
    return 0;
}

int
ipmi_sim_module_print_version(sys_data_t *sys, char *initstr)
{
    printf("bmcsim (bmclink simulated BMC notices) 1\n");
    return 0;
}
