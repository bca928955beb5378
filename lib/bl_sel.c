/*
 * SEL replies and records (bl_sel.h). Multi-byte fields of SEL records are least
 * significant byte first (IPMI 2.0 section 32.1):
 *   0 record id[2]  2 record type  3 timestamp[4]  7 generator id[2]  9 EvM revision
 *  10 sensor type  11 sensor number  12 event dir (bit 7) | event/reading type
 *  13 event data 1 (offset in bits 3:0)  14 event data 2  15 event data 3
 */
#include "bl_sel.h"
#include "bl_result.h"

#include <string.h>

#define SEL_INFO_LEN 15  /* cc, version, entries[2], free[2], add[4], erase[4], ops */
#define SEL_ENTRY_LEN 19 /* cc, next id[2], record[16] */
#define SEL_VERSION 0x51

#define ET_THRESHOLD 0x01
#define ET_SPECIFIC 0x6f

/* A row of the classification: one offset of a generic event type or of a sensor type. */
struct sel_row {
    uint8_t code; /* generic event/reading type, or sensor type for ET_SPECIFIC */
    uint8_t offset;
    enum bl_sel_action action;
    enum bl_sel_color color;
    const char *what;
};

#define Y BL_SEL_ASSERT, BL_SEL_YELLOW
#define R BL_SEL_ASSERT, BL_SEL_RED
#define OK BL_SEL_CLEAR_SENSOR, BL_SEL_GREEN

/* Generic discrete event/reading types (table 42-2). */
static const struct sel_row sel_generic[] = {
    {0x05, 0x00, OK, "limit not exceeded"},
    {0x05, 0x01, Y, "limit exceeded"},
    {0x06, 0x01, Y, "performance lags"},
    {0x07, 0x00, OK, "severity back to OK"},
    {0x07, 0x01, Y, "non-critical from OK"},
    {0x07, 0x02, R, "critical from less severe"},
    {0x07, 0x03, R, "non-recoverable from less severe"},
    {0x07, 0x04, Y, "non-critical from more severe"},
    {0x07, 0x05, R, "critical from non-recoverable"},
    {0x07, 0x06, R, "non-recoverable"},
    {0x0b, 0x00, OK, "fully redundant"},
    {0x0b, 0x01, Y, "redundancy lost"},
    {0x0b, 0x02, Y, "redundancy degraded"},
    {0x0b, 0x03, Y, "non-redundant, sufficient resources (from redundant)"},
    {0x0b, 0x04, Y, "non-redundant, sufficient resources (from insufficient)"},
    {0x0b, 0x05, R, "non-redundant, insufficient resources"},
    {0x0b, 0x06, Y, "redundancy degraded from fully redundant"},
    {0x0b, 0x07, Y, "redundancy degraded from non-redundant"},
};

/* Sensor-specific offsets (event/reading type 0x6f, table 42-3), by sensor type. */
static const struct sel_row sel_specific[] = {
    {0x05, 0x00, Y, "chassis intrusion"},
    {0x07, 0x00, R, "processor IERR"},
    {0x07, 0x01, R, "processor thermal trip"},
    {0x07, 0x02, R, "processor FRB1/BIST failure"},
    {0x07, 0x03, R, "processor FRB2/hang in POST"},
    {0x07, 0x04, R, "processor FRB3/startup failure"},
    {0x07, 0x05, Y, "processor configuration error"},
    {0x07, 0x0a, Y, "processor throttled"},
    {0x07, 0x0b, R, "processor uncorrectable machine check"},
    {0x08, 0x01, Y, "power supply failure"},
    {0x08, 0x02, Y, "power supply predictive failure"},
    {0x08, 0x03, Y, "power supply input lost"},
    {0x08, 0x06, Y, "power supply configuration error"},
    {0x09, 0x02, R, "power unit 240VA power down"},
    {0x09, 0x04, R, "power unit AC lost"},
    {0x09, 0x05, R, "power unit soft power control failure"},
    {0x09, 0x06, R, "power unit failure"},
    {0x09, 0x07, Y, "power unit predictive failure"},
    {0x0c, 0x00, Y, "memory correctable ECC"},
    {0x0c, 0x01, R, "memory uncorrectable ECC"},
    {0x0c, 0x02, R, "memory parity error"},
    {0x0c, 0x03, Y, "memory scrub failed"},
    {0x0c, 0x04, Y, "memory device disabled"},
    {0x0c, 0x05, Y, "memory correctable ECC logging limit reached"},
    {0x0c, 0x08, Y, "memory throttled"},
    {0x0c, 0x0a, R, "memory critical overtemperature"},
    {0x0f, 0x00, Y, "system firmware error"},
    {0x13, 0x04, R, "PCI PERR"},
    {0x13, 0x05, R, "PCI SERR"},
    {0x13, 0x07, Y, "bus correctable error"},
    {0x13, 0x08, R, "bus uncorrectable error"},
    {0x13, 0x0a, R, "bus fatal error"},
    {0x20, 0x00, R, "OS critical stop during load"},
    {0x20, 0x01, R, "OS run-time critical stop"},
};

