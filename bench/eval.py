#!/usr/bin/env python3
"""Detection-quality evaluation of a WAF: sends request corpora to a target, scores the answers,
prints side-by-side tables. Python 3 standard library only. bench/eval.sh runs it against
rampart and nginx + ModSecurity; see bench/README.md, "Evaluation (eval.sh)".

    eval.py send --target NAME --address 127.0.0.1:PORT --out RESULTS.jsonl CORPUS...
        [--connections 8] [--timeout 30] [--split tune|holdout|all]
        Sends every request of the corpora (the bytes of corpus/benign/corpus.py's
        request_bytes, plus an `X-Request-Id: eval-<id>` header unless the request has one) over
        keep-alive connections (a new one after the server closes; a request that finds a reused
        connection closed is sent once more on a fresh one) and writes one JSON line per
        request, in corpus order: target, corpus, id, expect, category, placement, encoding,
        split, source, status, reached_backend, error, request_id (the response's X-Request-Id),
        ms.
    eval.py report RESULTS.jsonl... [--json FILE] [--by category|placement|encoding|source]...
        Per target: detection rate (attacks that did not reach the backend / scored attacks),
        false-positive rate (benign requests that did not reach the backend / scored benign),
        counts, errors; then per corpus file and expectation (its attacks, its benign requests)
        tables of blocked/total by category and placement (--by to choose), a column per
        target; and GoTestWAF's own scoring for its corpus (403 blocked, 200/404 passed, other
        statuses unresolved).
    eval.py misses RESULTS.jsonl --target NAME [--expect block|pass]
        Attacks that reached the backend and benign requests that did not, for tuning.
    eval.py rules RESULTS.jsonl --attack-log FILE [--target NAME] [--expect block|pass]
        Joins the target's WAF log with the results by the response's request id (rampart's
        attack log, JSON lines; or nginx's error log with ModSecurity lines, whose [unique_id]
        is nginx's $request_id, returned as X-Request-Id): per rule, how many benign requests
        (false-positive rules) and attacks matched it and how many of those were blocked; then
        the rule ids each request matched (--expect: only attacks, or only benign requests).

--split: a corpus line without `split` is sent only with "all". Results files may hold several
targets (report puts them side by side, in order of appearance); misses and rules need
--target then.

Scoring (shared contract): the backend answers 200 with `X-Eval-Backend: 1` to everything; a
request reached the backend iff the response carries that header. A corpus line's `expect` is
"block" (an attack) or "pass" (benign); without it, kind "attack" means block and anything
else pass. Connection errors and timeouts are counted apart and not scored.
"""

import argparse
import hashlib
import http.client
import json
import os
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus",
                                "benign"))
import corpus  # noqa: E402  (corpus/benign/corpus.py: the one definition of the wire bytes)

BACKEND_HEADER = "X-Eval-Backend"
REQUEST_ID_HEADER = "X-Request-Id"
DIMENSIONS = ("category", "placement", "encoding", "source")


# ---------------------------------------------------------------------------------------------
# send


def request_id_for(case_id):
    """`eval-<id>` in the characters rampart keeps from a trusted peer (at most 128 of
    [A-Za-z0-9._-]); a longer id becomes a hash."""
    rid = "eval-" + re.sub(r"[^A-Za-z0-9._-]", "_", case_id)
    if len(rid) > 128:
        rid = "eval-" + hashlib.sha1(case_id.encode("utf-8")).hexdigest()
    return rid


