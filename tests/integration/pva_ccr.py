#!/usr/bin/env python3
"""pva_ccr.py - a small PVAccess client for the integration tests.

Standard library only.  It speaks plain-TCP PVAccess to a pvacms front
(reference/pvaccess.md §3, §4, §6, §7) the way PVXS clients do:

  * handshake: read SetEndian and CONNECTION_VALIDATION, answer
    "anonymous", read CONNECTION_VALIDATED;
  * CREATE_CHANNEL for one PV name;
  * create:   RPC INIT (pvRequest field()), RPC EXEC with a certificate
              creation request as PVXS's authnstd builds it (an NTURI
              whose `query` holds the CCR), then DESTROY_REQUEST;
  * get:      GET INIT + EXEC, the masked value decoded;
  * info:     GET_FIELD, the type printed;
  * raw-exec: RPC INIT, then EXEC with arbitrary bytes (hex) as the body.

It prints one line of JSON on stdout:
  {"status": "ok"|"error", "stage": ..., "message": ..., "fields": {...}}
where "stage" says which step gave the status (channel, init, exec) and
"fields" holds the reply's value decoded by field name (nested
structures as objects).

Exit status: 0 when the exchange completed, whatever the status says; 2
on a connection or protocol failure (one line on stderr); 64 on a usage
error.  Every socket read is bounded by --timeout (default 10 s).

Request shaping (create): --omit FIELD drops a query field, --field-type
FIELD=TYPE changes a field's type (int8..uint64, string, bool, float64,
struct, string[]), --huge FIELD=NBYTES makes a field NBYTES long,
--set FIELD=VALUE sets any query field's value, --no-nturi sends the
bare CCR structure instead of the NTURI, --truncate N cuts N bytes off
the end of the EXEC body, --dump-exec FILE writes the EXEC body as hex
(--dump-only: and sends nothing).
--big-endian sends every client message big-endian.
"""

import argparse
import json
import socket
import struct
import sys

# ------------------------------------------------------------ constants

MAGIC = 0xCA
VERSION = 2
F_CONTROL = 0x01
F_SEGMASK = 0x30
F_SERVER = 0x40
F_BE = 0x80

CMD_VALIDATION = 0x01
CMD_ECHO = 0x02
CMD_CREATE_CHANNEL = 0x07
CMD_DESTROY_CHANNEL = 0x08
CMD_VALIDATED = 0x09
CMD_GET = 0x0A
CMD_DESTROY_REQUEST = 0x0F
CMD_GET_FIELD = 0x11
CMD_MESSAGE = 0x12
CMD_RPC = 0x14

SUB_INIT = 0x08

# type codes (§4.2)
T_BOOL = 0x00
T_INT8, T_INT16, T_INT32, T_INT64 = 0x20, 0x21, 0x22, 0x23
T_UINT8, T_UINT16, T_UINT32, T_UINT64 = 0x24, 0x25, 0x26, 0x27
T_FLOAT32, T_FLOAT64 = 0x42, 0x43
T_STRING = 0x60
T_STRUCT = 0x80
T_UNION = 0x81
T_ANY = 0x82
T_ARRAY = 0x08
T_NULL = 0xFF

INT_FMT = {
    T_INT8: "b", T_INT16: "h", T_INT32: "i", T_INT64: "q",
    T_UINT8: "B", T_UINT16: "H", T_UINT32: "I", T_UINT64: "Q",
    T_FLOAT32: "f", T_FLOAT64: "d",
}

TYPE_NAMES = {
    "bool": T_BOOL,
    "int8": T_INT8, "int16": T_INT16, "int32": T_INT32, "int64": T_INT64,
    "uint8": T_UINT8, "uint16": T_UINT16, "uint32": T_UINT32,
    "uint64": T_UINT64, "float32": T_FLOAT32, "float64": T_FLOAT64,
    "string": T_STRING, "struct": T_STRUCT, "string[]": T_STRING | T_ARRAY,
}


class ProtocolError(Exception):
    """The server broke the protocol, closed, or did not answer."""


