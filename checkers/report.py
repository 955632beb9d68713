"""report.py — results a person can read: a text timeline and a self-contained HTML page.

The text report (`describe`) lists the operations of the (minimal) counterexample in call order,
one column per client, each as [call, return] relative to the first call, and marks the operations
of the longest partial linearization with their position (#1, #2, ...) and the state after each;
the unmarked operations are those that could not be placed after it — the conflict.

The HTML page (`write_html`, `Result.to_html`) works for every Result. No script, no URL outside
the page. Each section is a time line: one lane per client, one box per operation from its call to
its return (a pending one runs on to the "pending" column at the right, dashed). The horizontal
axis is the order of events (distinct call/return times, ranked), not real time: only that order
matters to linearizability, and ranking keeps short operations next to long ones visible. An
operation covers the columns of its call and return instants inclusive, so two boxes overlap
exactly when the operations are concurrent (closed intervals). Per verdict:
  * illegal: one section, the minimal counterexample: the longest partial linearization in green,
    numbered #n in its order, each with its linearization point marked; the operations that
    cannot follow it in red; then that linearization and the conflict as lists, and the text
    report.
  * ok: the linearization found, one section per partition (as Porcupine shows): every box
    numbered by its position in its partition's linearization and its linearization point marked
    (the earliest instant consistent with the order: the latest call among it and the operations
    before it), then the list in order with the state after each step. Pending operations that
    need not take effect are drawn unnumbered in grey. A 0-operation history says so.
  * unknown: the history as recorded, per partition, in neutral colour, labelled as undecided:
    no linearization and no counterexample is known.
Text: red (conflict) boxes always hold their full label — they widen their columns and wrap long
outputs onto more lines instead of cutting them; other boxes do the same in sections of up to
FIT_ALL operations and are cut with an ellipsis beyond that. Every box's title (tooltip) has the
full text. DOM (what tests read): `.verdict`, `.summary`, `section.partition` per section, `.op`
per box (classes lin / conflict / plain / skipped, fit or cut; `data-client`, `data-call`,
`data-ret`, `data-order` when numbered) with its text in `.label`, `.lin-point` per linearization
point (`data-order`, `data-at`: its instant), `li.lin-step` per linearization step.
Cost: O(n log n) for n operations, plus one model step and state description per linearized
operation (states are skipped past STATES_MAX steps).
"""
from __future__ import annotations

import html
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple, Union

from .history import Number, Operation
from .models import UNKNOWN, Model

if TYPE_CHECKING:  # check.py imports this module lazily; no import cycle at run time
    from .check import Result

VERDICT_WORDS = {"ok": "linearizable", "illegal": "NOT linearizable", "unknown": "unknown"}
UNKNOWN_WORDS = {"timeout": "timed out", "memory limit": "memory limit reached: raise --max-memory",
                 "out of memory": "out of memory"}
FIT_ALL = 40  # sections up to this many operations show every label in full
STATES_MAX = 5000  # linearizations longer than this are listed without the state after each step
STATE_CHARS = 300  # a state description is cut (with an ellipsis) past this many characters


def _states(model: Model, lin: Sequence[Operation]) -> List[str]:
    """The model's state after each operation of `lin` applied in order ("" when unknown); for a
    nondeterministic model, every state it may be in ("a | b")."""
    out: List[str] = []
    if len(lin) > STATES_MAX:
        return [""] * len(lin)
    try:
        cur: List[Any] = [model.init()]  # the model's own state type
        for op in lin:
            nxt: Dict[Any, Any] = {}
            for state in cur:
                for new in model.steps(state, op.input, UNKNOWN if op.pending else op.output):
                    nxt.setdefault(model.key(new), new)
            cur = list(nxt.values()) or cur
            text = " | ".join(model.describe_state(s) for s in cur)
            out.append(text if len(text) <= STATE_CHARS else text[:STATE_CHARS - 1] + "\u2026")
    except Exception:  # a model without a Python step (or an odd input): no states, still a page
        out = []
    return out + [""] * (len(lin) - len(out))