def load_cases(paths, split):
    """The corpora's requests with their scoring fields, in order, filtered by split."""
    cases = []
    for path in paths:
        name = os.path.basename(path)
        seen = set()
        for req in corpus.load(path):
            if req["id"] in seen:
                sys.exit(f"{path}: duplicate id {req['id']!r}")
            seen.add(req["id"])
            expect = req.get("expect") or ("block" if req.get("kind") == "attack" else "pass")
            if expect not in ("block", "pass"):
                sys.exit(f"{path}: {req['id']}: expect must be block or pass, not {expect!r}")
            case_split = req.get("split") or "-"
            if split != "all" and case_split != split:
                continue
            headers = list(req["headers"])
            if not any(h[0].lower() == REQUEST_ID_HEADER.lower() for h in headers):
                headers.append([REQUEST_ID_HEADER, request_id_for(req["id"])])
            cases.append({
                "meta": {
                    "corpus": name,
                    "id": req["id"],
                    "expect": expect,
                    "category": req.get("category") or req.get("kind") or "-",
                    "placement": req.get("placement") or "-",
                    "encoding": req.get("encoding") or "-",
                    "split": case_split,
                    "source": req.get("source") or "-",
                },
                "method": req["method"],
                "wire": corpus.request_bytes(dict(req, headers=headers)),
            })
    return cases


class NothingReceived(Exception):
    """The server closed (or reset) the connection before sending a status line."""


class Connection:
    """One keep-alive client connection, used by one sending thread; reconnects when needed."""

    def __init__(self, host, port, timeout):
        self.host, self.port, self.timeout = host, port, timeout
        self.sock = None

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def exchange(self, wire, method):
        """Sends one request, reads the whole response: (status, headers as a Message). A
        request that finds a reused connection closed by the server is sent once more on a
        fresh connection. Raises OSError / http.client.HTTPException on failure."""
        while True:
            fresh = self.sock is None
            if fresh:
                self.sock = socket.create_connection((self.host, self.port), self.timeout)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                return self._once(wire, method)
            except NothingReceived as e:
                self.close()
                if fresh:
                    raise ConnectionError(str(e.__cause__ or e)) from None
            except BaseException:
                self.close()
                raise

    def _once(self, wire, method):
        send_error = None
        try:
            self.sock.sendall(wire)
        except (BrokenPipeError, ConnectionResetError) as e:
            # The server may have answered before reading the whole request, and closed.
            send_error = e
        resp = http.client.HTTPResponse(self.sock, method=method)
        try:
            resp.begin()
        except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected) as e:
            raise NothingReceived(f"no response: {e}") from (send_error or e)
        try:
            resp.read()
        finally:
            resp.close()
        if resp.will_close:
            self.close()
        return resp.status, resp.msg


