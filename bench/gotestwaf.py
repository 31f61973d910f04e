#!/usr/bin/env python3
"""Converts GoTestWAF's test cases into the corpus JSON-lines format, for bench/eval.py.

    bench/gotestwaf.py                                  # JSON lines on stdout
    bench/gotestwaf.py --out /tmp/gtw.jsonl
    bench/gotestwaf.py --testcases DIR --host shop.example.com

DIR (default: ../shared/gotestwaf/testcases beside the repository) holds GoTestWAF's
`testcases/` folder: one folder per test set (owasp, owasp-api, community: attacks; false-pos:
benign texts), one YAML file per test case. A test case lists payloads, encoders and
placeholders; every payload x encoder x placeholder is one request, numbered in GoTestWAF's own
order (payload, then encoder, then placeholder): gtw-<set>-<case>-NNNN. The number counts every
combination, also those left out, so an id always names the same combination.

The requests are built the way GoTestWAF (wallarm/gotestwaf, gohttp client) builds them: its
encoders, its placeholders, Go's net/url handling of the URL and Go's header canonicalisation.
Its random names (parameter, header, multipart boundary) are derived from the id here, so the
output is the same on every run. Requests that cannot be one HTTP/1.1 request in the corpus
format are left out and counted on stderr with the reason (gRPC needs HTTP/2; a header value
with control characters is refused by Go's net/http, so GoTestWAF never sends it either).

Exit status: 0 on success, 77 (with "SKIP: ...") when DIR has no test cases, 1 on a file it
does not understand (file:line and what).

The set is not ours (MIT, wallarm): the output is generated at evaluation time, never checked in.
Python 3 standard library only; the YAML subset of the test cases is read by MiniYaml below.
"""

import argparse
import base64
import hashlib
import json
import re
import sys
from pathlib import Path
from urllib.parse import quote_plus

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "corpus" / "benign"))
import corpus  # noqa: E402  (request_bytes: the bytes on the wire)

DEFAULT_TESTCASES = REPO.parent / "shared" / "gotestwaf" / "testcases"
SKIP_STATUS = 77

# GoTestWAF's config.yaml sends a Chrome header set; we keep its browser identity (User-Agent,
# Accept, Accept-Language, Accept-Encoding) and drop Connection: close, which would defeat the
# keep-alive replay, and the Sec-Fetch-*/cache headers, which say nothing about the payload.
DEFAULT_USER_AGENT = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                      "Chrome/107.0.0.0 Safari/537.36")
DEFAULT_ACCEPT = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
                  "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.9")
DEFAULT_ACCEPT_LANGUAGE = "en-US,en;q=0.9"
DEFAULT_ACCEPT_ENCODING = "gzip, deflate"

# GoTestWAF sends GraphQL cases to the endpoint its availability probe finds; /graphql is the
# first one it tries.
GRAPHQL_PATH = "/graphql"


class InputError(Exception):
    """A test case file this tool does not understand; the message starts with file:line."""


# ==============================================================================================
# MiniYaml: the block-style YAML subset of GoTestWAF's test cases.
#
# Understood: block mappings and sequences (indented with spaces), a mapping as a sequence item
# ("- GraphQL:" with its config below), plain scalars on one line, single- and double-quoted
# scalars over one or more lines (folding, escapes, "\" line continuation), literal block
# scalars ("|", "|-", "|+"), the "!!str" tag, comments. Anything else (flow collections,
# anchors, aliases, other tags, folded ">" blocks, multi-line plain scalars, tabs in the
# indentation, several documents) raises InputError with the line, rather than being guessed.


class Mapping(dict):
    """A YAML mapping; line_of[key] is the 0-based line of each key, for error messages."""

    def __init__(self):
        super().__init__()
        self.line_of = {}


class Sequence(list):
    """A YAML sequence; line_of[i] is the 0-based line of item i."""

    def __init__(self):
        super().__init__()
        self.line_of = []


# A mapping key: a plain word (letters, digits, '_', '.', '-', inner spaces) then ':' and a
# space or the end of the line.
KEY = re.compile(r"^([A-Za-z0-9_][A-Za-z0-9_.\-]*(?: +[A-Za-z0-9_.\-]+)*) *:(?: +(.*))?$")

# Characters that start something other than a plain scalar (YAML c-indicators).
NOT_PLAIN_START = set("[]{}&*!|>%@`#,'\"")

SIMPLE_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "'": "'", "\\": "\\",
    "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029",
}
HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