def _timeline(result: Result) -> Tuple[List[Operation], Dict[int, int], List[str]]:
    hist = result.counterexample or result.partition or result.history
    ops = sorted(hist.operations, key=lambda o: (o.call, str(o.client)))
    order: Dict[int, int] = {}
    states: List[str] = []
    if result.partial_linearizations:
        lin = result.partial_linearizations[0]
        order = {id(op): n for n, op in enumerate(lin, 1)}
        states = _states(result.model, lin)
    return ops, order, states


def describe(result: Result) -> str:
    """The verdict line and, for an illegal history, the timeline of its counterexample."""
    head = VERDICT_WORDS.get(result.verdict, result.verdict)
    if result.verdict == "unknown" and result.unknown_reason:
        head += " (%s)" % UNKNOWN_WORDS.get(result.unknown_reason, result.unknown_reason)
    lines = ["%s (model %s, %d operations, %.3fs)" % (head, result.model.name,
                                                     len(result.history), result.seconds)]
    if result.verdict != "illegal":
        return lines[0]
    ops, order, states = _timeline(result)
    t0 = min(o.call for o in ops)
    clients = sorted({o.client for o in ops}, key=str)
    lines.append("%s: %d operations (of %d in the failing partition), clients %s"
                 % (_cx_words(result), len(ops), len(result.partition or []), ", ".join(map(str, clients))))
    known = bool(result.partial_linearizations)
    if known:
        lines.append("longest partial linearization: %d of %d operations (marked #n); the unmarked "
                     "ones cannot follow it; times relative to the first call" % (len(order), len(ops)))
    else:
        lines.append("longest partial linearization: not computed (the time budget ran out); "
                     "times relative to the first call")
    for op in ops:
        when = "[%s, %s]" % (_fmt(op.call - t0), "pending" if op.ret is None else _fmt(op.ret - t0))
        mark = "#%d" % order[id(op)] if id(op) in order else ("!!" if known else "  ")
        after = ""
        if id(op) in order and states[order[id(op)] - 1]:
            after = "   state: %s" % states[order[id(op)] - 1]
        lines.append("  %-3s client %-4s %-24s %s%s%s" % (mark, op.client, when,
                                                          result.model.describe_operation(op), after,
                                                          _where(op)))
    first = result.first_failure
    if first is not None:
        lines.append("first failure: %s by client %s%s — the history up to its return has no "
                     "linearization" % (result.model.describe_operation(first), first.client, _where(first)))
    return "\n".join(lines)


def _where(op: Operation) -> str:
    """'   (line 12-14)': where a file reader found the operation's call and return."""
    if op.call_line is None:
        return ""
    if op.ret_line is None or op.ret_line == op.call_line:
        return "   (line %d)" % op.call_line
    return "   (lines %d-%d)" % (op.call_line, op.ret_line)


def _cx_words(result: Result) -> str:
    if result.minimal:
        return "minimal counterexample"
    return "counterexample (not minimal: minimisation was skipped or ran out of time)"


def _fmt(x: Number) -> str:
    return ("%d" % x) if isinstance(x, int) else ("%.6g" % x)


def _exact(x: Number) -> str:
    """A time as data attribute: exact (repr of a float), so a reader can compare it."""
    return ("%d" % x) if isinstance(x, int) else repr(float(x))


# ---- the HTML page --------------------------------------------------------------------------

@dataclass
class _Box:
    op: Operation
    kind: str  # "lin" (green, numbered) | "conflict" (red) | "plain" (unknown verdict) | "skipped"
    order: Optional[int] = None
    point: Optional[Number] = None  # the linearization point of a numbered operation
    state: str = ""


@dataclass
class _Section:
    title: str
    boxes: List[_Box] = field(default_factory=list)
    note: str = ""
    counterexample: bool = False


def _numbered(lin: Sequence[Operation], states: List[str]) -> List[_Box]:
    """Boxes for a (partial) linearization: order numbers and linearization points.

    The point of the n-th operation is the latest call among the first n: it is inside every
    operation's [call, return] for a valid order (none may follow an operation that returned
    before it was called), and the points are non-decreasing in order."""
    out: List[_Box] = []
    point: Optional[Number] = None
    for n, op in enumerate(lin, 1):
        point = op.call if point is None or op.call > point else point
        out.append(_Box(op, "lin", n, point, states[n - 1] if n - 1 < len(states) else ""))
    return out


