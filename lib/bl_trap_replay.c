#include "bl_trap_replay.h"

#include <string.h>

#include "bl_result.h"

#define MAGIC "BLRP"
#define VERSION 1

static void
put_u32(GByteArray *out, uint32_t v)
{
    uint8_t b[4] = {v >> 24, v >> 16, v >> 8, v};

    g_byte_array_append(out, b, 4);
}

static void
put_u64(GByteArray *out, uint64_t v)
{
    put_u32(out, (uint32_t) (v >> 32));
    put_u32(out, (uint32_t) v);
}

void
bl_trap_replay_encode(const struct bl_trap_replay *st, GByteArray *out)
{
    const uint8_t head[6] = {'B', 'L', 'R', 'P', VERSION, BL_TRAP_DEDUP_SLOTS};
    uint8_t b;

    g_byte_array_set_size(out, 0);
    g_byte_array_append(out, head, sizeof(head));
    put_u32(out, (uint32_t) st->dedup.next);
    b = st->dedup.have_pet_ts;
    g_byte_array_append(out, &b, 1);
    put_u32(out, st->dedup.newest_pet_ts);
    for (size_t i = 0; i < BL_TRAP_DEDUP_SLOTS; i++) {
        b = st->dedup.slot[i].used;
        g_byte_array_append(out, &b, 1);
        put_u64(out, st->dedup.slot[i].key);
        put_u64(out, st->dedup.slot[i].seen_s);
    }
    b = st->dedup.have_v3_time;
    g_byte_array_append(out, &b, 1);
    g_byte_array_append(out, &st->engine_id_len, 1);
    g_byte_array_append(out, st->engine_id, sizeof(st->engine_id));
    put_u32(out, st->dedup.v3_boots);
    put_u32(out, st->dedup.v3_time);
    put_u64(out, st->dedup.v3_seen_s);
}

/* A bounds-checked reader: past the end it reads zeros and remembers it. */
struct rd {
    const uint8_t *p;
    size_t len, pos;
    bool bad;
};

static const uint8_t *
take(struct rd *r, size_t n)
{
    if (r->bad || n > r->len - r->pos) {
        r->bad = true;
        return NULL;
    }
    r->pos += n;
    return r->p + r->pos - n;
}

static uint64_t
get_be(struct rd *r, size_t n)
{
    const uint8_t *b = take(r, n);
    uint64_t v = 0;

    for (size_t i = 0; b != NULL && i < n; i++) {
        v = v << 8 | b[i];
    }
    return v;
}

static bool
get_bool(struct rd *r)
{
    uint64_t v = get_be(r, 1);

    r->bad = r->bad || v > 1;
    return v == 1;
}

static void
get_slots(struct rd *r, struct bl_trap_dedup *d)
{
    d->next = (size_t) get_be(r, 4);
    d->have_pet_ts = get_bool(r);
    d->newest_pet_ts = (uint32_t) get_be(r, 4);
    r->bad = r->bad || d->next >= BL_TRAP_DEDUP_SLOTS;
    for (size_t i = 0; i < BL_TRAP_DEDUP_SLOTS; i++) {
        d->slot[i].used = get_bool(r);
        d->slot[i].key = get_be(r, 8);
        d->slot[i].seen_s = get_be(r, 8);
    }
}

int
bl_trap_replay_decode(const uint8_t *p, size_t len, struct bl_trap_replay *st)
{
    struct rd r = {p, len, 0, false};
    const uint8_t *head = take(&r, 6);

    memset(st, 0, sizeof(*st));
    if (head == NULL || memcmp(head, MAGIC, 4) != 0) {
        return BL_E_PROTO;
    }
    if (head[4] != VERSION || head[5] != BL_TRAP_DEDUP_SLOTS) {
        return BL_E_UNSUPPORTED;
    }
    get_slots(&r, &st->dedup);
    st->dedup.have_v3_time = get_bool(&r);
    st->engine_id_len = (uint8_t) get_be(&r, 1);
    const uint8_t *id = take(&r, sizeof(st->engine_id));
    st->dedup.v3_boots = (uint32_t) get_be(&r, 4);
    st->dedup.v3_time = (uint32_t) get_be(&r, 4);
    st->dedup.v3_seen_s = get_be(&r, 8);
    if (r.bad || r.pos != len || st->engine_id_len > sizeof(st->engine_id)) {
        memset(st, 0, sizeof(*st));
        return BL_E_PROTO;
    }
    memcpy(st->engine_id, id, sizeof(st->engine_id));
    return 0;
}

void
bl_trap_dedup_shift(struct bl_trap_dedup *d, uint64_t from_now, uint64_t to_now)
{
    for (size_t i = 0; i < BL_TRAP_DEDUP_SLOTS; i++) {
        struct bl_trap_dedup_slot *s = &d->slot[i];
        uint64_t age = from_now >= s->seen_s ? from_now - s->seen_s : 0;
        if (s->used && age <= to_now) {
            s->seen_s = to_now - age;
        } else {
            memset(s, 0, sizeof(*s));
        }
    }
    uint64_t age = from_now >= d->v3_seen_s ? from_now - d->v3_seen_s : 0;
    d->v3_seen_s = age <= to_now ? to_now - age : 0;
}