def is_blank(line):
    stripped = line.lstrip(" ")
    return stripped == "" or stripped.startswith("#")


def indent_of(line):
    return len(line) - len(line.lstrip(" "))


class MiniYaml:
    def __init__(self, text, name):
        self.name = name
        if "\r" in text:
            self.fail("carriage return in the file (only LF line ends are understood)",
                      text[:text.index("\r")].count("\n"))
        self.lines = text.split("\n")
        if self.lines and self.lines[-1] == "":
            self.lines.pop()
        self.pos = 0

    def fail(self, message, line=None):
        raise InputError(f"{self.name}:{(self.pos if line is None else line) + 1}: {message}")

    def document(self):
        self.skip_blank()
        if self.pos < len(self.lines) and self.lines[self.pos].startswith(("%", "---")):
            self.fail("directives and document markers are not understood")
        value = self.node(0)
        self.skip_blank()
        if self.pos < len(self.lines):
            self.fail("unexpected content after the document")
        return value

    def skip_blank(self):
        while self.pos < len(self.lines) and is_blank(self.lines[self.pos]):
            self.pos += 1

    def current(self, min_indent):
        """Indent and content of the current (non-blank) line; checks indentation."""
        line = self.lines[self.pos]
        indent = indent_of(line)
        if line[indent:].startswith("\t"):
            self.fail("tab in the indentation")
        if indent < min_indent:
            self.fail(f"expected a value indented by at least {min_indent}")
        return indent, line[indent:]

    def node(self, min_indent):
        """A block node starting at the next non-blank line."""
        self.skip_blank()
        if self.pos >= len(self.lines):
            self.fail("expected a value, found the end of the file")
        indent, body = self.current(min_indent)
        if body == "-" or body.startswith("- "):
            return self.sequence(indent)
        if KEY.match(body):
            return self.mapping(indent)
        self.fail(f"not understood here: {body[:40]!r}")

    def sequence(self, indent):
        items = Sequence()
        while True:
            self.skip_blank()
            if self.pos >= len(self.lines):
                break
            line_indent, body = self.current(0)
            if line_indent < indent:
                break
            if line_indent > indent:
                self.fail("unexpected indentation in a sequence")
            if not (body == "-" or body.startswith("- ")):
                break  # a key beside a compact sequence ("key:\n- item\nkey2:")
            rest = body[1:]
            content = rest.lstrip(" ")
            column = indent + 1 + len(rest) - len(content)
            items.line_of.append(self.pos)
            if content == "" or content.startswith("#"):
                self.pos += 1
                items.append(self.node(indent + 1))
            elif content.startswith("- "):
                self.fail("a sequence directly inside a sequence item is not understood")
            elif KEY.match(content):
                # "- Name:" starts a mapping whose keys sit at the column of "Name".
                self.lines[self.pos] = " " * column + content
                items.append(self.mapping(column))
            else:
                items.append(self.inline_scalar(content, indent))
        return items

    def mapping(self, indent):
        result = Mapping()
        while True:
            self.skip_blank()
            if self.pos >= len(self.lines):
                break
            line_indent, body = self.current(0)
            if line_indent < indent:
                break
            if line_indent > indent:
                self.fail("unexpected indentation in a mapping")
            match = KEY.match(body)
            if not match:
                if body == "-" or body.startswith("- "):
                    break
                self.fail(f"expected 'key: value', found {body[:40]!r}")
            key, rest = match.group(1), (match.group(2) or "").strip()
            if key in result:
                self.fail(f"duplicate key {key!r}")
            result.line_of[key] = self.pos
            if rest == "" or rest.startswith("#"):
                self.pos += 1
                self.skip_blank()
                value = None
                if self.pos < len(self.lines):
                    next_indent, next_body = self.current(0)
                    if next_indent > indent:
                        value = self.node(indent + 1)
                    elif next_indent == indent and (next_body == "-" or
                                                    next_body.startswith("- ")):
                        value = self.sequence(indent)
                result[key] = value
            else:
                result[key] = self.inline_scalar(rest, indent)
        return result

    def inline_scalar(self, text, parent_indent):
        """A scalar starting on the current line after "- " or "key: "; consumes its lines."""
        if text.startswith("!"):
            if not (text.startswith("!!str ") or text == "!!str"):
                self.fail(f"tag not understood: {text.split()[0]!r}")
            text = text[len("!!str"):].lstrip(" ")
            if text == "":
                self.fail("a tag with its value on the next line is not understood")
        first = text[0]
        if first in "|>":
            value = self.block_scalar(text, parent_indent)
        elif first in "\"'":
            value = self.quoted_scalar(text, parent_indent)
        else:
            value = self.plain_scalar(text)
        # Nothing deeper may follow: that would be a multi-line plain scalar or a stray node.
        save = self.pos
        self.skip_blank()
        if self.pos < len(self.lines) and indent_of(self.lines[self.pos]) > parent_indent:
            self.fail("unexpected indented line after a scalar (multi-line plain scalars "
                      "are not understood)")
        self.pos = save
        return value

    def plain_scalar(self, text):
        if text[0] in NOT_PLAIN_START or (text[0] in "-?:" and text[1:2] in ("", " ")):
            self.fail(f"a plain scalar cannot start with {text[0]!r}")
        comment = re.search(r"[ \t]#", text)
        if comment:
            text = text[:comment.start()]
        text = text.rstrip(" \t")
        if ": " in text or text.endswith(":"):
            self.fail("':' followed by a space inside a plain scalar")
        if text in ("~", "null", "Null", "NULL"):
            self.fail("null value")
        self.pos += 1
        return text

    def quoted_scalar(self, text, parent_indent):
        double = text[0] == '"'
        start = self.pos
        segments = [text[1:]]
        line = start
        while True:
            end = closing_quote(segments[-1], double)
            if end >= 0:
                break
            line += 1
            if line >= len(self.lines):
                self.fail("unterminated quoted scalar", start)
            next_line = self.lines[line]
            if next_line.strip() and indent_of(next_line) <= parent_indent:
                self.fail("continuation of a quoted scalar must be indented", line)
            segments.append(next_line)
        tail = segments[-1][end + 1:].strip()
        if tail and not tail.startswith("#"):
            self.fail(f"unexpected text after a quoted scalar: {tail[:40]!r}", line)
        segments[-1] = segments[-1][:end]
        try:
            value = fold_flow_scalar("\n".join(segments), double)
        except ValueError as e:
            self.fail(str(e), start)
        self.pos = line + 1
        return value

    def block_scalar(self, header, parent_indent):
        match = re.match(r"^([|>])([+-]?)(?: +#.*)?$", header.rstrip(" "))
        if not match:
            self.fail(f"block scalar header not understood: {header!r}")
        if match.group(1) == ">":
            self.fail("folded block scalars ('>') are not understood")
        chomping = match.group(2)
        self.pos += 1
        first = self.pos
        while first < len(self.lines) and self.lines[first].strip() == "":
            first += 1
        content_indent = indent_of(self.lines[first]) if first < len(self.lines) else 0
        if first >= len(self.lines) or content_indent <= parent_indent:
            self.pos = first
            return ""
        body = []
        while self.pos < len(self.lines):
            line = self.lines[self.pos]
            if line.strip() == "":
                body.append(line[content_indent:])
            elif indent_of(line) < content_indent:
                break
            else:
                body.append(line[content_indent:])
            self.pos += 1
        kept = len(body)
        while kept and body[kept - 1].strip() == "":
            kept -= 1
        text = "\n".join(body[:kept])
        if chomping == "-":
            return text
        if chomping == "+":
            return text + "\n" * (len(body) - kept + (1 if kept else 0))
        return text + "\n" if kept else ""


