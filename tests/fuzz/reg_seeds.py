#!/usr/bin/env python3
"""Write the seed corpora of the registry's fuzz targets (fuzz_reg_wire, fuzz_reg_sm,
fuzz_reg_ipc, fuzz_reg_text).

One well-formed message of each type, in the wire format of resource/registry/reg_wire.h (big-endian,
12-byte header), and for the state machine a few message sequences that walk a sync round.
Run from anywhere; the corpora land beside this script. Re-run after a format change.
"""
import hashlib
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
HASH0 = bytes(16)


def msg(mtype, body):
    return struct.pack(">IBBHI", 0x424C5247, 1, mtype, 0, len(body)) + body


def tag(node, pid, nonce):
    return struct.pack(">IIQ", node, pid, nonce)


def op(kind, vtype, path, name, data):
    p, n = path.encode(), name.encode()
    return (struct.pack(">BBH", kind, vtype, len(p)) + p + struct.pack(">H", len(n)) + n
            + struct.pack(">I", len(data)) + data)


def ops(*items):
    return struct.pack(">H", len(items)) + b"".join(items)


def rec(req_id, body):
    return struct.pack(">QI", req_id, len(body)) + body


def state(gen, h):
    return struct.pack(">Q", gen) + h


def chain(prev, body):
    return hashlib.sha256(prev + body).digest()[:16]


W1 = ops(op(1, 1, "SOFTWARE/NEC/NVBASE", "WorkDir", b"/opt/nvbase"))
W2 = ops(op(1, 4, "SOFTWARE/NEC/NVBASE", "Port", b"\xa2\x00\x00\x00"),
         op(1, 7, "SOFTWARE/NEC/ESMSM", "Hosts", b"a\x00b\x00"),
         op(2, 0, "SOFTWARE/NEC/ESMSM", "Old", b""),
         op(3, 0, "SOFTWARE/NEC/Empty", "", b""),
         op(4, 0, "SOFTWARE/NEC/Gone", "", b""))
H1 = chain(HASH0, W1)
T = tag(1, 100, 7)
LOG = struct.pack(">I", 1) + state(1, H1) + struct.pack(">I", len(W1)) + W1

WIRE = {
    "sync_req": msg(1, T),
    "announce": msg(2, T + struct.pack(">Q", 8) + state(1, H1) + struct.pack(">IQIQ", 1, 8, 1, 1)),
    "write": msg(3, struct.pack(">H", 1) + rec(1, W1)),
    "write_multi": msg(3, struct.pack(">H", 2) + rec(2, W2) + rec(3, W1)),
    "applied": msg(4, state(1, H1)),
    "cu_begin_log": msg(5, T + struct.pack(">IQ", 1, 8) + state(1, H1)),
    "cu_data_log": msg(6, T + struct.pack(">I", 0) + LOG),
    "cu_data_snap": msg(6, T + struct.pack(">I", 0) + W2),
    "cu_end": msg(7, T + struct.pack(">I", 1) + state(1, H1)),
    "sync_done": msg(8, T + struct.pack(">I", 0) + state(1, H1)),
    "log_payload": LOG,
    "ops_payload": W2,
}


def record(sender, data):
    return struct.pack(">BH", sender, len(data)) + data


def announce(t, epoch, gen, h, flags=1):
    return msg(2, t + struct.pack(">Q", epoch) + state(gen, h) + struct.pack(">IQIQ", 1, 8, flags, 1))