def cmd_send(args):
    host, _, port = args.address.rpartition(":")
    if not host or not port.isdigit():
        sys.exit(f"--address: expected HOST:PORT, not {args.address!r}")
    cases = load_cases(args.corpus, args.split)
    results = [None] * len(cases)
    next_index = iter(range(len(cases)))
    lock = threading.Lock()
    done = [0]
    started = time.monotonic()

    def worker():
        conn = Connection(host, int(port), args.timeout)
        while True:
            with lock:
                i = next(next_index, None)
            if i is None:
                conn.close()
                return
            case = cases[i]
            status = rid = error = None
            reached = False
            t0 = time.monotonic()
            try:
                status, headers = conn.exchange(case["wire"], case["method"])
                reached = headers.get(BACKEND_HEADER) is not None
                rid = headers.get(REQUEST_ID_HEADER)
            except (OSError, http.client.HTTPException) as e:
                error = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
            row = {"target": args.target, **case["meta"], "status": status,
                   "reached_backend": reached, "error": error, "request_id": rid,
                   "ms": round((time.monotonic() - t0) * 1000, 1)}
            results[i] = row
            with lock:
                done[0] += 1
                if done[0] % 2000 == 0:
                    print(f"[eval] {args.target}: {done[0]}/{len(cases)}", file=sys.stderr)

    threads = [threading.Thread(target=worker, daemon=True)
               for _ in range(max(1, min(args.connections, len(cases) or 1)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(args.out, "w", encoding="utf-8") as f:
        for row in results:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    errors = sum(1 for r in results if r["error"])
    reached = sum(1 for r in results if r["reached_backend"])
    print(f"[eval] {args.target}: {len(results)} requests in {time.monotonic() - started:.1f} s:"
          f" {reached} reached the backend, {len(results) - reached - errors} did not,"
          f" {errors} errors -> {args.out}", file=sys.stderr)
    return 0


# ---------------------------------------------------------------------------------------------
# Reading results


def load_results(paths):
    """Result rows in file order; a (target, corpus, id) seen again replaces the earlier row."""
    rows = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as e:
                    sys.exit(f"{path}:{n}: {e}")
                row.setdefault("corpus", "-")
                row.setdefault("source", "-")
                rows[(row["target"], row["corpus"], row["id"])] = row
    return list(rows.values())


def targets_of(rows):
    return list(dict.fromkeys(r["target"] for r in rows))


def blocked(row):
    """Did not reach the backend (an answer without X-Eval-Backend); errors are not scored."""
    return row["error"] is None and not row["reached_backend"]


def scored(row):
    return row["error"] is None


def pct(part, whole):
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def cell(part, whole):
    return f"{part}/{whole} {pct(part, whole)}" if whole else "-"


def table(header, rows, align=None):
    """An aligned plain-text table. `align`: a letter per column, "l" or "r"; by default the
    first column is left-aligned and the others right-aligned."""
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    align = align or "l" + "r" * (len(header) - 1)

    def line(values):
        out = []
        for v, w, a in zip(values, widths, align):
            out.append(str(v).rjust(w) if a == "r" else str(v).ljust(w))
        return "  ".join(out).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), sep] + [line(r) for r in rows])


def group_label(corpus_name, expect):
    return f"{corpus_name}: {'attacks' if expect == 'block' else 'benign'}"


def is_gotestwaf(row):
    return row["corpus"].startswith("gotestwaf") or row["source"].startswith("gotestwaf")


def status_mix(rows):
    """'403:12 400:3' for the statuses of these rows, most frequent first."""
    counts = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return " ".join(f"{s}:{n}" for s, n in sorted(counts.items(), key=lambda kv: (-kv[1],
                                                                                  kv[0])))


# ---------------------------------------------------------------------------------------------
# report


def summarise(rows, targets):
    out = {}
    for t in targets:
        mine = [r for r in rows if r["target"] == t]
        attacks = [r for r in mine if r["expect"] == "block" and scored(r)]
        benign = [r for r in mine if r["expect"] == "pass" and scored(r)]
        caught = [r for r in attacks if blocked(r)]
        fps = [r for r in benign if blocked(r)]
        out[t] = {
            "attacks": len(attacks), "attacks_blocked": len(caught),
            "detection_rate": len(caught) / len(attacks) if attacks else None,
            "benign": len(benign), "benign_blocked": len(fps),
            "false_positive_rate": len(fps) / len(benign) if benign else None,
            "errors": sum(1 for r in mine if not scored(r)),
            "attack_statuses": status_mix(caught), "false_positive_statuses": status_mix(fps),
        }
    return out


def breakdown(rows, targets, dimension):
    """{value: {target: [blocked, scored]}} over the scored rows."""
    out = {}
    for r in rows:
        if not scored(r):
            continue
        counts = out.setdefault(r.get(dimension) or "-", {}).setdefault(r["target"], [0, 0])
        counts[0] += blocked(r)
        counts[1] += 1
    return {k: out[k] for k in sorted(out)}


def gotestwaf_scores(rows, targets):
    """GoTestWAF's own way: 403 blocked, 200/404 passed, anything else (and errors) unresolved."""
    out = {}
    for t in targets:
        mine = [r for r in rows if r["target"] == t and is_gotestwaf(r)]
        if not mine:
            continue
        per = {}
        for expect in ("block", "pass"):
            sel = [r for r in mine if r["expect"] == expect]
            b = sum(1 for r in sel if r["status"] == 403)
            p = sum(1 for r in sel if r["status"] in (200, 404))
            per[expect] = {"blocked": b, "passed": p, "unresolved": len(sel) - b - p}
        out[t] = per
    return out