def closing_quote(segment, double):
    """Index of the quote that closes a quoted scalar in this line segment, or -1."""
    i = 0
    while i < len(segment):
        c = segment[i]
        if double and c == "\\":
            i += 2
            continue
        if double and c == '"':
            return i
        if not double and c == "'":
            if segment[i + 1:i + 2] == "'":
                i += 2
                continue
            return i
        i += 1
    return -1


def fold_flow_scalar(raw, double):
    """The value of a quoted scalar's text (between the quotes, lines joined with \\n):
    escapes (double quotes) or '' (single quotes), and YAML line folding: a line break and the
    white space around it become one space, empty lines become \\n, an escaped line break
    disappears with the next line's indentation."""
    out = []
    protected = 0  # out[:protected] holds escapes and folds, never trimmed as trailing space
    i = 0
    while i < len(raw):
        c = raw[i]
        if double and c == "\\":
            if i + 1 >= len(raw):
                raise ValueError("backslash at the end of a quoted scalar")
            e = raw[i + 1]
            if e == "\n":
                i += 2
                while i < len(raw) and raw[i] in " \t":
                    i += 1
            elif e in SIMPLE_ESCAPES:
                out.append(SIMPLE_ESCAPES[e])
                i += 2
            elif e in HEX_ESCAPES:
                digits = raw[i + 2:i + 2 + HEX_ESCAPES[e]]
                if len(digits) != HEX_ESCAPES[e] or not re.fullmatch(r"[0-9A-Fa-f]+", digits):
                    raise ValueError(f"bad escape \\{e}{digits}")
                code = int(digits, 16)
                if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
                    raise ValueError(f"escape \\{e}{digits} is not a Unicode scalar value")
                out.append(chr(code))
                i += 2 + HEX_ESCAPES[e]
            else:
                raise ValueError(f"unknown escape \\{e}")
            protected = len(out)
        elif not double and c == "'" and raw[i + 1:i + 2] == "'":
            out.append("'")
            i += 2
            protected = len(out)
        elif c == "\n":
            while len(out) > protected and out[-1] in " \t":
                out.pop()
            i += 1
            breaks = 0
            while True:
                while i < len(raw) and raw[i] in " \t":
                    i += 1
                if i < len(raw) and raw[i] == "\n":
                    breaks += 1
                    i += 1
                    continue
                break
            out.append("\n" * breaks if breaks else " ")
            protected = len(out)
        else:
            out.append(c)
            i += 1
    return "".join(out)