# ------------------------------------------------------------ types
#
# A type node is one of:
#   ("scalar", code)                 bool, ints, floats, string
#   ("array", code)                  an array of scalars (code with 0x08)
#   ("struct", id, [(name, node)])   also "union"
#   ("structarray", node) / ("unionarray", node)
#   ("any",) / ("anyarray",)
#   None                             the null type (FF)


def S(code):
    return ("scalar", code)


def STRUCT(tid, fields):
    return ("struct", tid, list(fields))


# ------------------------------------------------------------ encoder

class Enc:
    def __init__(self, be=False):
        self.be = be
        self.b = bytearray()

    def _p(self, fmt, v):
        self.b += struct.pack((">" if self.be else "<") + fmt, v)

    def u8(self, v):
        self.b.append(v & 0xFF)

    def u16(self, v):
        self._p("H", v)

    def u32(self, v):
        self._p("I", v)

    def raw(self, data):
        self.b += data

    def size(self, n):
        if n < 254:
            self.u8(n)
        else:
            self.u8(0xFE)
            self.u32(n)

    def string(self, s):
        if isinstance(s, str):
            s = s.encode("utf-8")
        self.size(len(s))
        self.b += s

    def type(self, node):
        if node is None:
            self.u8(T_NULL)
            return
        kind = node[0]
        if kind == "scalar" or kind == "array":
            self.u8(node[1])
        elif kind in ("struct", "union"):
            self.u8(T_STRUCT if kind == "struct" else T_UNION)
            self.string(node[1])
            self.size(len(node[2]))
            for name, sub in node[2]:
                self.string(name)
                self.type(sub)
        elif kind in ("structarray", "unionarray"):
            self.u8(0x88 if kind == "structarray" else 0x89)
            self.type(node[1])
        else:
            raise ValueError("cannot encode type %r" % (node,))

    def value(self, node, v):
        """v: python value; struct values are dicts by name (missing
        members take a default)."""
        if node is None:
            return
        kind = node[0]
        if kind == "scalar":
            code = node[1]
            if code == T_STRING:
                self.string(v if v is not None else "")
            elif code == T_BOOL:
                self.u8(1 if v else 0)
            else:
                self._p(INT_FMT[code], v if v is not None else 0)
        elif kind == "array":
            code = node[1] & ~T_ARRAY
            v = v or []
            self.size(len(v))
            for e in v:
                self.value(S(code), e)
        elif kind == "struct":
            v = v or {}
            for name, sub in node[2]:
                self.value(sub, v.get(name))
        else:
            raise ValueError("cannot encode a value of %r" % (node,))


def pv_request():
    """The pvRequest PVXS sends: struct { struct {} field } (§4.6)."""
    return STRUCT("", [("field", STRUCT("", []))])


# ------------------------------------------------------------ decoder

