#include "bl_trap.h"
#include "bl_result.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* sysUpTime.0 and snmpTrapOID.0 change on every resend; they stay out of the key. */
static const struct bl_oid bl_sysuptime0 = {9, {1, 3, 6, 1, 2, 1, 1, 3, 0}};
static const struct bl_oid bl_snmptrapoid0 = {11, {1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0}};
static const struct bl_oid bl_snmptraps = {9, {1, 3, 6, 1, 6, 3, 1, 1, 5}};
static const struct bl_oid bl_pet_enterprise = {9, {1, 3, 6, 1, 4, 1, 3183, 1, 1}};

static const char *const bl_drop_names[BL_TRAP_DROP_COUNT] = {
    [BL_TRAP_DROP_NONE] = "none",
    [BL_TRAP_DROP_PARSE] = "unparsable",
    [BL_TRAP_DROP_SOURCE] = "foreign-source",
    [BL_TRAP_DROP_VERSION] = "version-disabled",
    [BL_TRAP_DROP_AUTH] = "bad-credentials",
    [BL_TRAP_DROP_SECLEVEL] = "below-authpriv",
    [BL_TRAP_DROP_UNMATCHED] = "unmatched",
    [BL_TRAP_DROP_MALFORMED] = "malformed-pet",
    [BL_TRAP_DROP_REPLAY] = "replay",
};

void
bl_trap_policy_init(struct bl_trap_policy *policy)
{
    memset(policy, 0, sizeof(*policy));
    policy->fatal_severity = BL_PET_SEV_NON_RECOVERABLE;
    policy->dedup_window_s = 60;
    policy->replay_window_s = 300;
}

/* ---- OIDs ---- */

int
bl_trap_oid_parse(const char *text, struct bl_oid *out)
{
    const char *p = text;

    if (text == NULL || out == NULL) {
        return BL_E_INVALID;
    }
    out->len = 0;
    if (*p == '.') {
        p++;
    }
    while (*p != '\0') {
        char *end = NULL;
        unsigned long long v;

        if (*p < '0' || *p > '9' || out->len >= BL_TRAP_OID_MAX) {
            return BL_E_INVALID;
        }
        errno = 0;
        v = strtoull(p, &end, 10);
        if (errno != 0 || v > UINT32_MAX || (*end != '.' && *end != '\0')) {
            return BL_E_INVALID;
        }
        out->sub[out->len++] = (uint32_t) v;
        p = (*end == '.') ? end + 1 : end;
        if (*end == '.' && *p == '\0') {
            return BL_E_INVALID;
        }
    }
    return out->len >= 2 ? BL_OK : BL_E_INVALID;
}

void
bl_trap_oid_format(const struct bl_oid *oid, char *buf, size_t buflen)
{
    size_t used = 0;

    if (buflen == 0) {
        return;
    }
    buf[0] = '\0';
    for (uint32_t i = 0; i < oid->len && i < BL_TRAP_OID_MAX; i++) {
        int n = snprintf(buf + used, buflen - used, "%s%u", i == 0 ? "" : ".", oid->sub[i]);
        if (n < 0 || (size_t) n >= buflen - used) {
            return;
        }
        used += (size_t) n;
    }
}

bool
bl_trap_oid_has_prefix(const struct bl_oid *oid, const struct bl_oid *prefix)
{
    if (prefix->len == 0 || prefix->len > oid->len || oid->len > BL_TRAP_OID_MAX) {
        return false;
    }
    return memcmp(oid->sub, prefix->sub, prefix->len * sizeof(prefix->sub[0])) == 0;
}

bool
bl_trap_oid_equal(const struct bl_oid *a, const struct bl_oid *b)
{
    return a->len == b->len && bl_trap_oid_has_prefix(a, b);
}

/* ---- addresses ---- */

static int
bl_port_parse(const char *text, uint16_t *port)
{
    char *end = NULL;
    unsigned long v;

    if (*text < '0' || *text > '9') {
        return BL_E_INVALID;
    }
    errno = 0;
    v = strtoul(text, &end, 10);
    if (errno != 0 || *end != '\0' || v == 0 || v > 65535) {
        return BL_E_INVALID;
    }
    *port = (uint16_t) v;
    return BL_OK;
}

