/*
 * PET 1.0 record layout (all multi-byte fields most significant byte first):
 *   0 GUID[16]  16 sequence[2]  18 local timestamp[4]  22 UTC offset[2]
 *  24 trap source type  25 event source type  26 severity  27 sensor device
 *  28 sensor number  29 entity  30 entity instance  31 event data[8]  39 language
 *  40 manufacturer id[4]  44 system id[2]  46 OEM custom fields (0xC1 when none)
 */
#include "bl_pet.h"
#include "bl_result.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct {
    uint8_t bit;
    const char *name;
} bl_pet_severities[] = {
    {BL_PET_SEV_NON_RECOVERABLE, "non-recoverable"}, {BL_PET_SEV_CRITICAL, "critical"},
    {BL_PET_SEV_NON_CRITICAL, "non-critical"},       {BL_PET_SEV_OK, "ok"},
    {BL_PET_SEV_INFORMATION, "information"},         {BL_PET_SEV_MONITOR, "monitor"},
};

#define BL_PET_NSEV (sizeof(bl_pet_severities) / sizeof(bl_pet_severities[0]))

static uint16_t
get_be16(const uint8_t *p)
{
    return (uint16_t) ((p[0] << 8) | p[1]);
}

static uint32_t
get_be32(const uint8_t *p)
{
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

static void
put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t) (v >> 8);
    p[1] = (uint8_t) v;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) (v >> 24);
    p[1] = (uint8_t) (v >> 16);
    p[2] = (uint8_t) (v >> 8);
    p[3] = (uint8_t) v;
}

int
bl_pet_decode(const uint8_t *data, size_t len, uint32_t specific, struct bl_pet_event *out)
{
    struct bl_pet_event ev;

    if (out == NULL || (data == NULL && len != 0)) {
        return BL_E_INVALID;
    }
    if (len < BL_PET_FIXED_LEN || len > BL_PET_MAX_LEN) {
        return BL_E_PROTO;
    }
    memset(&ev, 0, sizeof(ev));
    memcpy(ev.guid, data, sizeof(ev.guid));
    ev.sequence = get_be16(data + 16);
    ev.timestamp = get_be32(data + 18);
    ev.utc_offset = get_be16(data + 22);
    ev.trap_source_type = data[24];
    ev.event_source_type = data[25];
    ev.severity = data[26];
    ev.sensor_device = data[27];
    ev.sensor_number = data[28];
    ev.entity = data[29];
    ev.entity_instance = data[30];
    memcpy(ev.event_data, data + 31, sizeof(ev.event_data));
    ev.language = data[39];
    ev.manufacturer_id = get_be32(data + 40);
    ev.system_id = get_be16(data + 44);
    ev.sensor_type = (uint8_t) (specific >> 16);
    ev.event_type = (uint8_t) (specific >> 8);
    ev.deassertion = (specific & 0x80u) != 0;
    ev.event_offset = (uint8_t) (specific & 0x0fu);
    *out = ev;
    return BL_OK;
}

int
bl_pet_encode(const struct bl_pet_event *ev, uint8_t *buf, size_t buflen, size_t *outlen,
              uint32_t *specific)
{
    if (ev == NULL || buf == NULL || outlen == NULL) {
        return BL_E_INVALID;
    }
    if (buflen < BL_PET_FIXED_LEN + 1) {
        return -ENOSPC;
    }
    memcpy(buf, ev->guid, sizeof(ev->guid));
    put_be16(buf + 16, ev->sequence);
    put_be32(buf + 18, ev->timestamp);
    put_be16(buf + 22, ev->utc_offset);
    buf[24] = ev->trap_source_type;
    buf[25] = ev->event_source_type;
    buf[26] = ev->severity;
    buf[27] = ev->sensor_device;
    buf[28] = ev->sensor_number;
    buf[29] = ev->entity;
    buf[30] = ev->entity_instance;
    memcpy(buf + 31, ev->event_data, sizeof(ev->event_data));
    buf[39] = ev->language;
    put_be32(buf + 40, ev->manufacturer_id);
    put_be16(buf + 44, ev->system_id);
    buf[46] = 0xC1; /* no OEM custom fields */
    *outlen = BL_PET_FIXED_LEN + 1;
    if (specific != NULL) {
        *specific = ((uint32_t) ev->sensor_type << 16) | ((uint32_t) ev->event_type << 8) |
                    (ev->deassertion ? 0x80u : 0u) | (ev->event_offset & 0x0fu);
    }
    return BL_OK;
}

void
bl_pet_ack_build(const struct bl_pet_event *ev, uint8_t ack[BL_PET_ACK_LEN])
{
    /* The acknowledge carries its fields least significant byte first (IPMI convention). */
    ack[0] = (uint8_t) ev->sequence;
    ack[1] = (uint8_t) (ev->sequence >> 8);
    ack[2] = (uint8_t) ev->timestamp;
    ack[3] = (uint8_t) (ev->timestamp >> 8);
    ack[4] = (uint8_t) (ev->timestamp >> 16);
    ack[5] = (uint8_t) (ev->timestamp >> 24);
    ack[6] = ev->event_source_type;
    ack[7] = ev->sensor_device;
    ack[8] = ev->sensor_number;
    memcpy(ack + 9, ev->event_data, 3);
}

bool
bl_pet_ack_matches(const struct bl_pet_event *ev, const uint8_t *ack, size_t len)
{
    uint8_t want[BL_PET_ACK_LEN];

    if (ev == NULL || ack == NULL || len < BL_PET_ACK_LEN) {
        return false;
    }
    bl_pet_ack_build(ev, want);
    return memcmp(want, ack, BL_PET_ACK_LEN) == 0;
}

uint8_t
bl_pet_severity_top(uint8_t severity)
{
    for (size_t i = 0; i < BL_PET_NSEV; i++) {
        if ((severity & bl_pet_severities[i].bit) != 0) {
            return bl_pet_severities[i].bit;
        }
    }
    return 0;
}

const char *
bl_pet_severity_name(uint8_t severity)
{
    uint8_t top = bl_pet_severity_top(severity);

    for (size_t i = 0; i < BL_PET_NSEV; i++) {
        if (bl_pet_severities[i].bit == top) {
            return bl_pet_severities[i].name;
        }
    }
    return "unspecified";
}

int
bl_pet_severity_parse(const char *name, uint8_t *out)
{
    if (name == NULL || out == NULL) {
        return BL_E_INVALID;
    }
    for (size_t i = 0; i < BL_PET_NSEV; i++) {
        if (strcasecmp(name, bl_pet_severities[i].name) == 0) {
            *out = bl_pet_severities[i].bit;
            return BL_OK;
        }
    }
    return BL_E_INVALID;
}

void
bl_pet_guid_format(const uint8_t guid[16], char buf[33])
{
    static const char hex[] = "0123456789abcdef";

    for (size_t i = 0; i < 16; i++) {
        buf[2 * i] = hex[guid[i] >> 4];
        buf[2 * i + 1] = hex[guid[i] & 0x0f];
    }
    buf[32] = '\0';
}
