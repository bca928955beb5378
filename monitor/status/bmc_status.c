/*
 * `bmclink status` on the wire (bmc_status.h): encoder for the daemon, checking decoder
 * for the command. Pure: no I/O, no globals.
 */
#include "bmc_status.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "bl_result.h"

#define HDR_LEN 8

struct bl_status {
    GPtrArray *items; /* struct bl_status_item * */
};

static void
item_free(gpointer p)
{
    struct bl_status_item *it = p;

    g_free(it->key);
    g_free(it->value);
    g_free(it);
}

struct bl_status *
bl_status_new(void)
{
    struct bl_status *st = g_new0(struct bl_status, 1);

    st->items = g_ptr_array_new_with_free_func(item_free);
    return st;
}

void
bl_status_free(struct bl_status *st)
{
    if (st != NULL) {
        g_ptr_array_free(st->items, TRUE);
        g_free(st);
    }
}

static bool
key_char_ok(unsigned char c)
{
    return g_ascii_isalnum(c) || c == '.' || c == '_' || c == '-' || c == '#';
}

static bool
key_ok(const char *key, size_t len)
{
    if (len == 0 || len > BL_STATUS_KEY_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (key_char_ok((unsigned char) key[i]) == false) {
            return false;
        }
    }
    return true;
}

/* Printable ASCII, tab and newline: what a terminal and JSON take as they are. */
static bool
value_byte_ok(uint8_t c)
{
    return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n';
}

static bool
value_ok(const uint8_t *v, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (value_byte_ok(v[i]) == false) {
            return false;
        }
    }
    return true;
}

static int
add_n(struct bl_status *st, const char *key, size_t klen, const char *value, size_t vlen)
{
    struct bl_status_item *it;

    if (key_ok(key, klen) == false) {
        return BL_E_INVALID;
    }
    if (st->items->len >= BL_STATUS_ITEMS_MAX) {
        return -E2BIG;
    }
    it = g_new0(struct bl_status_item, 1);
    it->key = g_strndup(key, klen);
    it->value = g_strndup(value, MIN(vlen, BL_STATUS_VALUE_MAX));
    for (char *c = it->value; *c != '\0'; c++) {
        if (value_byte_ok((uint8_t) *c) == false) {
            *c = '?'; /* what we send is what the decoder accepts */
        }
    }
    g_ptr_array_add(st->items, it);
    return 0;
}

int
bl_status_add(struct bl_status *st, const char *key, const char *value)
{
    return add_n(st, key, strlen(key), value != NULL ? value : "",
                 value != NULL ? strlen(value) : 0);
}

int
bl_status_addf(struct bl_status *st, const char *key, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_autofree char *v = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return bl_status_add(st, key, v);
}

size_t
bl_status_count(const struct bl_status *st)
{
    return st->items->len;
}

const struct bl_status_item *
bl_status_item(const struct bl_status *st, size_t i)
{
    return i < st->items->len ? g_ptr_array_index(st->items, i) : NULL;
}

const char *
bl_status_get(const struct bl_status *st, const char *key)
{
    for (guint i = 0; i < st->items->len; i++) {
        const struct bl_status_item *it = g_ptr_array_index(st->items, i);
        if (strcmp(it->key, key) == 0) {
            return it->value;
        }
    }
    return NULL;
}

static void
put_u16(GByteArray *out, uint16_t v)
{
    uint8_t b[2] = {(uint8_t) (v >> 8), (uint8_t) v};

    g_byte_array_append(out, b, 2);
}

int
bl_status_encode(const struct bl_status *st, GByteArray *out)
{
    size_t total = HDR_LEN;
    guint start = out->len;

    for (guint i = 0; i < st->items->len; i++) {
        const struct bl_status_item *it = g_ptr_array_index(st->items, i);
        total += 1 + strlen(it->key) + 2 + strlen(it->value);
    }
    if (total > BL_STATUS_WIRE_MAX) {
        return -E2BIG;
    }
    g_byte_array_append(out, (const guint8 *) "BLST", 4);
    put_u16(out, BL_STATUS_VERSION);
    put_u16(out, (uint16_t) st->items->len);
    for (guint i = 0; i < st->items->len; i++) {
        const struct bl_status_item *it = g_ptr_array_index(st->items, i);
        uint8_t klen = (uint8_t) strlen(it->key);
        size_t vlen = strlen(it->value);

        g_byte_array_append(out, &klen, 1);
        g_byte_array_append(out, (const guint8 *) it->key, klen);
        put_u16(out, (uint16_t) vlen);
        g_byte_array_append(out, (const guint8 *) it->value, (guint) vlen);
    }
    g_assert(out->len - start == total);
    return 0;
}

static uint16_t
get_u16(const uint8_t *p)
{
    return (uint16_t) ((uint16_t) p[0] << 8 | p[1]);
}

/* One item at buf[*pos]; advances *pos. */
static int
decode_item(const uint8_t *buf, size_t len, size_t *pos, struct bl_status *st)
{
    size_t p = *pos, klen, vlen;
    const uint8_t *key, *value;

    if (len - p < 1) {
        return BL_E_PROTO;
    }
    klen = buf[p++];
    if (klen == 0 || klen > BL_STATUS_KEY_MAX || len - p < klen + 2) {
        return BL_E_PROTO;
    }
    key = buf + p;
    p += klen;
    vlen = get_u16(buf + p);
    p += 2;
    if (vlen > BL_STATUS_VALUE_MAX || len - p < vlen) {
        return BL_E_PROTO;
    }
    value = buf + p;
    p += vlen;
    if (key_ok((const char *) key, klen) == false || value_ok(value, vlen) == false) {
        return BL_E_PROTO;
    }
    *pos = p;
    return add_n(st, (const char *) key, klen, (const char *) value, vlen) == 0 ? 0 : BL_E_PROTO;
}

int
bl_status_decode(const uint8_t *buf, size_t len, struct bl_status **out)
{
    struct bl_status *st;
    size_t pos = HDR_LEN, count;
    int rc = 0;

    *out = NULL;
    if (buf == NULL || len < HDR_LEN || len > BL_STATUS_WIRE_MAX || memcmp(buf, "BLST", 4) != 0) {
        return BL_E_PROTO;
    }
    if (get_u16(buf + 4) != BL_STATUS_VERSION) {
        return BL_E_UNSUPPORTED;
    }
    count = get_u16(buf + 6);
    if (count > BL_STATUS_ITEMS_MAX) {
        return BL_E_PROTO;
    }
    st = bl_status_new();
    for (size_t i = 0; i < count && rc == 0; i++) {
        rc = decode_item(buf, len, &pos, st);
    }
    if (rc == 0 && pos != len) {
        rc = BL_E_PROTO; /* trailing bytes */
    }
    if (rc != 0) {
        bl_status_free(st);
        return rc;
    }
    *out = st;
    return 0;
}

void
bl_status_format_keys(const struct bl_status *st, GString *out)
{
    for (guint i = 0; i < st->items->len; i++) {
        const struct bl_status_item *it = g_ptr_array_index(st->items, i);

        g_string_append_printf(out, "%s=", it->key);
        for (const char *c = it->value; *c != '\0'; c++) {
            if (*c == '\n') {
                g_string_append(out, "\\n");
            } else if (*c == '\\') {
                g_string_append(out, "\\\\");
            } else {
                g_string_append_c(out, *c);
            }
        }
        g_string_append_c(out, '\n');
    }
}