int
bl_trap_addr_parse(const char *text, uint16_t default_port, struct bl_trap_addr *out)
{
    char host[INET6_ADDRSTRLEN + 2];
    const char *port = NULL;
    size_t len;

    if (text == NULL || out == NULL || (len = strlen(text)) == 0 || len >= sizeof(host)) {
        return BL_E_INVALID;
    }
    memset(out, 0, sizeof(*out));
    out->port = default_port;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (close == NULL || (close[1] != '\0' && close[1] != ':')) {
            return BL_E_INVALID;
        }
        memcpy(host, text + 1, (size_t) (close - text - 1));
        host[close - text - 1] = '\0';
        port = close[1] == ':' ? close + 2 : NULL;
    } else if (strchr(text, ':') != NULL && strchr(text, ':') == strrchr(text, ':')) {
        const char *colon = strchr(text, ':');
        memcpy(host, text, (size_t) (colon - text));
        host[colon - text] = '\0';
        port = colon + 1;
    } else {
        memcpy(host, text, len + 1);
    }
    if (port != NULL && bl_port_parse(port, &out->port) != BL_OK) {
        return BL_E_INVALID;
    }
    if (inet_pton(AF_INET, host, out->addr) == 1) {
        out->family = AF_INET;
    } else if (inet_pton(AF_INET6, host, out->addr) == 1) {
        out->family = AF_INET6;
    } else {
        return BL_E_INVALID;
    }
    return BL_OK;
}

bool
bl_trap_addr_same_host(const struct bl_trap_addr *a, const struct bl_trap_addr *b)
{
    size_t n = (a->family == AF_INET) ? 4 : 16;

    return a->family != 0 && a->family == b->family && memcmp(a->addr, b->addr, n) == 0;
}

void
bl_trap_addr_format(const struct bl_trap_addr *addr, char *buf, size_t buflen)
{
    char host[INET6_ADDRSTRLEN];

    if (addr->family != AF_INET && addr->family != AF_INET6) {
        snprintf(buf, buflen, "(none)");
        return;
    }
    inet_ntop(addr->family, addr->addr, host, sizeof(host));
    snprintf(buf, buflen, addr->family == AF_INET6 ? "[%s]:%u" : "%s:%u", host, addr->port);
}

/* ---- allow-list ---- */

/* Compare secrets without an early exit, so timing does not tell how much matched. */
static bool
bl_secret_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    uint8_t diff = (uint8_t) (alen != blen);

    for (size_t i = 0; i < BL_TRAP_SECRET_MAX; i++) {
        uint8_t x = i < alen ? a[i] : 0;
        uint8_t y = i < blen ? b[i] : 0;
        diff |= (uint8_t) (x ^ y);
    }
    return diff == 0;
}

enum bl_trap_drop
bl_trap_allowed(const struct bl_trap_policy *policy, const struct bl_trap_msg *msg)
{
    if (!bl_trap_addr_same_host(&policy->bmc, &msg->source)) {
        return BL_TRAP_DROP_SOURCE;
    }
    switch (msg->version) {
        case BL_TRAP_V1:
        case BL_TRAP_V2C:
            if ((msg->version == BL_TRAP_V1 && !policy->accept_v1) ||
                (msg->version == BL_TRAP_V2C && !policy->accept_v2c) ||
                policy->community_len == 0) {
                return BL_TRAP_DROP_VERSION;
            }
            if (msg->community_too_long ||
                !bl_secret_equal(policy->community, policy->community_len, msg->community,
                                 msg->community_len)) {
                return BL_TRAP_DROP_AUTH;
            }
            return BL_TRAP_DROP_NONE;
        case BL_TRAP_V3:
            if (policy->v3_user[0] == '\0') {
                return BL_TRAP_DROP_VERSION;
            }
            if (strcmp(policy->v3_user, msg->security_name) != 0) {
                return BL_TRAP_DROP_AUTH;
            }
            return msg->seclevel == BL_TRAP_SEC_AUTHPRIV ? BL_TRAP_DROP_NONE
                                                         : BL_TRAP_DROP_SECLEVEL;
        default:
            return BL_TRAP_DROP_VERSION;
    }
}

/* ---- classification ---- */

