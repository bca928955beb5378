#!/bin/sh
# Derive the cipher suite 17 vectors of test_ipmi_cipher.c with OpenSSL, independently of
# bmclink's code (GLib's GHmac): the message layouts below are written from the IPMI 2.0
# specification (sections 13.28-13.32), Const 1/2 being 20 bytes of 01/02 as ipmitool and
# FreeIPMI use them. Re-run and compare when in doubt:  sh gen_sha256_vectors.sh
set -eu
hmac() { # hmac HEXKEY HEXDATA -> hex
    printf '%s' "$2" | xxd -r -p | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$1" -r | cut -d' ' -f1
}
KUID=7333637265742d70770000000000000000000000 # "s3cret-pw" zero padded to 20 bytes
SIDM=0d0c0b0a                                 # console session ID 0x0a0b0c0d, little-endian
SIDC=44332211                                 # BMC session ID 0x11223344
RM=000102030405060708090a0b0c0d0e0f
RC=101112131415161718191a1b1c1d1e1f
GUID=a0a1a2a3a4a5a6a7a8a9aaabacadaeaf
ID=140561646d696e                            # role 0x14 (admin, name-only lookup), 5, "admin"
C1=0101010101010101010101010101010101010101
C2=0202020202020202020202020202020202020202
SIK=$(hmac "$KUID" "$RM$RC$ID")              # Kg = Kuid: the BMC has no key of its own
echo "rakp2 $(hmac "$KUID" "$SIDM$SIDC$RM$RC$GUID$ID")"
echo "rakp3 $(hmac "$KUID" "$RC$SIDM$ID")"
echo "sik   $SIK"
K1=$(hmac "$SIK" "$C1")
echo "k1    $K1"
echo "k2    $(hmac "$SIK" "$C2")"
echo "rakp4 $(hmac "$SIK" "$RM$SIDC$GUID" | cut -c1-32)"
# One authenticated packet from the auth type byte to the next header byte.
PKT=06c0${SIDC}01000000200000112233445566778899aabbccddeeff00112233445566778899aabbccddeeffff0207
echo "integ $(hmac "$K1" "$PKT" | cut -c1-32)"