#undef Y
#undef R
#undef OK

/* Thresholds (table 42-2, type 0x01): offsets 0..5 lower, 6..11 upper, in pairs going low /
 * going high of non-critical, critical, non-recoverable. */
static const char *const sel_threshold_what[] = {
    "lower non-critical going low",    "lower non-critical going high",
    "lower critical going low",        "lower critical going high",
    "lower non-recoverable going low", "lower non-recoverable going high",
    "upper non-critical going low",    "upper non-critical going high",
    "upper critical going low",        "upper critical going high",
    "upper non-recoverable going low", "upper non-recoverable going high",
};

static uint16_t
get_le16(const uint8_t *p)
{
    return (uint16_t) (p[0] | (p[1] << 8));
}

static uint32_t
get_le32(const uint8_t *p)
{
    return (uint32_t) p[0] | ((uint32_t) p[1] << 8) | ((uint32_t) p[2] << 16) |
           ((uint32_t) p[3] << 24);
}

int
bl_sel_decode_info(const uint8_t *rsp, size_t len, struct bl_sel_info *out)
{
    if (rsp == NULL || out == NULL) {
        return BL_E_INVALID;
    }
    if (len >= 1 && rsp[0] != 0) {
        return BL_E_BMC;
    }
    if (len < SEL_INFO_LEN || rsp[1] != SEL_VERSION) {
        return BL_E_PROTO;
    }
    *out = (struct bl_sel_info){
        .version = rsp[1],
        .entries = get_le16(rsp + 2),
        .free = get_le16(rsp + 4),
        .add_ts = get_le32(rsp + 6),
        .erase_ts = get_le32(rsp + 10),
        .ops = rsp[14],
    };
    return BL_OK;
}

void
bl_sel_build_get_entry(uint16_t id, uint8_t buf[BL_SEL_GET_ENTRY_REQ_LEN])
{
    buf[0] = 0; /* reservation 0: allowed when the whole record is read */
    buf[1] = 0;
    buf[2] = (uint8_t) id;
    buf[3] = (uint8_t) (id >> 8);
    buf[4] = 0;    /* offset */
    buf[5] = 0xff; /* the whole record */
}

int
bl_sel_decode_record(const uint8_t *rec, size_t len, struct bl_sel_record *out)
{
    if (rec == NULL || out == NULL) {
        return BL_E_INVALID;
    }
    if (len < BL_SEL_RECORD_LEN) {
        return BL_E_PROTO;
    }
    memset(out, 0, sizeof(*out));
    out->id = get_le16(rec);
    out->type = rec[2];
    out->timestamp = get_le32(rec + 3);
    if (out->type != BL_SEL_TYPE_SYSTEM) {
        return BL_OK; /* OEM layouts: nothing more is ours to read */
    }
    out->generator = get_le16(rec + 7);
    out->evm_rev = rec[9];
    out->sensor_type = rec[10];
    out->sensor_number = rec[11];
    out->deassertion = (rec[12] & 0x80) != 0;
    out->event_type = rec[12] & 0x7f;
    out->offset = rec[13] & 0x0f;
    memcpy(out->data, rec + 13, sizeof(out->data));
    return BL_OK;
}