void
bl_trap_v1_trap_oid(struct bl_trap_msg *msg)
{
    struct bl_oid *t = &msg->trap_oid;

    if (msg->generic_trap >= 0 && msg->generic_trap < 6) {
        *t = bl_snmptraps;
        t->sub[t->len++] = (uint32_t) msg->generic_trap + 1;
        return;
    }
    *t = msg->enterprise;
    if (t->len + 2 > BL_TRAP_OID_MAX) {
        t->len = 0; /* cannot be represented; matches nothing */
        return;
    }
    t->sub[t->len++] = 0;
    t->sub[t->len++] = msg->specific_trap;
}

/* The PET record: the first OCTET STRING varbind under the PET enterprise. */
static const struct bl_trap_varbind *
bl_pet_varbind(const struct bl_trap_msg *msg)
{
    for (size_t i = 0; i < msg->n_varbinds && i < BL_TRAP_VARBINDS_MAX; i++) {
        const struct bl_trap_varbind *vb = &msg->vb[i];
        if (vb->type == BL_TRAP_VB_OCTETS &&
            bl_trap_oid_has_prefix(&vb->name, &bl_pet_enterprise)) {
            return vb;
        }
    }
    return NULL;
}

/*
 * A PET arrives as v1 (enterprise 3183.1.1, generic 6) or, translated by a BMC or proxy
 * per RFC 3584, as a notification whose snmpTrapOID is 3183.1.1.0.<specific>.
 */
static bool
bl_is_pet(const struct bl_trap_msg *msg, uint32_t *specific)
{
    if (msg->version == BL_TRAP_V1) {
        if (msg->generic_trap == 6 && bl_trap_oid_equal(&msg->enterprise, &bl_pet_enterprise)) {
            *specific = msg->specific_trap;
            return true;
        }
        return false;
    }
    if (msg->trap_oid.len == bl_pet_enterprise.len + 2 &&
        bl_trap_oid_has_prefix(&msg->trap_oid, &bl_pet_enterprise) &&
        msg->trap_oid.sub[bl_pet_enterprise.len] == 0) {
        *specific = msg->trap_oid.sub[bl_pet_enterprise.len + 1];
        return true;
    }
    return false;
}

static bool
bl_oid_in(const struct bl_oid *oid, const struct bl_oid *list, size_t n)
{
    for (size_t i = 0; i < n && i < BL_TRAP_NOTICE_OIDS_MAX; i++) {
        if (bl_trap_oid_equal(oid, &list[i])) {
            return true;
        }
    }
    return false;
}