def cmd_report(args):
    rows = load_results(args.results)
    if not rows:
        sys.exit("no results")
    targets = targets_of(rows)
    lines = []

    def emit(text=""):  # the report is printed once the JSON file is written
        lines.append(text)

    dims = args.by or ["category", "placement"]
    summary = summarise(rows, targets)
    # Attack groups first, each kind in the order the corpora come in the results.
    groups = sorted(dict.fromkeys((r["corpus"], r["expect"]) for r in rows),
                    key=lambda g: g[1] != "block")
    splits = sorted({r["split"] for r in rows})
    per_target = {t: len([r for r in rows if r["target"] == t]) for t in targets}

    emit(f"Detection quality: {len(targets)} target{'s' if len(targets) > 1 else ''};"
         f" splits in the results: {', '.join(splits)};"
         f" corpora: {', '.join(dict.fromkeys(r['corpus'] for r in rows))}")
    if len(set(per_target.values())) > 1:
        emit("note: the targets were not sent the same requests: "
             + ", ".join(f"{t} {n}" for t, n in per_target.items()))
    emit()
    head = ["target", "detection", "blocked/attacks", "false positives", "blocked/benign",
            "errors", "statuses: blocked attacks", "statuses: false positives"]
    body = []
    for t in targets:
        s = summary[t]
        body.append([t, pct(s["attacks_blocked"], s["attacks"]),
                     f"{s['attacks_blocked']}/{s['attacks']}",
                     pct(s["benign_blocked"], s["benign"]), f"{s['benign_blocked']}/{s['benign']}",
                     s["errors"], s["attack_statuses"] or "-", s["false_positive_statuses"] or "-"])
    emit(table(head, body, align="lrrrrrll"))
    emit("detection: attacks that did not reach the backend / attacks answered; false positives:"
         " benign\nrequests that did not reach the backend / benign requests answered; errors (no"
         " answer, timeout)\nare not scored.")

    emit()
    emit("Per corpus: blocked/total (attacks: detection, higher is better; benign: false"
         " positives, lower is better)")
    emit(table(["corpus"] + targets,
               [[group_label(*g)] + [cell(*_count(rows, t, g)) for t in targets]
                for g in groups]))

    go = gotestwaf_scores(rows, targets)
    if go:
        emit()
        emit("GoTestWAF's scoring (403 blocked, 200/404 passed, other statuses and errors"
             " unresolved; % of resolved):")
        body = []
        for t, per in go.items():
            a, b = per["block"], per["pass"]
            body.append([t, cell(a["blocked"], a["blocked"] + a["passed"]), a["unresolved"],
                         cell(b["passed"], b["blocked"] + b["passed"]), b["unresolved"]])
        emit(table(["target", "attacks blocked", "unresolved", "false-pos passed", "unresolved"],
                   body))

    detail = {}
    for g in groups:
        sel = [r for r in rows if (r["corpus"], r["expect"]) == g]
        detail[group_label(*g)] = {}
        for dim in dims:
            data = breakdown(sel, targets, dim)
            detail[group_label(*g)][dim] = data
            emit()
            what = "detection" if g[1] == "block" else "false positives"
            emit(f"{group_label(*g)} by {dim}, blocked/total ({what})")
            body = [[value] + [cell(*data[value].get(t, [0, 0])) for t in targets]
                    for value in data]
            totals = [sum(data[v].get(t, [0, 0])[i] for v in data) for t in targets
                      for i in (0, 1)]
            body.append(["(all)"] + [cell(totals[2 * i], totals[2 * i + 1])
                                     for i in range(len(targets))])
            emit(table([dim] + targets, body))

    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"targets": targets, "splits": splits, "summary": summary,
                       "corpora": {group_label(*g): {t: dict(zip(("blocked", "total"),
                                                                 _count(rows, t, g)))
                                                     for t in targets} for g in groups},
                       "breakdown": {g: {d: {v: {t: {"blocked": c[0], "total": c[1]}
                                                 for t, c in per.items()}
                                             for v, per in data.items()}
                                         for d, data in dims_.items()}
                                     for g, dims_ in detail.items()},
                       "gotestwaf": go}, f, indent=1, sort_keys=False)
            f.write("\n")
    print("\n".join(lines))
    return 0