# ==============================================================================================
# Test cases: the YAML checked against what GoTestWAF accepts.

ENCODERS = ("Plain", "URL", "Base64", "Base64Flat", "JSUnicode", "XMLEntity")
PLACEHOLDERS = ("URLParam", "URLPath", "Header", "UserAgent", "HTMLForm", "HTMLMultipartForm",
                "JSONBody", "JSONRequest", "RequestBody", "XMLBody", "SOAPBody", "GraphQL",
                "gRPC", "RawRequest")
CONFIGURED = ("GraphQL", "RawRequest")  # the placeholders that take a config mapping


class TestCase:
    def __init__(self, test_set, name, source, payloads, encoders, placeholders, case_type):
        self.test_set = test_set        # folder: owasp, owasp-api, community, false-pos
        self.name = name                # file name without extension
        self.source = source            # "owasp/sql-injection.yml"
        self.payloads = payloads        # [str]
        self.encoders = encoders        # [str]
        self.placeholders = placeholders  # [(name, config dict or None)]
        self.case_type = case_type      # the YAML `type`, or None


def load_test_case(path, test_set):
    source = f"{test_set}/{path.name}"
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}:1: not UTF-8 ({e})")
    doc = MiniYaml(text, str(path)).document()

    def fail(message, line):
        raise InputError(f"{path}:{line + 1}: {message}")

    if not isinstance(doc, Mapping):
        fail("expected a mapping with payload, encoder, placeholder and type", 0)
    for key in doc:
        if key not in ("payload", "encoder", "placeholder", "type"):
            fail(f"unknown key {key!r}", doc.line_of[key])

    def strings(key):
        value = doc.get(key)
        if key not in doc or not isinstance(value, Sequence) or not value:
            fail(f"{key!r} must be a non-empty list", doc.line_of.get(key, 0))
        for item, line in zip(value, value.line_of):
            if not isinstance(item, str):
                fail(f"{key!r} items must be scalars", line)
        return list(value)

    payloads = strings("payload")
    encoders = strings("encoder")
    for encoder, line in zip(encoders, doc["encoder"].line_of):
        if encoder not in ENCODERS:
            fail(f"unknown encoder {encoder!r}", line)

    raw_placeholders = doc.get("placeholder")
    if not isinstance(raw_placeholders, Sequence) or not raw_placeholders:
        fail("'placeholder' must be a non-empty list", doc.line_of.get("placeholder", 0))
    placeholders = []
    for item, line in zip(raw_placeholders, raw_placeholders.line_of):
        if isinstance(item, str):
            name, config = item, None
        elif isinstance(item, Mapping) and len(item) == 1:
            name, config = next(iter(item.items()))
            if not isinstance(config, Mapping):
                fail(f"the config of {name!r} must be a mapping", line)
        else:
            fail("a placeholder is a name or 'Name:' with a config mapping", line)
        if name not in PLACEHOLDERS:
            fail(f"unknown placeholder {name!r}", line)
        if (name in CONFIGURED) != (config is not None):
            fail(f"{name!r} {'needs' if name in CONFIGURED else 'takes no'} config", line)
        if config is not None:
            config = check_placeholder_config(name, config, fail)
        placeholders.append((name, config))

    case_type = doc.get("type")
    if "type" in doc and not isinstance(case_type, str):
        fail("'type' must be a scalar", doc.line_of["type"])
    return TestCase(test_set, path.stem, source, payloads, encoders, placeholders, case_type)