/* FNV-1a, 64 bit: a key for the de-duplication ring, not a security boundary. */
static uint64_t
bl_fnv(uint64_t h, const void *data, size_t len)
{
    const uint8_t *p = data;

    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

#define BL_FNV_INIT 14695981039346656037ull

static uint64_t
bl_oid_hash(uint64_t h, const struct bl_oid *oid)
{
    uint32_t len = oid->len <= BL_TRAP_OID_MAX ? oid->len : BL_TRAP_OID_MAX;

    h = bl_fnv(h, &len, sizeof(len));
    return bl_fnv(h, oid->sub, len * sizeof(oid->sub[0]));
}

static uint64_t
bl_msg_key(const struct bl_trap_msg *msg)
{
    uint64_t h = bl_oid_hash(BL_FNV_INIT, &msg->trap_oid);

    for (size_t i = 0; i < msg->n_varbinds && i < BL_TRAP_VARBINDS_MAX; i++) {
        const struct bl_trap_varbind *vb = &msg->vb[i];
        if (bl_trap_oid_equal(&vb->name, &bl_sysuptime0) ||
            bl_trap_oid_equal(&vb->name, &bl_snmptrapoid0)) {
            continue;
        }
        h = bl_oid_hash(h, &vb->name);
        h = bl_fnv(h, &vb->type, sizeof(vb->type));
        h = bl_fnv(h, &vb->integer, sizeof(vb->integer));
        h = bl_fnv(h, vb->value, vb->len <= BL_TRAP_VALUE_MAX ? vb->len : BL_TRAP_VALUE_MAX);
        if (vb->type == BL_TRAP_VB_OID) {
            h = bl_oid_hash(h, &vb->oid);
        }
    }
    return h;
}

static uint64_t
bl_pet_key(const struct bl_pet_event *pet)
{
    uint64_t h = bl_fnv(BL_FNV_INIT, pet->guid, sizeof(pet->guid));

    h = bl_fnv(h, &pet->sequence, sizeof(pet->sequence));
    h = bl_fnv(h, &pet->timestamp, sizeof(pet->timestamp));
    h = bl_fnv(h, &pet->sensor_number, sizeof(pet->sensor_number));
    return bl_fnv(h, pet->event_data, sizeof(pet->event_data));
}

static enum bl_trap_drop
bl_classify(const struct bl_trap_policy *policy, const struct bl_trap_msg *msg,
            struct bl_trap_event *ev)
{
    uint32_t specific = 0;

    if (bl_is_pet(msg, &specific)) {
        const struct bl_trap_varbind *vb = bl_pet_varbind(msg);
        if (vb == NULL || vb->value_truncated ||
            bl_pet_decode(vb->value, vb->len, specific, &ev->pet) != BL_OK) {
            return BL_TRAP_DROP_MALFORMED;
        }
        ev->is_pet = true;
        ev->key = bl_pet_key(&ev->pet);
        ev->verdict = (!ev->pet.deassertion &&
                       bl_pet_severity_top(ev->pet.severity) >= policy->fatal_severity)
                          ? BL_TRAP_FATAL
                          : BL_TRAP_RECOVERABLE;
        return BL_TRAP_DROP_NONE;
    }
    ev->key = bl_msg_key(msg);
    if (bl_oid_in(&msg->trap_oid, policy->fatal_oids, policy->n_fatal_oids)) {
        ev->verdict = BL_TRAP_FATAL;
        return BL_TRAP_DROP_NONE;
    }
    if (bl_oid_in(&msg->trap_oid, policy->recoverable_oids, policy->n_recoverable_oids)) {
        ev->verdict = BL_TRAP_RECOVERABLE;
        return BL_TRAP_DROP_NONE;
    }
    return BL_TRAP_DROP_UNMATCHED;
}

/* ---- de-duplication and replay ---- */

static const struct bl_trap_dedup_slot *
bl_dedup_find(const struct bl_trap_dedup *dedup, uint64_t key)
{
    for (size_t i = 0; i < BL_TRAP_DEDUP_SLOTS; i++) {
        if (dedup->slot[i].used && dedup->slot[i].key == key) {
            return &dedup->slot[i];
        }
    }
    return NULL;
}

/* <0, 0, >0 as the message's (engine boots, engine time) is older, the same, newer. */
static int
bl_v3_cmp(const struct bl_trap_dedup *dedup, const struct bl_trap_msg *msg)
{
    if (msg->engine_boots != dedup->v3_boots) {
        return msg->engine_boots < dedup->v3_boots ? -1 : 1;
    }
    if (msg->engine_time != dedup->v3_time) {
        return msg->engine_time < dedup->v3_time ? -1 : 1;
    }
    return 0;
}

/*
 * SNMPv3: the BMC stamps every message it sends (a resend too) with its engine's boots and
 * time, under the message's authentication. net-snmp's USM refuses only what is more than
 * 150 s old; anything not newer than the newest accepted is a captured message sent again.
 * The same second stays open for a moment, for two notices the BMC sent within it.
 */
static bool
bl_v3_replayed(const struct bl_trap_policy *policy, const struct bl_trap_dedup *dedup,
               const struct bl_trap_msg *msg, bool seen, uint64_t now_s)
{
    if (msg->version != BL_TRAP_V3 || !dedup->have_v3_time) {
        return false;
    }
    int cmp = bl_v3_cmp(dedup, msg);
    return cmp < 0 || (cmp == 0 && (seen || now_s > dedup->v3_seen_s + policy->dedup_window_s));
}

static enum bl_trap_verdict
bl_dedup_check(const struct bl_trap_policy *policy, const struct bl_trap_dedup *dedup,
               const struct bl_trap_msg *msg, const struct bl_trap_event *ev, uint64_t now_s)
{
    const struct bl_trap_dedup_slot *seen = bl_dedup_find(dedup, ev->key);

    if (seen != NULL && now_s - seen->seen_s <= policy->dedup_window_s) {
        return BL_TRAP_DUPLICATE;
    }
    if (bl_v3_replayed(policy, dedup, msg, seen != NULL, now_s)) {
        return BL_TRAP_DROPPED;
    }
    if (!ev->is_pet) {
        /* v2c: no authentication, so a replay is no more than a forgery, which the
         * community allows anyway; v3: its engine time above */
        return ev->verdict;
    }
    if (seen != NULL) {
        return BL_TRAP_DROPPED; /* the same sequence and timestamp, long after */
    }
    if (ev->pet.timestamp != 0 && dedup->have_pet_ts &&
        (uint64_t) ev->pet.timestamp + policy->replay_window_s < dedup->newest_pet_ts) {
        return BL_TRAP_DROPPED;
    }
    return ev->verdict;
}

static void
bl_dedup_record(struct bl_trap_dedup *dedup, const struct bl_trap_event *ev, uint64_t now_s)
{
    struct bl_trap_dedup_slot *slot = &dedup->slot[dedup->next % BL_TRAP_DEDUP_SLOTS];

    slot->key = ev->key;
    slot->seen_s = now_s;
    slot->used = true;
    dedup->next = (dedup->next + 1) % BL_TRAP_DEDUP_SLOTS;
    if (ev->is_pet && ev->pet.timestamp != 0 &&
        (!dedup->have_pet_ts || ev->pet.timestamp > dedup->newest_pet_ts)) {
        dedup->newest_pet_ts = ev->pet.timestamp;
        dedup->have_pet_ts = true;
    }
}

/* A resend (duplicate) moves the engine time on too: it is the BMC's own, newer message. */
static void
bl_v3_record(struct bl_trap_dedup *dedup, const struct bl_trap_msg *msg, uint64_t now_s)
{
    if (msg->version == BL_TRAP_V3 && (!dedup->have_v3_time || bl_v3_cmp(dedup, msg) > 0)) {
        dedup->have_v3_time = true;
        dedup->v3_boots = msg->engine_boots;
        dedup->v3_time = msg->engine_time;
        dedup->v3_seen_s = now_s;
    }
}

static enum bl_trap_verdict
bl_drop(struct bl_trap_event *ev, enum bl_trap_drop why)
{
    ev->verdict = BL_TRAP_DROPPED;
    ev->drop = why;
    return ev->verdict;
}

enum bl_trap_verdict
bl_trap_decide(const struct bl_trap_policy *policy, struct bl_trap_dedup *dedup,
               const struct bl_trap_msg *msg, uint64_t now_s, struct bl_trap_event *ev)
{
    enum bl_trap_drop why;
    enum bl_trap_verdict verdict;

    memset(ev, 0, sizeof(*ev));
    ev->version = msg->version;
    ev->source = msg->source;
    ev->trap_oid = msg->trap_oid;
    why = bl_trap_allowed(policy, msg);
    if (why == BL_TRAP_DROP_NONE && msg->version == BL_TRAP_V3 && !msg->have_engine_time) {
        why = BL_TRAP_DROP_PARSE; /* net-snmp took it, yet its header did not read back */
    }
    if (why == BL_TRAP_DROP_NONE) {
        why = bl_classify(policy, msg, ev);
    }
    if (why != BL_TRAP_DROP_NONE) {
        return bl_drop(ev, why);
    }
    verdict = bl_dedup_check(policy, dedup, msg, ev, now_s);
    if (verdict == BL_TRAP_DROPPED) {
        return bl_drop(ev, BL_TRAP_DROP_REPLAY);
    }
    if (verdict != BL_TRAP_DUPLICATE) {
        bl_dedup_record(dedup, ev, now_s);
    }
    bl_v3_record(dedup, msg, now_s);
    ev->verdict = verdict;
    return verdict;
}

const char *
bl_trap_verdict_name(enum bl_trap_verdict verdict)
{
    switch (verdict) {
        case BL_TRAP_FATAL:
            return "fatal";
        case BL_TRAP_RECOVERABLE:
            return "recoverable";
        case BL_TRAP_DUPLICATE:
            return "duplicate";
        case BL_TRAP_DROPPED:
            return "dropped";
        default:
            return "unknown";
    }
}

const char *
bl_trap_drop_name(enum bl_trap_drop drop)
{
    if ((int) drop < 0 || drop >= BL_TRAP_DROP_COUNT) {
        return "unknown";
    }
    return bl_drop_names[drop];
}
