#!/usr/bin/env python3
"""Seed corpus of fuzz_ipmi_lan: a BMC's answers to Get Channel Cipher Suites as the probe
(lib/bl_ipmi_probe.c) asks for them, in the target's input format (each reply a length byte
and its bytes), written to tests/fuzz/fuzz_ipmi_lan/. Usage: ipmi_lan_seeds.py [OUTDIR]"""
import os
import sys


def cks(b):
    return (-sum(b)) & 0xFF


def reply(seq, body, cc=0, netfn=0x07, cmd=0x54):
    """IPMI 1.5 session-less reply: RMCP, session header, message, two checksums."""
    head = bytes([0x81, netfn << 2])
    rest = bytes([0x20, seq << 2, cmd, cc]) + bytes(body)
    msg = head + bytes([cks(head)]) + rest + bytes([cks(rest)])
    return bytes([0x06, 0x00, 0xFF, 0x07, 0x00]) + bytes(8) + bytes([len(msg)]) + msg


def seed(*replies):
    return b"".join(bytes([len(r)]) + r for r in replies)


STD = lambda suite, *alg: [0xC0, suite] + list(alg)
OEM = lambda suite: [0xC1, suite, 0xF2, 0x1B, 0x00, 0x01, 0x41, 0x81]
# 16 record bytes, the last one starting the record the next page finishes
page1 = [1] + STD(3, 0x01, 0x41, 0x81) + STD(1, 0x01, 0x40, 0x80) + STD(2, 0x01, 0x41, 0x81) + [0xC0]
seeds = {
    # one short page with 17 and 3: the probe is done
    "one_page_17": seed(reply(1, [1] + STD(17, 0x03, 0x44, 0x81) + STD(3, 0x01, 0x41, 0x81))),
    # a full page (16 record bytes), then a short one
    "two_pages": seed(reply(1, page1), reply(2, [1, 17, 0x03, 0x44, 0x81])),
    # the BMC refuses the command
    "cc_invalid_cmd": seed(reply(1, [], cc=0xC1)),
    # a stale sequence number, then the right reply
    "wrong_seq_then_right": seed(reply(5, [1] + STD(3, 0x01)), reply(1, [1] + STD(3, 0x01))),
    # a broken second checksum, then the right reply
    "bad_checksum": seed(reply(1, [1] + STD(3, 0x01))[:-1] + b"\x00", reply(1, [1] + STD(3, 0x01))),
    # OEM records and suite numbers out of range between standard ones
    "oem_and_junk": seed(reply(1, [1] + OEM(0x80) + STD(0xFF, 0x01) + STD(8, 0x01, 0x41, 0x81)),
                         reply(2, [1])),
    # only the channel number: no suites at all
    "no_records": seed(reply(1, [1])),
}
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "fuzz_ipmi_lan")
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