def check_placeholder_config(name, config, fail):
    """The config as a plain dict, checked the way GoTestWAF checks it."""
    def line(key):
        return config.line_of.get(key, 0)

    for key, value in config.items():
        allowed = ("method",) if name == "GraphQL" else ("method", "path", "headers", "body")
        if key not in allowed:
            fail(f"unknown {name} config key {key!r}", line(key))
        if key == "headers":
            if not isinstance(value, Mapping) or not all(
                    isinstance(v, str) for v in value.values()):
                fail("'headers' must map names to strings", line(key))
        elif not isinstance(value, str):
            fail(f"{name} config {key!r} must be a string", line(key))
    if "method" not in config:
        fail(f"{name} config needs 'method'", line(next(iter(config), "")))
    if name == "GraphQL" and config["method"] not in ("GET", "POST"):
        fail("GraphQL method must be GET or POST", line("method"))
    if name == "RawRequest" and not TOKEN.fullmatch(config["method"].encode()):
        fail("RawRequest method is not an HTTP token", line("method"))
    result = {k: v for k, v in config.items() if k != "headers"}
    result["headers"] = dict(config.get("headers") or {})
    return result


def load_test_cases(root):
    cases = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        files = sorted(p for p in folder.iterdir()
                       if p.is_file() and p.suffix in (".yml", ".yaml"))
        for path in files:
            cases.append(load_test_case(path, folder.name))
    return cases


# ==============================================================================================
# GoTestWAF's encoders (internal/payload/encoder): each turns the payload into a string.

def encode_url(data):
    # Go's url.QueryEscape: everything but letters, digits and -_.~ as %XX, space as '+'.
    return quote_plus(data, safe="")


def encode_base64(data):
    return base64.b64encode(data.encode("utf-8")).decode("ascii")


def encode_base64_flat(data):
    return encode_base64(data).replace("=", "")


def encode_js_unicode(data):
    # Every UTF-16 code unit as \uXXXX (lower-case hex), also for ASCII.
    units = data.encode("utf-16-be")
    return "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2))


def xml_char_allowed(code):
    return (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF)


XML_ESCAPES = {'"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;",
               "\t": "&#x9;", "\n": "&#xA;", "\r": "&#xD;"}


def encode_xml_entity(data):
    # Go's xml.Encoder.Encode of a string value: the text escaped as Go escapes character data
    # (characters XML cannot hold become U+FFFD), inside a <string> element named after the type.
    text = "".join(XML_ESCAPES.get(c) or (c if xml_char_allowed(ord(c)) else "\ufffd")
                   for c in data)
    return f"<string>{text}</string>"


ENCODE = {
    "Plain": lambda data: data,
    "URL": encode_url,
    "Base64": encode_base64,
    "Base64Flat": encode_base64_flat,
    "JSUnicode": encode_js_unicode,
    "XMLEntity": encode_xml_entity,
}


# ==============================================================================================
# Go's net/url and net/http, as far as they shape what GoTestWAF sends.

class LeftOut(Exception):
    """This request cannot be sent (or GoTestWAF cannot send it); the message says why."""


UNRESERVED = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
PATH_UNESCAPED = UNRESERVED | set(b"$&+,/:;=@")          # what Go's escape() keeps in a path
PATH_RAW_ALLOWED = PATH_UNESCAPED | set(b"!'()*[]%")     # what Go's validEncoded() accepts


def go_unescape(text):
    """Bytes of a %-escaped string, or None where Go reports an invalid URL escape."""
    raw = text.encode("utf-8")
    out = bytearray()
    i = 0
    while i < len(raw):
        if raw[i] == 0x25:
            digits = raw[i + 1:i + 3]
            if len(digits) != 2 or not all(d in b"0123456789abcdefABCDEF" for d in digits):
                return None
            out.append(int(digits, 16))
            i += 3
        else:
            out.append(raw[i])
            i += 1
    return bytes(out)


def go_escape_path(raw):
    return "".join(chr(b) if b in PATH_UNESCAPED else f"%{b:02X}" for b in raw)