class Dec:
    def __init__(self, data, be):
        self.d = bytes(data)
        self.o = 0
        self.be = be
        self.cache = {}

    def left(self):
        return len(self.d) - self.o

    def take(self, n):
        if n < 0 or self.o + n > len(self.d):
            raise ProtocolError("reply truncated (want %d bytes at offset "
                                "%d of %d)" % (n, self.o, len(self.d)))
        r = self.d[self.o:self.o + n]
        self.o += n
        return r

    def _u(self, fmt):
        fmt = (">" if self.be else "<") + fmt
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def u8(self):
        return self.take(1)[0]

    def u16(self):
        return self._u("H")

    def u32(self):
        return self._u("I")

    def size(self, allow_null=False):
        b = self.u8()
        if b == 0xFF:
            if allow_null:
                return -1
            raise ProtocolError("unexpected null size at offset %d" %
                                (self.o - 1))
        if b == 0xFE:
            return self.u32()
        return b

    def string(self):
        n = self.size(allow_null=True)
        if n < 0:
            return ""
        return self.take(n).decode("utf-8", "replace")

    def status(self):
        """(code, message): code 0 ok, 1 warning, 2 error, 3 fatal."""
        c = self.u8()
        if c == 0xFF:
            return 0, ""
        msg = self.string()
        self.string()           # call stack
        return c, msg

    def type(self, depth=0):
        if depth > 20:
            raise ProtocolError("type nested deeper than 20")
        code = self.u8()
        if code == 0xFF:
            return None
        if code == 0xFD:
            key = self.u16()
            t = self.type(depth)
            self.cache[key] = t
            return t
        if code == 0xFE:
            key = self.u16()
            if key not in self.cache:
                raise ProtocolError("unknown cached type %d" % key)
            return self.cache[key]
        if code in (T_STRUCT, T_UNION):
            tid = self.string()
            n = self.size()
            fields = []
            for _ in range(n):
                name = self.string()
                fields.append((name, self.type(depth + 1)))
            return ("struct" if code == T_STRUCT else "union", tid, fields)
        if code in (0x88, 0x89):
            return ("structarray" if code == 0x88 else "unionarray",
                    self.type(depth + 1))
        if code == T_ANY:
            return ("any",)
        if code == 0x8A:
            return ("anyarray",)
        base = code & ~T_ARRAY
        if base in INT_FMT or base in (T_BOOL, T_STRING):
            return ("array", code) if code & T_ARRAY else S(code)
        raise ProtocolError("unknown type code 0x%02x" % code)

    def value(self, node):
        if node is None:
            return None
        kind = node[0]
        if kind == "scalar":
            code = node[1]
            if code == T_STRING:
                return self.string()
            if code == T_BOOL:
                return self.u8() != 0
            return self._u(INT_FMT[code])
        if kind == "array":
            n = self.size()
            return [self.value(S(node[1] & ~T_ARRAY)) for _ in range(n)]
        if kind == "struct":
            return {name: self.value(sub) for name, sub in node[2]}
        if kind == "union":
            sel = self.size(allow_null=True)
            if sel < 0:
                return None
            if sel >= len(node[2]):
                raise ProtocolError("union selector %d out of range" % sel)
            name, sub = node[2][sel]
            return {name: self.value(sub)}
        if kind == "any":
            t = self.type()
            return self.value(t)
        if kind in ("structarray", "unionarray", "anyarray"):
            n = self.size()
            out = []
            for _ in range(n):
                if self.u8() == 0:
                    out.append(None)
                    continue
                out.append(self.value(node[1]) if kind != "anyarray"
                           else self.value(("any",)))
            return out
        raise ProtocolError("cannot decode %r" % (node,))

    def bitset(self):
        n = self.size()
        raw = self.take(n)
        bits = set()
        if self.be:
            # whole 8-byte words are big-endian u64, the tail LSB first
            words = n // 8
            for w in range(words):
                v = struct.unpack(">Q", raw[w * 8:w * 8 + 8])[0]
                for i in range(64):
                    if v >> i & 1:
                        bits.add(w * 64 + i)
            for j, byte in enumerate(raw[words * 8:]):
                for i in range(8):
                    if byte >> i & 1:
                        bits.add(words * 64 + j * 8 + i)
        else:
            for j, byte in enumerate(raw):
                for i in range(8):
                    if byte >> i & 1:
                        bits.add(j * 8 + i)
        return bits

    def masked(self, node):
        """A masked value (§4.5): the fields whose bit is set."""
        bits = self.bitset()
        counter = [0]
        return self._masked(node, bits, counter)

    def _masked(self, node, bits, counter):
        mine = counter[0]
        counter[0] += 1
        if node is not None and node[0] == "struct":
            if mine in bits:
                counter[0] += _count_nodes(node) - 1
                return self.value(node)
            out = {}
            for name, sub in node[2]:
                v = self._masked(sub, bits, counter)
                if v is not _ABSENT:
                    out[name] = v
            return out if out or mine == 0 else _ABSENT
        if mine in bits:
            return self.value(node)
        return _ABSENT


_ABSENT = object()


def _count_nodes(node):
    if node is not None and node[0] == "struct":
        return 1 + sum(_count_nodes(sub) for _, sub in node[2])
    return 1


def type_text(node, indent=0):
    """The type as lines of text, pvxinfo style (for `info`)."""
    pad = "    " * indent
    if node is None:
        return [pad + "(null)"]
    kind = node[0]
    if kind in ("struct", "union"):
        lines = [pad + kind + (' "%s"' % node[1] if node[1] else "")]
        for name, sub in node[2]:
            sublines = type_text(sub, indent + 1)
            sublines[0] += " " + name
            lines += sublines
        return lines
    names = {v: k for k, v in TYPE_NAMES.items() if k not in ("struct",)}
    if kind in ("scalar", "array"):
        return [pad + names.get(node[1], "0x%02x" % node[1])]
    return [pad + kind]