# Members are (1,100) (2,200) (3,300); the machine under test is member 1 (index 1).
RT = tag(1, 100, 9)
SM = {
    "round_then_write": b"".join([
        record(0, msg(1, RT)),
        record(0, announce(RT, 8, 0, HASH0)),
        record(1, announce(RT, 8, 0, HASH0)),
        record(2, announce(RT, 8, 0, HASH0)),
        record(0, msg(8, RT + struct.pack(">I", 0) + state(0, HASH0))),
        record(1, msg(8, RT + struct.pack(">I", 0) + state(0, HASH0))),
        record(2, msg(8, RT + struct.pack(">I", 0) + state(0, HASH0))),
        record(2, WIRE["write"]),
        record(0, msg(4, state(1, H1))),
    ]),
    "catch_up_by_log": b"".join([
        record(0, msg(1, RT)),
        record(0, announce(RT, 8, 1, H1)),
        record(1, announce(RT, 4, 0, HASH0)),
        record(2, announce(RT, 8, 1, H1)),
        record(0, msg(5, RT + struct.pack(">IQ", 1, 8) + state(1, H1))),
        record(0, msg(6, RT + struct.pack(">I", 0) + LOG)),
        record(0, msg(7, RT + struct.pack(">I", 1) + state(1, H1))),
    ]),
    "catch_up_by_snapshot": b"".join([
        record(0, msg(1, RT)),
        record(0, announce(RT, 8, 5, H1)),
        record(1, announce(RT, 4, 0, HASH0, 3)),
        record(2, announce(RT, 8, 5, H1)),
        record(0, msg(5, RT + struct.pack(">IQ", 2, 8) + state(5, H1))),
        record(0, msg(6, RT + struct.pack(">I", 0) + W2.replace(b"\x02\x00", b"\x01\x01", 0))),
        record(0, msg(7, RT + struct.pack(">I", 1) + state(5, H1))),
    ]),
}


def write(corpus, seeds):
    d = os.path.join(HERE, corpus)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)




def s16(text):
    b = text.encode()
    return struct.pack(">H", len(b)) + b


def opt(text):
    return b"\x00" + s16("") if text is None else b"\x01" + s16(text)


def value(vtype, data):
    return struct.pack(">BI", vtype, len(data)) + data


# fuzz_reg_ipc: u8 decoder (0 request, 1 value, 2 item, 3 status, 4 event), u8 op, payload.
SEQ = struct.pack(">I", 7)
IPC = {
    "req_get": b"\x00\x01" + SEQ + s16("SOFTWARE/NEC/NVBASE") + s16("WorkDir"),
    "req_write": b"\x00\x02" + SEQ + struct.pack(">I", 0)
                 + ops(op(1, 1, "SOFTWARE/NEC/NVBASE", "WorkDir", b"/opt/nv")),
    "req_walk": b"\x00\x03" + SEQ + s16("SOFTWARE/NEC") + b"\x01" + opt("SOFTWARE/NEC/A")
                + opt("x") + struct.pack(">I", 262144),
    "req_status": b"\x00\x04" + SEQ,
    "req_wait": b"\x00\x05" + SEQ + struct.pack(">I", 3000),
    "req_watch": b"\x00\x06" + SEQ + s16("SOFTWARE"),
    "ans_value": b"\x01\x00" + value(1, b"/var/opt/nvbase"),
    "ans_item": b"\x02\x00" + b"\x01" + s16("SOFTWARE/NEC") + s16("Port") + value(4, b"\xa2\0\0\0"),
    "ans_status": b"\x03\x00" + struct.pack(">IBBQQ", 1, 2, 1, 8, 5) + H1
                  + struct.pack(">IQIIQQQQH", 1, 8, 3, 0, 4, 0, 1, 900, 2)
                  + struct.pack(">IIQB", 1, 100, 5, 0) + struct.pack(">IIQB", 2, 200, 5, 0),
    "ans_event": b"\x04\x00" + struct.pack(">BQ", 1, 6) + s16("SOFTWARE/NEC") + opt("Port")
                 + b"\x01" + value(4, b"\xa2\0\0\0"),
}

# fuzz_reg_text: u8 flags (bit 0: WOW64), then a .reg file.
REG_UTF8 = ("Windows Registry Editor Version 5.00\r\n\r\n"
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\NEC\\NVBASE]\r\n"
            "\"WorkDir\"=\"/var/opt/nvbase\"\r\n\"Port\"=dword:000000a2\r\n"
            "\"Hosts\"=hex(7):6d,00,67,00,72,00,31,00,00,00,00,00\r\n"
            "\"Blob\"=hex:01,ab,\\\r\n  ff\r\n@=\"default\"\r\n"
            "[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Old]\r\n")
TEXT = {
    "utf8": b"\x00" + REG_UTF8.encode(),
    "utf16": b"\x00" + b"\xff\xfe" + REG_UTF8.encode("utf-16-le"),
    "wow64": b"\x01" + REG_UTF8.replace("SOFTWARE\\NEC", "SOFTWARE\\Wow6432Node\\NEC").encode(),
}

write("fuzz_reg_wire", WIRE)
write("fuzz_reg_sm", SM)
write("fuzz_reg_ipc", IPC)
write("fuzz_reg_text", TEXT)