class TargetBuilder:
    """Turns the part of a URL after the host into the request-target Go's client sends."""

    def __init__(self):
        self.reencoded_queries = 0

    def __call__(self, url_path):
        """url_path: "/path?query#fragment" as GoTestWAF hands it to http.NewRequest."""
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in url_path):
            raise LeftOut("control character in the URL: Go's url.Parse refuses it, "
                          "GoTestWAF records a failed test")
        url_path, has_fragment, fragment = url_path.partition("#")
        if has_fragment and go_unescape(fragment) is None:
            raise LeftOut("invalid %-escape in the URL fragment: Go's url.Parse refuses it")
        if url_path.endswith("?") and url_path.count("?") == 1:
            path, query, force_query = url_path[:-1], "", True
        else:
            path, _, query = url_path.partition("?")
            force_query = False
        decoded = go_unescape(path)
        if decoded is None:
            raise LeftOut("invalid %-escape in the URL path: Go's url.Parse refuses it")
        # Go sends the path as written when it is a valid encoding of itself (RawPath),
        # otherwise it escapes the decoded path again.
        escaped = go_escape_path(decoded)
        if escaped != path and not all(ord(c) < 0x80 and ord(c) in PATH_RAW_ALLOWED
                                       for c in path):
            path = escaped
        target = path or "/"
        if query or force_query:
            # Go sends the query unchanged. Bytes that cannot appear in an HTTP/1.1
            # request-target at all (space, non-ASCII) are %-escaped here, and counted.
            fixed = "".join(c if 0x21 <= ord(c) <= 0x7E else
                            "".join(f"%{b:02X}" for b in c.encode("utf-8")) for c in query)
            if fixed != query:
                self.reencoded_queries += 1
            target += "?" + fixed
        return target


TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP method or header name


def go_canonical_header(name):
    """Go's CanonicalMIMEHeaderKey: "SOAPAction" -> "Soapaction", "x-ab" -> "X-Ab"."""
    out = []
    upper = True
    for c in name:
        out.append(c.upper() if upper else c.lower())
        upper = c == "-"
    return "".join(out)


def check_header(name, value):
    if not TOKEN.fullmatch(name.encode()):
        raise LeftOut(f"header name {name!r} is not an HTTP token: Go's net/http refuses it")
    # Go's transport refuses a field value with control characters other than HTAB
    # ("net/http: invalid header field value"): the request is never sent.
    if any((ord(c) < 0x20 and c != "\t") or ord(c) == 0x7F for c in value):
        raise LeftOut(f"control character (CR/LF/NUL...) in the {name} header: Go's net/http "
                      "refuses to send it, GoTestWAF records a failed test")


# ==============================================================================================
# GoTestWAF's placeholders (internal/payload/placeholder): where the encoded payload goes.

class Request:
    def __init__(self, method, url_path, headers=(), body=""):
        self.method = method
        self.url_path = url_path
        self.headers = list(headers)  # placeholder headers, on top of the default set
        self.body = body


def random_hex(request_id, purpose, length):
    """Stands in for GoTestWAF's crypto/rand names: same length, derived from the id."""
    return hashlib.sha256(f"{request_id}/{purpose}".encode()).hexdigest()[:length]


def place_url_param(payload, rid, config):
    # Base URL "http://host/": GoTestWAF appends "?<10 hex>=<payload>".
    return Request("GET", f"/?{random_hex(rid, 'param', 10)}={payload}")


def place_url_path(payload, rid, config):
    return Request("GET", "/" + payload)


def place_header(payload, rid, config):
    return Request("GET", "/", [("X-" + random_hex(rid, "header", 10), payload)])


def place_user_agent(payload, rid, config):
    return Request("GET", "/", [("User-Agent", payload)])


def place_html_form(payload, rid, config):
    return Request("POST", "/", [("Content-Type", "application/x-www-form-urlencoded")],
                   f"{random_hex(rid, 'param', 10)}={payload}")


def place_html_multipart_form(payload, rid, config):
    # Go's mime/multipart Writer: one form field, a 60-hex-digit boundary, CRLF line ends.
    boundary = random_hex(rid, "boundary", 60)
    field = random_hex(rid, "param", 10)
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n"
            f"{payload}\r\n--{boundary}--\r\n")
    return Request("POST", "/", [("Content-Type", f"multipart/form-data; boundary={boundary}")],
                   body)


def place_json_body(payload, rid, config):
    return Request("POST", "/", [("Content-Type", "application/json")], payload)