# ------------------------------------------------------------ connection

class Conn:
    def __init__(self, host, port, timeout, be=False):
        self.timeout = timeout
        self.be = be
        try:
            self.s = socket.create_connection((host, port), timeout=timeout)
        except OSError as e:
            raise ProtocolError("cannot connect to %s:%d: %s" %
                                (host, port, e))
        self.s.settimeout(timeout)
        self.server_be = False

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass

    def _recv_exact(self, n):
        buf = bytearray()
        while len(buf) < n:
            try:
                chunk = self.s.recv(n - len(buf))
            except socket.timeout:
                raise ProtocolError("no answer within %g s" % self.timeout)
            except (ConnectionResetError, BrokenPipeError):
                raise ProtocolError("connection closed by the server "
                                    "(reset)")
            except OSError as e:
                raise ProtocolError("connection failed: %s" % e)
            if not chunk:
                raise ProtocolError("connection closed by the server")
            buf += chunk
        return bytes(buf)

    def read_message(self):
        """(command, flags, payload, big_endian) of the next whole
        message; control messages come back with payload None."""
        payload = bytearray()
        first_cmd = None
        while True:
            h = self._recv_exact(8)
            if h[0] != MAGIC:
                raise ProtocolError("bad magic 0x%02x" % h[0])
            flags, cmd = h[2], h[3]
            if not flags & F_SERVER:
                raise ProtocolError("message without the server flag")
            be = bool(flags & F_BE)
            n = struct.unpack(">I" if be else "<I", h[4:8])[0]
            if flags & F_CONTROL:
                return cmd, flags, None, be
            if n > 64 * 1024 * 1024:
                raise ProtocolError("message of %d bytes" % n)
            body = self._recv_exact(n)
            seg = flags & F_SEGMASK
            if seg == 0x00:
                if first_cmd is not None:
                    raise ProtocolError("unsegmented inside a segmented "
                                        "message")
                return cmd, flags, body, be
            if seg == 0x10:
                if first_cmd is not None:
                    raise ProtocolError("a second first segment")
                first_cmd = cmd
                payload += body
                continue
            if first_cmd is None:
                raise ProtocolError("segment out of order")
            payload += body
            if seg == 0x20:
                return first_cmd, flags, bytes(payload), be

    def send(self, cmd, payload):
        flags = F_BE if self.be else 0
        hdr = struct.pack((">" if self.be else "<") + "BBBBI", MAGIC,
                          VERSION, flags, cmd, len(payload))
        try:
            self.s.sendall(hdr + bytes(payload))
        except (ConnectionResetError, BrokenPipeError):
            raise ProtocolError("connection closed by the server (reset "
                                "while sending)")
        except OSError as e:
            raise ProtocolError("cannot send: %s" % e)

    def enc(self):
        return Enc(self.be)

    def expect(self, cmd, ioid=None):
        """The next message with command cmd (and, when given, whose
        body starts with ioid); ECHO and MESSAGE are skipped."""
        while True:
            c, flags, body, be = self.read_message()
            if body is None:
                if c == 2:
                    self.server_be = be
                continue
            if c == cmd:
                d = Dec(body, be)
                if ioid is not None:
                    got = d.u32()
                    if got != ioid:
                        continue
                return d
            if c in (CMD_ECHO, CMD_MESSAGE):
                continue
            if c == CMD_DESTROY_CHANNEL:
                raise ProtocolError("the server destroyed the channel")
            # anything else is unexpected but harmless: skip it

    # -------------------------------------------------- steps

    def handshake(self):
        d = self.expect(CMD_VALIDATION)
        d.u32()
        d.u16()
        n = d.size()
        methods = [d.string() for _ in range(n)]
        e = self.enc()
        e.u32(0x10000)
        e.u16(0x7FFF)
        e.u16(0)
        e.string("anonymous")
        e.u8(T_NULL)
        self.send(CMD_VALIDATION, e.b)
        d = self.expect(CMD_VALIDATED)
        code, msg = d.status()
        if code > 1:
            raise ProtocolError("validation refused: %s" % msg)
        return methods

    def create_channel(self, name, cid=0x12345678):
        """(sid, None) or (None, message) when refused."""
        e = self.enc()
        e.u16(1)
        e.u32(cid)
        e.string(name)
        self.send(CMD_CREATE_CHANNEL, e.b)
        d = self.expect(CMD_CREATE_CHANNEL, cid)
        sid = d.u32()
        code, msg = d.status()
        if code > 1:
            return None, msg or "channel refused"
        return sid, None

    def op(self, cmd, sid, ioid, sub, body=b""):
        e = self.enc()
        e.u32(sid)
        e.u32(ioid)
        e.u8(sub)
        e.raw(body)
        self.send(cmd, e.b)

    def reply(self, cmd, ioid, sub):
        d = self.expect(cmd, ioid)
        got = d.u8()
        if got != sub:
            raise ProtocolError("reply sub-command 0x%02x, want 0x%02x" %
                                (got, sub))
        return d

    def destroy_request(self, sid, ioid):
        e = self.enc()
        e.u32(sid)
        e.u32(ioid)
        self.send(CMD_DESTROY_REQUEST, e.b)