def _count(rows, target, group):
    sel = [r for r in rows
           if r["target"] == target and (r["corpus"], r["expect"]) == group and scored(r)]
    return sum(1 for r in sel if blocked(r)), len(sel)


# ---------------------------------------------------------------------------------------------
# misses


def one_target(rows, target):
    targets = targets_of(rows)
    if target is None:
        if len(targets) != 1:
            sys.exit(f"--target: the results hold {', '.join(targets)}")
        target = targets[0]
    mine = [r for r in rows if r["target"] == target]
    if not mine:
        sys.exit(f"no results for target {target!r} (there are: {', '.join(targets)})")
    return target, mine


def is_miss(row):
    """An attack that reached the backend, or a benign request that did not."""
    return scored(row) and (blocked(row) != (row["expect"] == "block"))


def cmd_misses(args):
    target, mine = one_target(load_results(args.results), args.target)
    if args.expect:
        mine = [r for r in mine if r["expect"] == args.expect]
    misses = [r for r in mine if is_miss(r)]
    attacks = [r for r in mine if r["expect"] == "block" and scored(r)]
    benign = [r for r in mine if r["expect"] == "pass" and scored(r)]
    passed = sum(1 for r in misses if r["expect"] == "block")
    said = []
    if args.expect != "pass":
        said.append(f"{passed} of {len(attacks)} attacks reached the backend")
    if args.expect != "block":
        said.append(f"{len(misses) - passed} of {len(benign)} benign requests did not")
    print(f"# {target}: {', '.join(said)}")
    if misses:
        print(table(["id", "corpus", "expect", "status", "category", "placement", "encoding",
                     "split"],
                    [[r["id"], r["corpus"], r["expect"], r["status"], r["category"],
                      r["placement"], r["encoding"], r["split"]] for r in misses],
                    align="l" * 8))
    return 0


# ---------------------------------------------------------------------------------------------
# rules

MODSEC_FIELD = re.compile(r'\[(id|msg|unique_id) "((?:[^"\\]|\\.)*)"\]')


def read_waf_log(path):
    """request id -> [(rule id, msg)] in log order, from rampart's attack log (JSON lines) or
    from nginx's error log (ModSecurity lines, request id = [unique_id])."""
    out = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue
                out.setdefault(rec.get("request_id", "?"), []).extend(
                    (str(r.get("id", "?")), r.get("msg", "")) for r in rec.get("rules", []))
            elif "ModSecurity: " in line:
                fields = {}
                for k, v in MODSEC_FIELD.findall(line):
                    fields.setdefault(k, v)
                out.setdefault(fields.get("unique_id", "?"), []).append(
                    (fields.get("id", "?"), fields.get("msg", "")))
    return out


