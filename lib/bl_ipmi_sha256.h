/*
 * RMCP+ cipher suite 17 arithmetic: RAKP-HMAC-SHA256 (authentication algorithm 3) and
 * HMAC-SHA256-128 (integrity algorithm 4), IPMI 2.0 sections 13.28 to 13.32 with the
 * SHA-256 algorithms of the errata. Pure functions over caller buffers (GLib's GHmac), no
 * I/O, so the client glue (bl_ipmi_rakp256.c), the test BMC and the unit tests share one
 * definition of every key and check value.
 *
 * Sizes: user keys Kuid and Kg are the 20-byte zero-padded password / BMC key fields; SIK,
 * K1, K2 and the RAKP 2/3 codes are full 32-byte HMAC-SHA256 values; the RAKP 4 check
 * value and the per-packet integrity code are their first 16 bytes. K1 and K2 are the HMAC
 * of 20 bytes of 0x01 / 0x02 (the spec's Const 1 / Const 2), keyed with the SIK.
 * Session IDs enter the HMACs in wire order (little-endian).
 */
#ifndef BL_IPMI_SHA256_H
#define BL_IPMI_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BL_SHA256_LEN 32     /* HMAC-SHA256 output, SIK, K1, K2, RAKP 2/3 codes */
#define BL_SHA256_ICV_LEN 16 /* RAKP 4 check value and per-packet AuthCode */
#define BL_RAKP_KEY_LEN 20   /* Kuid / Kg as fed to the HMAC */
#define BL_RAKP_RAND_LEN 16
#define BL_RAKP_GUID_LEN 16
#define BL_RAKP_USER_MAX 16

/* Everything RAKP 1 and 2 exchanged; "console" is the client (m), "bmc" the BMC (c). */
struct bl_rakp_ctx {
    uint32_t sid_console;                   /* SIDm: the session ID the client chose */
    uint32_t sid_bmc;                       /* SIDc: the session ID the BMC chose */
    uint8_t rand_console[BL_RAKP_RAND_LEN]; /* Rm */
    uint8_t rand_bmc[BL_RAKP_RAND_LEN];     /* Rc */
    uint8_t guid[BL_RAKP_GUID_LEN];         /* GUIDc */
    uint8_t role;                           /* ROLEm byte exactly as sent in RAKP 1 */
    uint8_t user_len;                       /* 0..16 */
    uint8_t user[BL_RAKP_USER_MAX];
};

/**
 * HMAC-SHA256.
 * \param[in]  key, klen   key (borrowed)
 * \param[in]  data, len   message (may be NULL when len is 0)
 * \param[out] out         BL_SHA256_LEN bytes
 */
void bl_hmac_sha256(const uint8_t *key, size_t klen, const uint8_t *data, size_t len,
                    uint8_t out[BL_SHA256_LEN]);

/**
 * RAKP 2 key exchange authentication code, the BMC's proof that it knows Kuid:
 * HMAC(Kuid, SIDm | SIDc | Rm | Rc | GUIDc | ROLEm | ULENGTHm | UNAMEm).
 * \return 0, or BL_E_INVALID for a user name longer than 16 bytes
 */
int bl_rakp_sha256_rakp2(const uint8_t kuid[BL_RAKP_KEY_LEN], const struct bl_rakp_ctx *r,
                         uint8_t out[BL_SHA256_LEN]);

/**
 * RAKP 3 code, the client's proof: HMAC(Kuid, Rc | SIDm | ROLEm | ULENGTHm | UNAMEm).
 * \return 0 or BL_E_INVALID
 */
int bl_rakp_sha256_rakp3(const uint8_t kuid[BL_RAKP_KEY_LEN], const struct bl_rakp_ctx *r,
                         uint8_t out[BL_SHA256_LEN]);

/**
 * Session integrity key: HMAC(Kg, Rm | Rc | ROLEm | ULENGTHm | UNAMEm), Kg being the
 * password key when the BMC has no separate key.
 * \return 0 or BL_E_INVALID
 */
int bl_rakp_sha256_sik(const uint8_t kg[BL_RAKP_KEY_LEN], const struct bl_rakp_ctx *r,
                       uint8_t out[BL_SHA256_LEN]);

/**
 * RAKP 4 integrity check value: the first 16 bytes of HMAC(SIK, Rm | SIDc | GUIDc).
 */
void bl_rakp_sha256_rakp4(const uint8_t sik[BL_SHA256_LEN], const struct bl_rakp_ctx *r,
                          uint8_t out[BL_SHA256_ICV_LEN]);

/**
 * Additional key material: K1 (\p constant 1, integrity) or K2 (2, AES key: its first 16
 * bytes), HMAC(SIK, 20 bytes of \p constant).
 */
void bl_rakp_sha256_k(const uint8_t sik[BL_SHA256_LEN], uint8_t constant,
                      uint8_t out[BL_SHA256_LEN]);

/**
 * HMAC-SHA256-128 AuthCode of one packet: the first 16 bytes of HMAC(K1, data), \p data
 * running from the session header's auth type byte to the Next Header byte.
 */
void bl_integ_sha256_128(const uint8_t k1[BL_SHA256_LEN], const uint8_t *data, size_t len,
                         uint8_t out[BL_SHA256_ICV_LEN]);

/** Compare \p n bytes in time independent of where they differ. */
bool bl_ct_equal(const uint8_t *a, const uint8_t *b, size_t n);

#endif