def pvrequest_bytes(be):
    e = Enc(be)
    t = pv_request()
    e.type(t)
    e.value(t, {})
    return bytes(e.b)


# ------------------------------------------------------------ requests

CCR_FIELDS = [
    ("type", T_STRING), ("name", T_STRING), ("country", T_STRING),
    ("organization", T_STRING), ("organization_unit", T_STRING),
    ("usage", T_UINT16), ("not_before", T_UINT64), ("not_after", T_UINT64),
    ("pub_key", T_STRING), ("config_uri_base", T_STRING),
    ("no_status", T_BOOL), ("verifier", T_STRUCT),
]


def _convert(value, code):
    """value in the kind of `code` (for --field-type)."""
    if code == T_STRING:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dict):
            return value.get("token", "")
        return "" if value is None else str(value)
    if code == T_BOOL:
        if isinstance(value, str):
            return value.lower() in ("1", "true", "yes")
        return bool(value)
    if code == T_STRING | T_ARRAY:
        return [] if value in (None, "") else [str(value)]
    if code in (T_FLOAT32, T_FLOAT64):
        try:
            return float(value)
        except (TypeError, ValueError):
            return 0.0
    if code in INT_FMT:
        try:
            v = int(value)
        except (TypeError, ValueError):
            v = 0
        fmt = INT_FMT[code]
        lo, hi = {"b": (-128, 127), "h": (-32768, 32767),
                  "i": (-2 ** 31, 2 ** 31 - 1), "q": (-2 ** 63, 2 ** 63 - 1),
                  "B": (0, 255), "H": (0, 65535), "I": (0, 2 ** 32 - 1),
                  "Q": (0, 2 ** 64 - 1)}[fmt]
        return min(max(v, lo), hi)
    return value