def place_json_request(payload, rid, config):
    # The (encoded) payload is JSUnicode-encoded once more, as a string value beside "test".
    body = f'{{"test":true, "{random_hex(rid, "param", 10)}": "{encode_js_unicode(payload)}"}}'
    return Request("POST", "/", [("Content-Type", "application/json")], body)


def place_request_body(payload, rid, config):
    return Request("POST", "/", [], payload)


def place_xml_body(payload, rid, config):
    return Request("POST", "/", [("Content-Type", "text/xml")], payload)


def soap_envelope(element, content):
    """GoTestWAF's SOAP request: an AdManager getAdUnitsByStatement call (tab-indented)
    whose filterStatement holds the payload in an element with a random name."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"',
        '\txmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
        "\t<soapenv:Header>",
        '\t\t<ns1:RequestHeader soapenv:actor="http://schemas.xmlsoap.org/soap/actor/next"',
        '\t\t\tsoapenv:mustUnderstand="0" '
        'xmlns:ns1="https://www.google.com/apis/ads/publisher/v202002">',
        "\t\t</ns1:RequestHeader>",
        "\t</soapenv:Header>",
        "\t<soapenv:Body>",
        '\t\t<getAdUnitsByStatement xmlns="https://www.google.com/apis/ads/publisher/v202002">',
        "\t\t\t<filterStatement>",
        f"\t\t\t\t<{element}>{content}</{element}>",
        "\t\t\t</filterStatement>",
        "\t\t</getAdUnitsByStatement>",
        "\t</soapenv:Body>",
        "</soapenv:Envelope>",
    ]
    return "\n".join(lines)


def place_soap_body(payload, rid, config):
    # The (encoded) payload is XMLEntity-encoded once more: <string>escaped</string>.
    body = soap_envelope("ab" + random_hex(rid, "param", 10), encode_xml_entity(payload))
    return Request("POST", "/", [("SOAPAction", '"http://schemas.xmlsoap.org/soap/actor/next"'),
                                 ("Content-Type", "text/xml")], body)


def place_graphql(payload, rid, config):
    if config["method"] == "GET":
        # The payload goes into ?query= as it is: the URL encoder has already escaped it.
        return Request("GET", f"{GRAPHQL_PATH}?query={payload}")
    # POST: the payload is the body, with no Content-Type.
    return Request("POST", GRAPHQL_PATH, [], payload)


def place_grpc(payload, rid, config):
    raise LeftOut("gRPC needs HTTP/2 framing (a protobuf call on the gRPC port), "
                  "not one HTTP/1.1 request")


def place_raw_request(payload, rid, config):
    # The configured request, with {{payload}} replaced in the path, the headers and the body.
    path = config.get("path") or "/"
    url_path = "/" + (path[1:] if path.startswith("/") else path)
    headers = [(name, value.replace("{{payload}}", payload))
               for name, value in config["headers"].items()]
    return Request(config["method"], url_path.replace("{{payload}}", payload), headers,
                   config.get("body", "").replace("{{payload}}", payload))


PLACE = {
    "URLParam": place_url_param,
    "URLPath": place_url_path,
    "Header": place_header,
    "UserAgent": place_user_agent,
    "HTMLForm": place_html_form,
    "HTMLMultipartForm": place_html_multipart_form,
    "JSONBody": place_json_body,
    "JSONRequest": place_json_request,
    "RequestBody": place_request_body,
    "XMLBody": place_xml_body,
    "SOAPBody": place_soap_body,
    "GraphQL": place_graphql,
    "gRPC": place_grpc,
    "RawRequest": place_raw_request,
}


# ==============================================================================================
# Corpus lines.

def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unknown"


def header_set(host, extra):
    """The default browser set, then the placeholder's headers: a placeholder header replaces
    a default one of the same name in place (RawRequest and UserAgent do that)."""
    headers = [["Host", host], ["User-Agent", DEFAULT_USER_AGENT], ["Accept", DEFAULT_ACCEPT],
               ["Accept-Language", DEFAULT_ACCEPT_LANGUAGE],
               ["Accept-Encoding", DEFAULT_ACCEPT_ENCODING]]
    for name, value in extra:
        check_header(name, value)
        name = go_canonical_header(name)
        for header in headers:
            if header[0].lower() == name.lower():
                header[1] = value
                break
        else:
            headers.append([name, value])
    return headers



def check_wire(req):
    """Fails loudly when corpus.request_bytes would not give a valid HTTP/1.1 request:
    every check above should already have made sure of it."""
    head = corpus.request_bytes(req).split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    request_line = head[0].split(b" ")
    ok = (len(request_line) == 3 and TOKEN.fullmatch(request_line[0])
          and request_line[1].startswith(b"/")
          and all(0x21 <= b <= 0x7E for b in request_line[1]) and request_line[2] == b"HTTP/1.1")
    for line in head[1:]:
        name, sep, value = line.partition(b":")
        ok = ok and sep and TOKEN.fullmatch(name) and all(
            (b >= 0x20 or b == 0x09) and b != 0x7F for b in value)
    if not ok:
        raise RuntimeError(f"{req['id']}: not a valid HTTP/1.1 request: {head!r:.200}")


def convert(case, host, build_target, stats):
    """The corpus lines of one test case; fills stats[(source, placeholder)]."""
    benign = case.test_set == "false-pos"
    if benign:
        category = "gotestwaf-false-pos"
    else:
        category = "gotestwaf-" + slug(case.case_type or "unknown")
    number = 0
    for payload in case.payloads:
        for encoder in case.encoders:
            for name, config in case.placeholders:
                number += 1
                rid = f"gtw-{case.test_set}-{case.name}-{number:04d}"
                counts = stats.setdefault((case.source, name), {"written": 0, "left": {}})
                try:
                    req = PLACE[name](ENCODE[encoder](payload), rid, config)
                    headers = header_set(host, req.headers)
                    target = build_target(req.url_path)
                except LeftOut as e:
                    counts["left"][str(e)] = counts["left"].get(str(e), 0) + 1
                    continue
                line = {
                    "id": rid,
                    "kind": "gotestwaf",
                    "expect": "pass" if benign else "block",
                    "category": category,
                    "placement": name.lower(),
                    "encoding": encoder.lower(),
                    "source": "gotestwaf:" + case.source,
                    "split": "holdout",
                    "method": req.method,
                    "target": target,
                    "headers": headers,
                }
                if req.body:
                    line["body"] = req.body
                check_wire(line)
                counts["written"] += 1
                yield line


def print_summary(stats, out_name, reencoded_queries):
    width = max([len(f"{source} {name}") for source, name in stats] + [20])
    written = sum(c["written"] for c in stats.values())
    left = sum(sum(c["left"].values()) for c in stats.values())
    err = sys.stderr
    print(f"{'file / placeholder':<{width}}  written  left out", file=err)
    for (source, name), counts in stats.items():
        n_left = sum(counts["left"].values())
        print(f"{source + ' ' + name:<{width}}  {counts['written']:7d}  {n_left:8d}", file=err)
    print(f"{'total':<{width}}  {written:7d}  {left:8d}", file=err)
    reasons = {}
    for (source, name), counts in stats.items():
        for reason, n in counts["left"].items():
            reasons.setdefault(reason, []).append(f"{source} {name}: {n}")
    for reason, where in reasons.items():
        print(f"left out: {reason} ({'; '.join(where)})", file=err)
    if reencoded_queries:
        print(f"note: {reencoded_queries} query strings had spaces or non-ASCII characters, "
              "which Go sends raw; they are %-escaped here", file=err)
    # Last line: bench/eval.sh shows it as the one-line summary.
    print(f"wrote {written} requests to {out_name} ({left} left out)", file=err)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--testcases", type=Path, default=DEFAULT_TESTCASES,
                   help="GoTestWAF's testcases folder (default: %(default)s)")
    p.add_argument("--out", help="output file (default: stdout)")
    p.add_argument("--host", default="shop.example.com", help="Host header (default: %(default)s)")
    args = p.parse_args()

    root = args.testcases
    if not root.is_dir() or not any(root.glob("*/*.y*ml")):
        print(f"SKIP: no GoTestWAF test cases at {root}", file=sys.stderr)
        return SKIP_STATUS
    try:
        cases = load_test_cases(root)
    except InputError as e:
        print(f"gotestwaf.py: {e}", file=sys.stderr)
        return 1

    build_target = TargetBuilder()
    stats = {}
    lines = [json.dumps(line) + "\n"
             for case in cases for line in convert(case, args.host, build_target, stats)]
    if args.out:
        with open(args.out, "w", encoding="utf-8", newline="\n") as f:
            f.writelines(lines)
    else:
        sys.stdout.writelines(lines)
    print_summary(stats, args.out or "stdout", build_target.reencoded_queries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