def _key_of(ops: Sequence[Operation]) -> str:
    keys = {repr(op.input["key"]) for op in ops if "key" in op.input}
    return (", key %s" % next(iter(keys))) if len(keys) == 1 and all("key" in op.input for op in ops) else ""


def _parts(model: Model, ops: Sequence[Operation]) -> List[List[Operation]]:
    try:
        parts = [p for p in model.partition(ops) if p]
    except Exception:  # the model cannot split this history: draw it whole
        return [list(ops)]
    seen = {id(o) for p in parts for o in p}
    rest = [o for o in ops if id(o) not in seen]
    return parts + ([rest] if rest else [])


def _sections(result: Result) -> Tuple[List[_Section], str]:
    """What the page draws, and the summary line above it."""
    model, hist = result.model, result.history
    n = len(hist)
    if result.verdict == "illegal":
        cx = result.counterexample or result.partition or hist
        lin = result.partial_linearizations[0] if result.partial_linearizations else []
        boxes = _numbered(lin, _states(model, lin))
        ids = {id(b.op) for b in boxes}
        boxes += [_Box(op, "conflict") for op in cx.operations if id(op) not in ids]
        sec = _Section("The %s: %d operations of the failing partition's %d"
                       % (_cx_words(result), len(cx), len(result.partition or cx)), boxes, counterexample=True)
        return [sec], ("NOT linearizable: no order of the operations below is consistent with both "
                       "real time and the model. Green: the longest partial linearization (#n, in "
                       "its order, its linearization point marked), red: the operations that cannot "
                       "follow it — the conflict.")
    if n == 0:
        return [], ("The history has no operations: trivially linearizable; there is nothing to "
                    "draw." if result.verdict == "ok" else
                    "The history has no operations; verdict %s." % result.verdict)
    if result.verdict != "ok" or not result.partial_linearizations:
        parts = _parts(model, hist.operations)
        secs = [_Section("Partition %d of %d: %d operations%s" % (i, len(parts), len(p), _key_of(p)),
                         [_Box(op, "plain") for op in p]) for i, p in enumerate(parts, 1)]
        if result.verdict == "ok":
            return secs, ("Linearizable. This result records no linearization, so the history "
                          "(%d operations) is drawn without one." % n)
        return secs, ("Verdict %s: the checker's time or memory budget ran out before it decided, "
                      "so no linearization and no counterexample is known. Below is the history "
                      "as recorded (%d operations), with no linearization." % (result.verdict, n))
    # ok, with one linearization per partition (an empty one, of a partition of pending reads
    # only, gets no section of its own: those operations are drawn as a partition of their own)
    lins = [lin for lin in result.partial_linearizations if lin]
    secs = [_Section("", _numbered(lin, _states(model, lin))) for lin in lins]
    in_hist = {id(o) for o in hist.operations}
    placed = {id(o) for lin in lins for o in lin}
    copies = Counter(repr(o) for lin in lins for o in lin if id(o) not in in_hist)  # built by hand
    rest: List[Operation] = []
    for op in hist.operations:
        if id(op) in placed:
            continue
        if copies and copies[repr(op)] > 0:
            copies[repr(op)] -= 1
            continue
        rest.append(op)
    if rest:  # pending operations that need not take effect: in their partition's section
        where = {id(o): i for i, lin in enumerate(lins) for o in lin}
        unplaced = {id(o) for o in rest}
        extra: List[List[Operation]] = []
        for part in _parts(model, hist.operations):
            home = next((where[id(o)] for o in part if id(o) in where), None)
            left = [o for o in part if id(o) in unplaced]
            if home is None:
                if left:
                    extra.append(left)
            else:
                secs[home].boxes += [_Box(o, "skipped") for o in left]
        for part in extra:
            secs.append(_Section("", [_Box(o, "skipped") for o in part],
                                 note="none of these needs to take effect"))
    for i, sec in enumerate(secs, 1):
        numbered = sum(1 for b in sec.boxes if b.order is not None)
        sec.title = "Partition %d of %d: %d operations%s, linearized in the order #1..#%d" % (
            i, len(secs), len(sec.boxes), _key_of([b.op for b in sec.boxes]), numbered)
        if numbered < len(sec.boxes) and not sec.note:
            sec.note = "unnumbered (grey): pending operations that need not take effect"
    return secs, ("Linearizable: every partition has a linearization, shown below (%d operations, "
                  "%d partitions). Each box is numbered by its position in its partition's "
                  "linearization; the marked point on it is where it takes effect." % (n, len(secs)))