def build_ccr(args):
    """(type node, value) of the CERT:CREATE argument."""
    pub_key = ""
    if args.pub_key_file:
        with open(args.pub_key_file, "rb") as f:
            pub_key = f.read().decode("latin-1")
    elif args.pub_key is not None:
        pub_key = args.pub_key
    values = {
        "type": args.type, "name": args.name, "country": args.country,
        "organization": args.org, "organization_unit": args.ou,
        "usage": args.usage, "not_before": args.not_before,
        "not_after": args.not_after, "pub_key": pub_key,
        "config_uri_base": args.config_uri_base,
        "no_status": args.no_status,
    }
    verifier_fields = []
    verifier = {}
    if args.verifier_token is not None:
        verifier_fields.append(("token", S(T_STRING)))
        verifier["token"] = args.verifier_token
    values["verifier"] = verifier
    codes = dict(CCR_FIELDS)
    order = [name for name, _ in CCR_FIELDS]

    for spec in args.set or []:
        name, _, val = spec.partition("=")
        if name not in codes:
            codes[name] = T_STRING
            order.append(name)
        values[name] = val
    for spec in args.field_type or []:
        name, _, tname = spec.partition("=")
        if tname not in TYPE_NAMES:
            usage_error("--field-type %s: unknown type %r" % (spec, tname))
        if name not in codes:
            order.append(name)
            values.setdefault(name, None)
        codes[name] = TYPE_NAMES[tname]
    for spec in args.huge or []:
        name, _, n = spec.partition("=")
        try:
            n = int(n)
        except ValueError:
            usage_error("--huge %s: not a byte count" % spec)
        if name not in codes:
            codes[name] = T_STRING
            order.append(name)
        values[name] = "A" * n
    omit = set(args.omit or [])

    fields = []
    value = {}
    for name in order:
        if name in omit:
            continue
        code = codes[name]
        v = values.get(name)
        if code == T_STRUCT:
            if name == "verifier":
                node = STRUCT("", verifier_fields)
                v = v if isinstance(v, dict) else {}
            else:
                node = STRUCT("", [])
                v = {}
        elif code & T_ARRAY:
            node = ("array", code)
            v = _convert(v, code)
        else:
            node = S(code)
            if name == "verifier" and isinstance(v, dict):
                v = v.get("token", "")
            v = _convert(v, code)
        fields.append((name, node))
        value[name] = v
    query = STRUCT("", fields)
    if args.no_nturi:
        return query, value
    nturi = STRUCT("epics:nt/NTURI:1.0", [
        ("scheme", S(T_STRING)), ("authority", S(T_STRING)),
        ("path", S(T_STRING)), ("query", query)])
    return nturi, {"scheme": "", "authority": "", "path": args.pv,
                   "query": value}


def encode_arg(node, value, be):
    e = Enc(be)
    e.type(node)
    e.value(node, value)
    return bytes(e.b)


def read_hex(path):
    if path == "-":
        text = sys.stdin.read()
    else:
        with open(path) as f:
            text = f.read()
    text = "".join(text.split())
    try:
        return bytes.fromhex(text)
    except ValueError as e:
        usage_error("%s: not hex: %s" % (path, e))


# ------------------------------------------------------------ commands

IOID = 0x10002000


def summary(status, stage, message, fields=None, **extra):
    out = {"status": status, "stage": stage, "message": message,
           "fields": fields if fields is not None else {}}
    out.update(extra)
    return out


def op_init(conn, cmd, pv):
    """The channel and the INIT of one operation: (sid, INIT reply), or
    (None, the error summary)."""
    sid, why = conn.create_channel(pv)
    if sid is None:
        return None, summary("error", "channel", why)
    conn.op(cmd, sid, IOID, SUB_INIT, pvrequest_bytes(conn.be))
    d = conn.reply(cmd, IOID, SUB_INIT)
    code, msg = d.status()
    if code > 1:
        return None, summary("error", "init", msg)
    return sid, d


def run_rpc(conn, pv, body):
    sid, d = op_init(conn, CMD_RPC, pv)
    if sid is None:
        return d
    conn.op(CMD_RPC, sid, IOID, 0x00, body)
    d = conn.reply(CMD_RPC, IOID, 0x00)
    code, msg = d.status()
    if code > 1:
        conn.destroy_request(sid, IOID)
        return summary("error", "exec", msg, code=code)
    fields = {}
    tid = None
    if d.left() > 0:
        t = d.type()
        if t is not None:
            tid = t[1] if t[0] == "struct" else None
            fields = d.value(t)
        if d.left() != 0:
            raise ProtocolError("%d bytes after the RPC reply" % d.left())
    conn.destroy_request(sid, IOID)
    return summary("ok", "exec", msg, fields, type_id=tid)


def run_get(conn, pv):
    sid, d = op_init(conn, CMD_GET, pv)
    if sid is None:
        return d
    t = d.type()
    conn.op(CMD_GET, sid, IOID, 0x00)
    d = conn.reply(CMD_GET, IOID, 0x00)
    code, msg = d.status()
    if code > 1:
        conn.destroy_request(sid, IOID)
        return summary("error", "exec", msg)
    fields = d.masked(t)
    if d.left() != 0:
        raise ProtocolError("%d bytes after the GET reply" % d.left())
    conn.destroy_request(sid, IOID)
    return summary("ok", "exec", msg, fields,
                   type_id=t[1] if t and t[0] == "struct" else None)