def cmd_rules(args):
    target, mine = one_target(load_results(args.results), args.target)
    by_rid = {}
    for r in mine:
        if r.get("request_id"):
            by_rid.setdefault(r["request_id"], []).append(r)
    found = read_waf_log(args.attack_log)
    msgs, per_rule, listed = {}, {}, []
    unknown = 0
    for rid, matches in found.items():
        if rid not in by_rid:
            unknown += 1
            continue
        rules = list(dict.fromkeys(rule for rule, _ in matches))
        for rule, msg in matches:
            # 949110's message carries the request's score; the rule is the same.
            msgs.setdefault(rule, re.sub(r" \(Total Score: \d+\)$", "", msg))
        for r in by_rid[rid]:
            listed.append((r, rules))
            if not scored(r):
                continue
            for rule in rules:
                c = per_rule.setdefault(rule, {"block": [0, 0], "pass": [0, 0]})
                c[r["expect"]][0] += 1
                c[r["expect"]][1] += blocked(r)
    order = {id(r): i for i, r in enumerate(mine)}
    listed.sort(key=lambda x: order[id(x[0])])
    if args.expect:
        listed = [x for x in listed if x[0]["expect"] == args.expect]
    ambiguous = sum(1 for v in by_rid.values() if len(v) > 1)
    print(f"# {target}: rule matches in {args.attack_log}"
          + (f"; {unknown} log records of other requests left out" if unknown else "")
          + (f"; {ambiguous} request ids shared by several requests" if ambiguous else ""))
    print("# per rule: the requests that matched it (benign: false-positive rules) and how many"
          " of them were blocked")
    body = [[rule, c["pass"][0], c["pass"][1], c["block"][0], c["block"][1], msgs.get(rule, "")]
            for rule, c in sorted(per_rule.items(),
                                  key=lambda kv: (-kv[1]["pass"][0], -kv[1]["block"][0], kv[0]))]
    if body:
        print(table(["rule", "benign", "benign blocked", "attacks", "attacks blocked", "msg"],
                    body, align="lrrrrl"))
    print()
    print(f"# per request: {len(listed)} "
          + {"block": "attacks", "pass": "benign requests"}.get(args.expect, "requests")
          + " with rule matches, in corpus order")
    if listed:
        print(table(["id", "corpus", "expect", "outcome", "category", "placement", "rules"],
                    [[r["id"], r["corpus"], r["expect"],
                      "error" if not scored(r) else "blocked" if blocked(r) else "passed",
                      r["category"], r["placement"], ",".join(rules)] for r, rules in listed],
                    align="l" * 7))
    return 0


# ---------------------------------------------------------------------------------------------


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(__doc__.splitlines()[2:]))
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send", help="send corpora to a target, write results")
    s.add_argument("corpus", nargs="+", help="JSON-lines corpus files")
    s.add_argument("--target", required=True, help="the target's name in the results")
    s.add_argument("--address", required=True, help="HOST:PORT")
    s.add_argument("--out", required=True, help="results file (JSON lines), overwritten")
    s.add_argument("--connections", type=int, default=8)
    s.add_argument("--timeout", type=float, default=30, help="seconds per socket operation")
    s.add_argument("--split", choices=("tune", "holdout", "all"), default="all")
    s.set_defaults(fn=cmd_send)
    s = sub.add_parser("report", help="tables over results files")
    s.add_argument("results", nargs="+")
    s.add_argument("--json", help="also write the figures to this file")
    s.add_argument("--by", action="append", choices=DIMENSIONS,
                   help="breakdown tables (repeatable; default: category and placement)")
    s.set_defaults(fn=cmd_report)
    s = sub.add_parser("misses", help="attacks that passed, benign requests that were blocked")
    s.add_argument("results", nargs="+")
    s.add_argument("--target")
    s.add_argument("--expect", choices=("block", "pass"))
    s.set_defaults(fn=cmd_misses)
    s = sub.add_parser("rules", help="rule ids per request and per rule, from the WAF log")
    s.add_argument("results", nargs="+")
    s.add_argument("--attack-log", required=True,
                   help="rampart's attack log or nginx's error log of the target")
    s.add_argument("--target")
    s.add_argument("--expect", choices=("block", "pass"), help="list only these requests")
    s.set_defaults(fn=cmd_rules)
    args = p.parse_args()
    try:
        sys.exit(args.fn(args) or 0)
    except BrokenPipeError:  # e.g. piped into head
        sys.exit(0)


if __name__ == "__main__":
    main()