def _label(model: Model, box: _Box, numbered: bool = True) -> str:
    text = model.describe_operation(box.op)
    return ("#%d %s" % (box.order, text)) if box.order is not None and numbered else text


def _client_key(c: Any) -> Tuple[int, float, str]:
    """Lanes in a natural order: numeric client ids by value (2 before 10), then the rest."""
    if isinstance(c, (int, float)) and not isinstance(c, bool):
        return (0, float(c), "")
    return (1, 0.0, str(c))


def _when(op: Operation) -> str:
    return "[%s, %s]" % (_fmt(op.call), "pending" if op.ret is None else _fmt(op.ret))


def _title(box: _Box, label: str) -> str:
    t = "client %s %s: %s" % (box.op.client, _when(box.op), label)
    if box.state:
        t += "\nstate after: " + box.state
    if box.kind == "conflict":
        t += "\ncannot follow the partial linearization"
    elif box.kind == "skipped":
        t += "\npending; need not take effect"
    return t


def _grid(model: Model, sec: _Section) -> str:
    """One time line: a CSS grid, column 1 the lane names, then one column per distinct instant
    and a last one for pending operations; each client's lane has as many rows as it needs so
    that its boxes never overlap (an operation called at the instant another of its client
    returned, or after one still pending)."""
    boxes = sorted(sec.boxes, key=lambda b: (b.op.call, str(b.op.client)))
    if not boxes:
        return ""
    times = sorted({b.op.call for b in boxes} | {b.op.ret for b in boxes if b.op.ret is not None})
    col = {t: i + 2 for i, t in enumerate(times)}
    pending_col = len(times) + 2
    fit_all = len(boxes) <= FIT_ALL
    lanes: Dict[Any, List[List[int]]] = {}  # client -> rows -> last column used
    placed: List[Tuple[_Box, int, int, int, Any]] = []  # box, first col, last col, row in lane, client
    for b in boxes:
        first = col[b.op.call]
        last = pending_col if b.op.ret is None else col[b.op.ret]
        rows = lanes.setdefault(b.op.client, [])
        row = next((i for i, r in enumerate(rows) if r[0] < first), None)
        if row is None:
            rows.append([last])
            row = len(rows) - 1
        else:
            rows[row][0] = last
        placed.append((b, first, last, row, b.op.client))
    clients = sorted(lanes, key=_client_key)
    base: Dict[Any, int] = {}
    line = 2  # grid row 1 is the header
    for c in clients:
        base[c] = line
        line += len(lanes[c])
    # With a box shown whole, columns are sized by their content ("auto": at least the
    # min-content of every box over them, so such a box widens the columns it spans) and an
    # empty tick per column sets its least width; without one, fixed columns (cheap to lay out).
    width = 10 if fit_all else 14
    if fit_all or any(b.kind == "conflict" for b in boxes):
        columns = "repeat(%d,auto)" % (len(times) + 1)
        ticks = ['<i class="tick" style="grid-column:%d;width:%dpx"></i>' % (k, width)
                 for k in range(2, pending_col)]
    else:
        columns, ticks = "repeat(%d,minmax(%dpx,1fr)) minmax(4.5em,1fr)" % (len(times), width), []
    parts = ['<div class="scroll"><div class="grid" style="grid-template-columns:9em %s">' % columns]
    parts.append('<div class="hdr" style="grid-row:1;grid-column:1">client</div>'
                 '<div class="hdr" style="grid-row:1;grid-column:2/%d">event order &#8594;</div>'
                 '<div class="hdr pend" style="grid-row:1;grid-column:%d">%s</div>'
                 % (pending_col, pending_col, "pending" if any(b.op.pending for b in boxes) else ""))
    parts += ticks
    for k, c in enumerate(clients):
        span = len(lanes[c])
        parts.append('<div class="lane%s" style="grid-row:%d/span %d;grid-column:1/-1"></div>'
                     '<div class="who" style="grid-row:%d/span %d;grid-column:1" title="client %s">'
                     'client %s</div>' % (" alt" if k % 2 else "", base[c], span, base[c], span,
                                          html.escape(str(c)), html.escape(str(c))))
    for b, first, last, row, c in placed:
        fit = fit_all or b.kind == "conflict"
        label = _label(model, b, numbered=fit)  # a cut box's number is on its point marker
        classes = "op %s %s%s" % (b.kind, "fit" if fit else "cut", " pending" if b.op.pending else "")
        attrs = ' data-client="%s" data-call="%s" data-ret="%s"' % (
            html.escape(str(c)), _exact(b.op.call), "" if b.op.ret is None else _exact(b.op.ret))
        if b.order is not None:
            attrs += ' data-order="%d"' % b.order
        grid_row = base[c] + row
        parts.append('<div class="%s" style="grid-row:%d;grid-column:%d/%d" title="%s"%s>'
                     '<span class="label">%s</span></div>'
                     % (classes, grid_row, first, last + 1, html.escape(_title(b, _label(model, b))), attrs,
                        html.escape(label)))
        if b.order is not None and b.point is not None:
            parts.append('<div class="lin-point" style="grid-row:%d;grid-column:%d" data-order="%d" '
                         'data-at="%s" title="#%d takes effect here (%s)"><b>%d</b></div>'
                         % (grid_row, col.get(b.point, first), b.order, _exact(b.point), b.order,
                            html.escape(_fmt(b.point)), b.order))
    parts.append("</div></div>")
    return "".join(parts)