int
bl_sel_decode_entry(const uint8_t *rsp, size_t len, uint16_t *next_id, struct bl_sel_record *out,
                    uint8_t *cc_out)
{
    if (rsp == NULL || next_id == NULL || out == NULL) {
        return BL_E_INVALID;
    }
    if (len < 1) {
        return BL_E_PROTO;
    }
    if (cc_out != NULL) {
        *cc_out = rsp[0];
    }
    if (rsp[0] != 0) {
        return BL_E_BMC;
    }
    if (len < SEL_ENTRY_LEN) {
        return BL_E_PROTO;
    }
    *next_id = get_le16(rsp + 1);
    return bl_sel_decode_record(rsp + 3, len - 3, out);
}

static const struct sel_row *
sel_lookup(const struct sel_row *rows, size_t n, uint8_t code, uint8_t offset)
{
    for (size_t i = 0; i < n; i++) {
        if (rows[i].code == code && rows[i].offset == offset) {
            return &rows[i];
        }
    }
    return NULL;
}

/* The row for a threshold crossing, built on the caller's stack. */
static const struct sel_row *
sel_threshold(uint8_t offset, struct sel_row *tmp)
{
    if (offset >= sizeof(sel_threshold_what) / sizeof(sel_threshold_what[0])) {
        return NULL;
    }
    *tmp = (struct sel_row){
        .offset = offset,
        .action = BL_SEL_ASSERT,
        .color = (offset / 2) % 3 == 0 ? BL_SEL_YELLOW : BL_SEL_RED, /* NC yellow, C/NR red */
        .what = sel_threshold_what[offset],
    };
    return tmp;
}

void
bl_sel_classify(const struct bl_sel_record *r, struct bl_sel_verdict *out)
{
    const struct sel_row *row = NULL;
    struct sel_row tmp;

    *out = (struct bl_sel_verdict){.action = BL_SEL_IGNORE, .what = "not a health event"};
    if (r == NULL || r->type != BL_SEL_TYPE_SYSTEM) {
        return;
    }
    if (r->event_type == ET_THRESHOLD) {
        row = sel_threshold(r->offset, &tmp);
    } else if (r->event_type == ET_SPECIFIC) {
        row = sel_lookup(sel_specific, sizeof(sel_specific) / sizeof(sel_specific[0]),
                         r->sensor_type, r->offset);
    } else {
        row = sel_lookup(sel_generic, sizeof(sel_generic) / sizeof(sel_generic[0]), r->event_type,
                         r->offset);
    }
    if (row == NULL) {
        return; /* OEM event types (0x70-0x7f), informational or unknown offsets */
    }
    out->key = (uint64_t) r->sensor_type << 16 | (uint64_t) r->sensor_number << 8 | r->offset;
    out->what = row->what;
    if (row->action == BL_SEL_CLEAR_SENSOR) {
        /* "back to normal" states end the sensor's conditions when they are entered; their
         * own deassertion (leaving normal) is followed by the assertion of the bad state */
        out->action = r->deassertion ? BL_SEL_IGNORE : BL_SEL_CLEAR_SENSOR;
        return;
    }
    out->action = r->deassertion ? BL_SEL_CLEAR : BL_SEL_ASSERT;
    out->color = row->color;
}

bool
bl_sel_is_power(const struct bl_sel_record *r)
{
    if (r == NULL || r->type != BL_SEL_TYPE_SYSTEM || r->event_type != ET_SPECIFIC ||
        r->deassertion) {
        return false;
    }
    switch (r->sensor_type) {
        case 0x09: /* power unit: off (0), cycle (1), 240VA down (2), AC lost (4) */
            return r->offset <= 2 || r->offset == 4;
        case 0x1d: /* system boot / restart initiated: every offset is one */
        case 0x22: /* ACPI power state: entering any state */
            return true;
        default:
            return false;
    }
}

const char *
bl_sel_color_name(enum bl_sel_color c)
{
    return c == BL_SEL_RED ? "red" : c == BL_SEL_YELLOW ? "yellow" : "green";
}
