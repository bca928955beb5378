/*
 * IPMI System Event Log (SEL): the requests the heartbeat sends to read it, the decoding of
 * the replies, and what an event means for the node's #health-bmc.
 *
 * Pure functions over byte buffers (every reply is a BMC's, so hostile: lengths are checked
 * before any field is read). The classifier maps system event records (type 0x02) to a
 * colour by event/reading type, sensor type and offset (IPMI 2.0 tables 42-1, 42-2, 42-3);
 * a deassertion clears the condition it names; everything else (OEM records, OEM event
 * types, informational offsets) is ignored.
 */
#ifndef BL_SEL_H
#define BL_SEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BL_IPMI_NETFN_STORAGE 0x0a
#define BL_IPMI_CMD_GET_SEL_INFO 0x40
#define BL_IPMI_CMD_GET_SEL_ENTRY 0x43
#define BL_IPMI_CMD_ADD_SEL_ENTRY 0x44

#define BL_SEL_RECORD_LEN 16       /* one SEL record */
#define BL_SEL_GET_ENTRY_REQ_LEN 6 /* Get SEL Entry request data */
#define BL_SEL_ID_FIRST 0x0000     /* Get SEL Entry: the first record */
#define BL_SEL_ID_LAST 0xffff      /* Get SEL Entry: the last record; as next id: no more */
#define BL_SEL_TYPE_SYSTEM 0x02    /* system event record */
#define BL_SEL_CC_NOT_PRESENT 0xcb /* completion code: no such record */

/* Get SEL Info reply. */
struct bl_sel_info {
    uint8_t version;   /* 0x51 for IPMI 1.5 / 2.0 */
    uint16_t entries;  /* records in the log */
    uint16_t free;     /* free bytes */
    uint32_t add_ts;   /* most recent addition (0xffffffff: none) */
    uint32_t erase_ts; /* most recent erase (0xffffffff: none) */
    uint8_t ops;       /* operation support bits */
};

/* One SEL record. For record types other than 0x02 only id, type and timestamp are set. */
struct bl_sel_record {
    uint16_t id;
    uint8_t type;
    uint32_t timestamp;
    uint16_t generator; /* generator ID (slave address or software ID, LUN, channel) */
    uint8_t evm_rev;
    uint8_t sensor_type;
    uint8_t sensor_number;
    uint8_t event_type; /* event/reading type code, direction bit removed */
    bool deassertion;
    uint8_t offset; /* event data 1 bits 3:0 */
    uint8_t data[3];
};

/* What one record does to the node's health. */
enum bl_sel_action {
    BL_SEL_IGNORE = 0,   /* nothing to do */
    BL_SEL_ASSERT,       /* a condition of the given colour holds */
    BL_SEL_CLEAR,        /* the condition named by the record's key is over */
    BL_SEL_CLEAR_SENSOR, /* the sensor is back to normal: all its conditions are over */
};

enum bl_sel_color {
    BL_SEL_GREEN = 0,
    BL_SEL_YELLOW,
    BL_SEL_RED,
};

struct bl_sel_verdict {
    enum bl_sel_action action;
    enum bl_sel_color color; /* for BL_SEL_ASSERT */
    uint64_t key;            /* sensor type << 16 | sensor number << 8 | offset (as PETs) */
    const char *what;        /* static description of the condition, never NULL */
};

/**
 * Decode a Get SEL Info reply (rsp[0] the completion code, as bl_ipmi replies come).
 * \param[out] out  filled on success
 * \return 0, BL_E_BMC (error completion code), BL_E_PROTO (short or wrong version),
 *         BL_E_INVALID (NULL)
 */
int bl_sel_decode_info(const uint8_t *rsp, size_t len, struct bl_sel_info *out);

/**
 * Build the data of a Get SEL Entry request for a whole record (no reservation needed).
 * \param[out] buf  caller's array of BL_SEL_GET_ENTRY_REQ_LEN bytes
 */
void bl_sel_build_get_entry(uint16_t id, uint8_t buf[BL_SEL_GET_ENTRY_REQ_LEN]);

/**
 * Decode a Get SEL Entry reply: completion code, next record id, the 16-byte record.
 * \param[out] next_id  the id to ask for next (BL_SEL_ID_LAST: none)
 * \param[out] out      the record
 * \return 0, BL_E_BMC (error completion code, *cc_out says which when not NULL),
 *         BL_E_PROTO (short reply), BL_E_INVALID (NULL)
 */
int bl_sel_decode_entry(const uint8_t *rsp, size_t len, uint16_t *next_id,
                        struct bl_sel_record *out, uint8_t *cc_out);

/**
 * Decode one 16-byte SEL record (as Get SEL Entry returns it or Add SEL Entry takes it).
 * \return 0, BL_E_PROTO when shorter than BL_SEL_RECORD_LEN, BL_E_INVALID (NULL)
 */
int bl_sel_decode_record(const uint8_t *rec, size_t len, struct bl_sel_record *out);

/**
 * What a record means for #health-bmc.
 * \param[in]  r    a decoded record
 * \param[out] out  the verdict (BL_SEL_IGNORE for anything not understood)
 */
void bl_sel_classify(const struct bl_sel_record *r, struct bl_sel_verdict *out);

/**
 * Whether a record tells of the host powering or restarting, around which a BMC sharing the
 * host's port loses its link for a few seconds (docs/bmc-health.md): power unit (0x09) power
 * off, power cycle, 240VA power down, AC lost; system boot / restart initiated (0x1D, any
 * offset); ACPI power state (0x22, any state). Assertions of sensor-specific events only.
 */
bool bl_sel_is_power(const struct bl_sel_record *r);

/** "green", "yellow", "red". */
const char *bl_sel_color_name(enum bl_sel_color c);

#endif
