"""report.py — counterexamples a person can read: a text timeline and a self-contained HTML page.

The text report lists the operations of the (minimal) counterexample in call order, one column
per client, each as [call, return] relative to the first call, and marks the operations of the
longest partial linearization with their position (#1, #2, ...) and the state after each; the
unmarked operations are those that could not be placed after it — the conflict.
The HTML page draws clients x time as an SVG (no script, no network): one lane per client, one bar
per operation from call to return (pending ones run to the right edge, dashed), linearized ones
green and numbered, the conflicting ones red, with the text report below.
"""
from __future__ import annotations

import html
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Tuple, Union

from .history import Number, Operation

if TYPE_CHECKING:  # check.py imports this module lazily; no import cycle at run time
    from .check import Result


def _timeline(result: Result) -> Tuple[List[Operation], Dict[int, int], List[str]]:
    hist = result.counterexample or result.partition or result.history
    ops = sorted(hist.operations, key=lambda o: (o.call, str(o.client)))
    order: Dict[int, int] = {}
    states: List[str] = []
    if result.partial_linearizations:
        model = result.model
        state: Any = model.init()  # the model's own state type
        for n, op in enumerate(result.partial_linearizations[0], 1):
            order[id(op)] = n
            try:
                _, state = model.step(state, op.input, op.output)
                states.append(model.describe_state(state))
            except NotImplementedError:
                states.append("")
    return ops, order, states


def describe(result: Result) -> str:
    """The verdict line and, for an illegal history, the timeline of its counterexample."""
    head = {"ok": "linearizable", "illegal": "NOT linearizable", "unknown": "unknown"}[result.verdict]
    lines = ["%s (model %s, %d operations, %.3fs)" % (head, result.model.name,
                                                     len(result.history), result.seconds)]
    if result.verdict != "illegal":
        return lines[0]
    ops, order, states = _timeline(result)
    t0 = min(o.call for o in ops)
    clients = sorted({o.client for o in ops}, key=str)
    lines.append("minimal counterexample: %d operations (of %d in the failing partition), "
                 "clients %s" % (len(ops), len(result.partition or []), ", ".join(map(str, clients))))
    lines.append("longest partial linearization: %d of %d operations (marked #n); the unmarked "
                 "ones cannot follow it" % (len(order), len(ops)))
    for op in ops:
        when = "[%s, %s]" % (_fmt(op.call - t0), "pending" if op.ret is None else _fmt(op.ret - t0))
        mark = "#%d" % order[id(op)] if id(op) in order else "!!"
        after = ""
        if id(op) in order and states[order[id(op)] - 1]:
            after = "   state: %s" % states[order[id(op)] - 1]
        lines.append("  %-3s client %-4s %-24s %s%s" % (mark, op.client, when,
                                                        result.model.describe_operation(op), after))
    return "\n".join(lines)


def _fmt(x: Number) -> str:
    return ("%d" % x) if isinstance(x, int) else ("%.6g" % x)


def write_html(result: Result, path: Union[str, os.PathLike[str]]) -> Path:
    """Writes the visualisation to `path` and returns it."""
    out = Path(path)
    hist = result.counterexample or result.partition or result.history
    ops, order, _ = _timeline(result)
    if not ops:
        ops = list(hist.operations)
    clients = sorted({o.client for o in ops}, key=str)
    lane = {c: i for i, c in enumerate(clients)}
    t0 = min(o.call for o in ops)
    t1 = max([o.ret for o in ops if o.ret is not None] + [o.call for o in ops])
    span = (t1 - t0) or 1
    W, left, lane_h = 1100, 90, 46
    height = 40 + lane_h * len(clients)
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" '
             'font-size="11">' % (W + 20, height)]
    for c, i in lane.items():
        y = 30 + i * lane_h
        parts.append('<text x="5" y="%d">client %s</text>' % (y + 20, html.escape(str(c))))
        parts.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#ddd"/>' % (left, W, y + 38, y + 38))
    for op in ops:
        y = 30 + lane[op.client] * lane_h
        x0 = left + (op.call - t0) / span * (W - left - 10)
        x1 = W if op.ret is None else left + (op.ret - t0) / span * (W - left - 10)
        lin = id(op) in order
        color = "#3a9d5d" if lin else "#d9534f"
        dash = ' stroke-dasharray="4 3"' if op.pending else ""
        label = ("#%d " % order[id(op)] if lin else "") + result.model.describe_operation(op)
        parts.append('<g><title>%s</title><rect x="%.1f" y="%d" width="%.1f" height="26" rx="4" '
                     'fill="%s" fill-opacity="0.25" stroke="%s"%s/><text x="%.1f" y="%d">%s</text></g>'
                     % (html.escape(label), x0, y + 6, max(x1 - x0, 3), color, color, dash, x0 + 3,
                        y + 23, html.escape(label[:60])))
    parts.append("</svg>")
    title = "%s — %s" % (hist.name or "history", {"ok": "linearizable", "illegal": "NOT linearizable",
                                                    "unknown": "unknown"}[result.verdict])
    doc = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>%s</title><style>"
           "body{font-family:sans-serif;margin:20px}pre{background:#f6f6f6;padding:10px}"
           ".legend span{display:inline-block;padding:2px 8px;margin-right:10px;border-radius:3px}"
           "</style></head><body><h2>%s</h2><p class='legend'>"
           "<span style='background:#c8e6d0'>linearized (#order)</span>"
           "<span style='background:#f5c6c5'>cannot be linearized after them: the conflict</span>"
           "dashed: pending (may take effect any time after its call, or never)</p>%s<pre>%s</pre>"
           "</body></html>" % (html.escape(title), html.escape(title), "".join(parts),
                               html.escape(result.describe())))
    out.write_text(doc)
    return out