def _lists(model: Model, sec: _Section) -> str:
    lin = sorted((b for b in sec.boxes if b.order is not None), key=lambda b: b.order or 0)
    out = []
    if lin:
        head = "Longest partial linearization" if sec.counterexample else "Linearization"
        out.append("<p class='list-head'>%s (%d operations, in order):</p><ol class='lin'>"
                   % (head, len(lin)))
        for b in lin:
            after = (" <span class='state'>&#8594; %s</span>" % html.escape(b.state)) if b.state else ""
            # numbered 1..n by the list itself: explicit value= numbering is quadratic in Chromium
            out.append("<li class='lin-step'><span class='who'>client %s %s</span> "
                       "<code>%s</code>%s</li>" % (html.escape(str(b.op.client)),
                                                   html.escape(_when(b.op)),
                                                   html.escape(model.describe_operation(b.op)), after))
        out.append("</ol>")
    bad = [b for b in sec.boxes if b.kind == "conflict"]
    if bad:
        out.append("<p class='list-head'>Cannot follow it (the conflict):</p><ul class='conflicts'>")
        out += ["<li class='conflict-step'><span class='who'>client %s %s</span> <code>%s</code></li>"
                % (html.escape(str(b.op.client)), html.escape(_when(b.op)),
                   html.escape(model.describe_operation(b.op))) for b in bad]
        out.append("</ul>")
    return "".join(out)


