/*
 * IPMI Platform Event Trap (PET) v1.0 payload: decode, encode, acknowledge.
 *
 * A BMC sends a PET as an SNMPv1 trap with enterprise 1.3.6.1.4.1.3183.1.1, generic trap 6,
 * a specific trap number carrying the sensor type, event type and offset, and one OCTET
 * STRING variable binding holding the fixed-layout record decoded here. Pure functions over
 * byte buffers; nothing here touches the network.
 */
#ifndef BL_PET_H
#define BL_PET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fixed part of the PET record; OEM custom fields (at least the 0xC1 terminator) follow. */
#define BL_PET_FIXED_LEN 46
/* Largest record we accept: fixed part plus OEM custom fields. */
#define BL_PET_MAX_LEN 256
/* IPMI PET Acknowledge (NetFn 0x04, Cmd 0x17) request data length. */
#define BL_PET_ACK_LEN 12
/* Seconds between 1970-01-01 and 1998-01-01, the epoch of the PET local timestamp. */
#define BL_PET_EPOCH_OFFSET 883612800u

/* Event severity (PET 1.0 table "Event Severity"); a bit mask on the wire. */
enum bl_pet_severity {
    BL_PET_SEV_UNSPECIFIED = 0x00,
    BL_PET_SEV_MONITOR = 0x01,
    BL_PET_SEV_INFORMATION = 0x02,
    BL_PET_SEV_OK = 0x04,
    BL_PET_SEV_NON_CRITICAL = 0x08,
    BL_PET_SEV_CRITICAL = 0x10,
    BL_PET_SEV_NON_RECOVERABLE = 0x20,
};

struct bl_pet_event {
    uint8_t guid[16];
    uint16_t sequence;   /* sequence number / cookie */
    uint32_t timestamp;  /* BMC local time, seconds since 1998-01-01; 0 = unspecified */
    uint16_t utc_offset; /* minutes, two's complement; 0xFFFF = unspecified */
    uint8_t trap_source_type;
    uint8_t event_source_type;
    uint8_t severity; /* enum bl_pet_severity */
    uint8_t sensor_device;
    uint8_t sensor_number;
    uint8_t entity;
    uint8_t entity_instance;
    uint8_t event_data[8];
    uint8_t language;
    uint32_t manufacturer_id;
    uint16_t system_id;
    /* From the specific trap number. */
    uint8_t sensor_type;
    uint8_t event_type;
    uint8_t event_offset; /* 0..15 */
    bool deassertion;
};

/**
 * Decode a PET record.
 * \param[in]  data      the OCTET STRING value; may be NULL only when len is 0
 * \param[in]  len       its length in bytes
 * \param[in]  specific  the v1 specific-trap number (sensor type, event type, offset)
 * \param[out] out       filled on success; untouched on error
 * \return 0, BL_E_PROTO when too short or too long, BL_E_INVALID on NULL arguments
 */
int bl_pet_decode(const uint8_t *data, size_t len, uint32_t specific, struct bl_pet_event *out);

/**
 * Encode a PET record (fixed part plus the 0xC1 "no OEM fields" byte) and its specific trap.
 * Used by the simulated BMC, the benchmark blaster and the tests.
 * \param[in]  ev        the event
 * \param[out] buf       caller's buffer, at least BL_PET_FIXED_LEN + 1 bytes
 * \param[in]  buflen    its size
 * \param[out] outlen    bytes written
 * \param[out] specific  the specific-trap number; may be NULL
 * \return 0 or -ENOSPC, BL_E_INVALID
 */
int bl_pet_encode(const struct bl_pet_event *ev, uint8_t *buf, size_t buflen, size_t *outlen,
                  uint32_t *specific);

/**
 * Build the request data of an IPMI PET Acknowledge (NetFn 0x04, Cmd 0x17) for an event.
 * \param[in]  ev   a decoded event
 * \param[out] ack  caller's array of BL_PET_ACK_LEN bytes
 */
void bl_pet_ack_build(const struct bl_pet_event *ev, uint8_t ack[BL_PET_ACK_LEN]);

/**
 * Check that PET Acknowledge request data names this event (sequence, timestamp, source,
 * sensor, event data 1..3), as a BMC does before it stops resending the trap.
 * \return true when it matches
 */
bool bl_pet_ack_matches(const struct bl_pet_event *ev, const uint8_t *ack, size_t len);

/**
 * Name of the most severe bit set in a severity byte.
 * \return a static string, never NULL
 */
const char *bl_pet_severity_name(uint8_t severity);

/**
 * Parse a severity name ("non-recoverable", "critical", "non-critical", "ok", "information",
 * "monitor") as used in the configuration file.
 * \param[in]  name  NUL-terminated name, case-insensitive
 * \param[out] out   the severity bit
 * \return 0 or BL_E_INVALID
 */
int bl_pet_severity_parse(const char *name, uint8_t *out);

/**
 * The highest severity bit set (0 when none): BMCs may set several bits.
 */
uint8_t bl_pet_severity_top(uint8_t severity);

/**
 * Format the GUID as 32 lowercase hex digits.
 * \param[out] buf  caller's buffer of at least 33 bytes
 */
void bl_pet_guid_format(const uint8_t guid[16], char buf[33]);

#endif