def run_info(conn, pv):
    sid, why = conn.create_channel(pv)
    if sid is None:
        return summary("error", "channel", why)
    e = conn.enc()
    e.u32(sid)
    e.u32(IOID)
    e.string("")
    conn.send(CMD_GET_FIELD, e.b)
    d = conn.expect(CMD_GET_FIELD, IOID)
    code, msg = d.status()
    if code > 1:
        return summary("error", "exec", msg)
    t = d.type()
    return summary("ok", "exec", msg, {}, type="\n".join(type_text(t)))


def usage_error(msg):
    sys.stderr.write("pva_ccr.py: %s\n" % msg)
    sys.exit(64)


class Parser(argparse.ArgumentParser):
    def error(self, message):
        usage_error(message)


def main(argv):
    p = Parser(description="A small PVAccess client for pvacms tests.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--timeout", type=float, default=10.0,
                   help="seconds for each read (default 10)")
    p.add_argument("--big-endian", action="store_true",
                   help="send every message big-endian")
    sub = p.add_subparsers(dest="cmd")

    c = sub.add_parser("create", help="a CERT:CREATE RPC")
    c.add_argument("--pv", default="CERT:CREATE")
    c.add_argument("--type", default="")
    c.add_argument("--name", default="")
    c.add_argument("--country", default="")
    c.add_argument("--org", default="")
    c.add_argument("--ou", default="")
    c.add_argument("--usage", type=int, default=0)
    c.add_argument("--not-before", type=int, default=0)
    c.add_argument("--not-after", type=int, default=0)
    c.add_argument("--pub-key-file")
    c.add_argument("--pub-key", help="the public key text itself")
    c.add_argument("--config-uri-base", default="")
    c.add_argument("--no-status", action="store_true")
    c.add_argument("--verifier-token",
                   help="verifier = {string token} with this text")
    c.add_argument("--omit", action="append", metavar="FIELD")
    c.add_argument("--field-type", action="append", metavar="FIELD=TYPE")
    c.add_argument("--huge", action="append", metavar="FIELD=NBYTES")
    c.add_argument("--set", action="append", metavar="FIELD=VALUE")
    c.add_argument("--no-nturi", action="store_true",
                   help="send the bare CCR, not wrapped in an NTURI")
    c.add_argument("--truncate", type=int, default=0, metavar="N",
                   help="cut N bytes off the end of the EXEC body")
    c.add_argument("--dump-exec", metavar="FILE",
                   help="write the EXEC body as hex to FILE")
    c.add_argument("--dump-only", action="store_true",
                   help="with --dump-exec: write the body, send nothing")

    g = sub.add_parser("get", help="GET a PV (CERT:ROOT, CERT:ISSUER)")
    g.add_argument("pv")

    i = sub.add_parser("info", help="GET_FIELD a PV")
    i.add_argument("pv")

    r = sub.add_parser("raw-exec", help="RPC EXEC with these bytes")
    r.add_argument("hexfile", help="hex text, whitespace ignored; - = stdin")
    r.add_argument("--pv", default="CERT:CREATE")

    args = p.parse_args(argv)
    if args.cmd is None:
        usage_error("a command is needed: create, get, info or raw-exec")

    body = None
    if args.cmd == "create":
        node, value = build_ccr(args)
        body = encode_arg(node, value, args.big_endian)
        if args.truncate > 0:
            body = body[:max(0, len(body) - args.truncate)]
        if args.dump_exec:
            with open(args.dump_exec, "w") as f:
                f.write(body.hex() + "\n")
            if args.dump_only:
                return 0
    elif args.cmd == "raw-exec":
        body = read_hex(args.hexfile)

    conn = None
    try:
        conn = Conn(args.host, args.port, args.timeout, args.big_endian)
        conn.handshake()
        if args.cmd in ("create", "raw-exec"):
            out = run_rpc(conn, args.pv, body)
        elif args.cmd == "get":
            out = run_get(conn, args.pv)
        else:
            out = run_info(conn, args.pv)
    except ProtocolError as e:
        sys.stderr.write("pva_ccr.py: %s\n" % e)
        return 2
    finally:
        if conn is not None:
            conn.close()
    sys.stdout.write(json.dumps(out, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