_CSS = """
body{font-family:sans-serif;margin:20px;color:#222}
h1{font-size:1.35em;margin:0 0 .4em}h1.verdict-illegal{color:#b52b27}h1.verdict-ok{color:#2c7a48}
h1.verdict-unknown{color:#8a6d00}
h2{font-size:1.05em;margin:1.4em 0 .4em}
.summary{max-width:70em}.note{color:#555;font-size:.9em;margin:.2em 0}
.legend span{display:inline-block;padding:2px 8px;margin:0 10px 4px 0;border-radius:3px;font-size:.9em}
.scroll{overflow-x:auto;padding-bottom:4px}
.grid{display:grid;grid-auto-rows:minmax(38px,auto);align-items:stretch;min-width:100%;
 font:12px/1.35 monospace;position:relative}
.hdr{font:11px sans-serif;color:#777;padding:2px 4px;border-bottom:1px solid #ccc}
.hdr.pend{text-align:center;min-width:4.5em}
.tick{grid-row:1;height:0}
.lane{background:#fff;border-bottom:1px solid #e4e4e4;z-index:0}.lane.alt{background:#f7f7f9}
.who{font:12px sans-serif;padding:12px 6px 0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;
 z-index:1}
.op{z-index:1;margin:9px 1px 5px;padding:8px 5px 4px;border:2px solid;border-radius:4px;
 box-sizing:border-box}
.op.lin{background:#b9e2c6;border-color:#3a9d5d}
.op.conflict{background:#f2a9a7;border-color:#c9302c;font-weight:bold}
.op.plain{background:#d7dee8;border-color:#6c7a89}
.op.skipped{background:#eeeeee;border-color:#999;color:#555}
.op.pending{border-style:dashed}
.op.fit .label{display:block;width:max-content;max-width:64ch;white-space:pre-wrap;overflow-wrap:anywhere}
.op.cut{position:relative;min-height:28px}
.op.cut .label{position:absolute;left:4px;right:4px;top:8px;white-space:pre;overflow:hidden;
 text-overflow:ellipsis}
.lin-point{z-index:2;justify-self:center;align-self:start;margin-top:1px;width:17px;height:17px;
 border-radius:50%;background:#1d3b2a;color:#fff;font:bold 10px/17px sans-serif;text-align:center;
 box-shadow:0 0 0 2px #fff}
ol.lin,ul.conflicts{font-size:.9em;margin-top:.2em;overflow-wrap:anywhere}
.note code{white-space:pre-wrap;overflow-wrap:anywhere}ol.lin code,ul.conflicts code{white-space:pre-wrap;
 overflow-wrap:anywhere}
.conflict-step code{color:#b52b27;font-weight:bold}.state{color:#555}
.list-head{margin:.8em 0 0;font-size:.95em}
pre{background:#f6f6f6;padding:10px;white-space:pre-wrap;overflow-wrap:anywhere}
"""


def write_html(result: Result, path: Union[str, os.PathLike[str]]) -> Path:
    """Writes the page for `result` (any verdict, any number of operations) to `path`; returns it."""
    out = Path(path)
    model = result.model
    sections, summary = _sections(result)
    word = VERDICT_WORDS.get(result.verdict, result.verdict)
    title = "%s — %s" % (result.history.name or "history", word)
    legend = {
        "illegal": "<span style='background:#b9e2c6'>#n: the longest partial linearization, in order</span>"
                   "<span style='background:#1d3b2a;color:#fff'>n</span>its linearization point"
                   "<span style='background:#f2a9a7'>cannot follow it: the conflict</span>",
        "ok": "<span style='background:#b9e2c6'>#n: position in the partition's linearization</span>"
              "<span style='background:#1d3b2a;color:#fff'>n</span>its linearization point"
              "<span style='background:#eeeeee'>pending, need not take effect</span>",
    }.get(result.verdict, "<span style='background:#d7dee8'>an operation (undecided: no "
                          "linearization known)</span>")
    body = ["<h1 class='verdict verdict-%s'>%s</h1>" % (html.escape(result.verdict), html.escape(title)),
            "<p class='summary'>%s <span class='note'>(model %s, %d operations in the history, "
            "checked in %.3fs)</span></p>" % (html.escape(summary), html.escape(model.name),
                                             len(result.history), result.seconds)]
    if sections:
        body.append("<p class='legend'>%s dashed: pending (may take effect any time after its call, "
                    "or never). Left to right: the order of call and return instants, not to scale; "
                    "overlapping boxes are concurrent. Hover a box for its full text.</p>" % legend)
    first = getattr(result, "first_failure", None)
    if first is not None:
        body.append("<p class='note'>First failure: the history has no linearization once client "
                    "%s's <code>%s</code> returns at %s.</p>"
                    % (html.escape(str(first.client)), html.escape(model.describe_operation(first)),
                       html.escape(_fmt(first.ret) if first.ret is not None else "(pending)")))
    for i, sec in enumerate(sections, 1):
        body.append("<section class='partition%s' data-section='%d'><h2>%s</h2>"
                    % (" counterexample" if sec.counterexample else "", i, html.escape(sec.title)))
        if sec.note:
            body.append("<p class='note'>%s</p>" % html.escape(sec.note))
        body.append(_grid(model, sec))
        body.append(_lists(model, sec))
        body.append("</section>")
    if result.verdict == "illegal":
        body.append("<h2>Text report</h2><pre>%s</pre>" % html.escape(result.describe()))
    doc = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>%s</title><style>%s</style>"
           "</head><body>%s</body></html>" % (html.escape(title), _CSS, "".join(body)))
    out.write_text(doc, encoding="utf-8")
    return out
