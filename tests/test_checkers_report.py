"""test_checkers_report.py — counterexamples, the HTML page in a real browser, the CLI, formats.

What is checked: a failing history's counterexample keeps every operation that may justify what
its operations observed, and is minimal (removing any one operation makes it linearizable, or
takes away a justifier of an operation it keeps: oracle.removal_breaks_closure), the text timeline
marks the longest partial linearization; the HTML page is self-contained (no URL outside the
page), and headless Chromium renders it to a screenshot that is not blank and shows the conflict
in red and linearized operations in green (pixels decoded here with zlib: no image library);
in Chromium's own layout (a measuring script added to a copy of the page, its findings read back
with --dump-dom) every conflict box holds its operation's full text, long outputs included, with
no glyph outside the box; the DOM Chromium builds for a linearizable history has one section per
partition whose boxes and linearization points are numbered 1..n in the linearization's order,
each point inside its operation's [call, return]; a 0-operation history and an "unknown" verdict
render, the latter labelled and without a linearization;
the CLI's verdict lines and exit codes 0/1/2/3 and its directory summary; JSON Lines round trips;
malformed files raise HistoryFormatError naming file, line and field.
Why a bug could not hide: each assertion compares with a fact fixed by hand (the known minimal
core of a stale read, the exit code table, a linearization written out by hand), the screenshot
must contain the highlight colours, and text fit is measured on rendered glyphs, not on the markup.
"""
import html
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pybskip.checkers import History, HistoryFormatError, Operation, check
from pybskip.checkers.check import Result
from pybskip.checkers.models import UNKNOWN, get_model
from oracle import justifiers_kept, removal_breaks_closure
from thirdparty_data import DATA

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[1]


def op(client, f, call, ret, output=None, **args):
    return Operation(client, dict(f=f, **args), output, call, ret)


STALE = [op(0, "put", 0, 10, key=1, value=5), op(1, "get", 12, 14, key=1, output=5),
         op(2, "put", 15, 20, key=1, value=6, output=5), op(1, "get", 22, 24, key=1, output=5),
         op(3, "get", 0, 30, key=2, output=None), op(3, "put", 31, 32, key=3, value=1)]


def test_counterexample_is_minimal_and_marked():
    r = check(STALE, "sortedmap")
    assert r.verdict == "illegal" and r.minimal
    cx = list(r.counterexample)
    # the core: put 5, put 6 (returning 5), then a read of 5 after put 6 returned
    assert sorted((o.input["f"], o.call) for o in cx) == [("get", 22), ("put", 0), ("put", 15)]
    assert justifiers_kept(cx, list(r.partition), r.model)
    for i in range(len(cx)):
        rest = cx[:i] + cx[i + 1:]
        assert check(rest, "sortedmap").verdict == "ok" or removal_breaks_closure(cx[i], rest, r.model), i
    text = r.describe()
    assert text.splitlines()[0].startswith("NOT linearizable")
    assert "#1" in text and "#2" in text and "!!" in text
    assert len(r.partial_linearizations[0]) == 2


def test_minimal_counterexample_of_a_real_history():
    h = History.load(DATA / "jepsen-etcd" / "etcd_000.log")
    r = check(h, timeout=30)
    assert r.verdict == "illegal" and r.minimal and len(r.counterexample) < len(r.partition)
    cx = list(r.counterexample)
    assert justifiers_kept(cx, list(r.partition), r.model)
    for i in range(len(cx)):
        rest = cx[:i] + cx[i + 1:]
        assert check(rest, r.model).verdict == "ok" or removal_breaks_closure(cx[i], rest, r.model), i


def _png_pixels(data: bytes):
    """Decodes an 8-bit RGB/RGBA non-interlaced PNG into rows of pixel tuples."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, bpp)])
        prev = line
    return rows


def _chromium(page, *flags):
    """Runs headless Chromium on `page` with the flags that work here; returns its stdout."""
    assert os.path.exists(CHROMIUM), "headless Chromium is needed at %s (apt-get install chromium)" % CHROMIUM
    profile = tempfile.mkdtemp()
    try:
        p = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                            "--no-first-run", "--disable-background-networking",
                            "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
                            "--hide-scrollbars", "--window-size=1200,700", *flags,
                            Path(page).resolve().as_uri()], check=True, capture_output=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return p.stdout.decode("utf-8", "replace")


def _self_contained(doc):
    assert "http://" not in doc.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in doc
    assert "src=" not in doc and "@import" not in doc and "url(" not in doc


def test_html_page_renders_in_chromium(tmp_path):
    r = check(STALE, "sortedmap")
    page = r.to_html(tmp_path / "cx.html")
    doc = Path(page).read_text()
    _self_contained(doc)
    assert "NOT linearizable" in doc
    shot = tmp_path / "shot.png"
    _chromium(page, "--screenshot=" + str(shot))
    assert shot.exists() and shot.stat().st_size > 5000, "no or tiny screenshot"
    pixels = [p for row in _png_pixels(shot.read_bytes()) for p in row]
    colours = set(pixels)
    assert len(colours) > 20, "the screenshot is (nearly) blank: %d colours" % len(colours)
    red = sum(1 for (r_, g, b) in pixels if r_ > g + 60 and r_ > b + 60)
    green = sum(1 for (r_, g, b) in pixels if g > r_ + 30 and g > b + 20)
    assert red > 100, "no red conflict highlight in the screenshot (%d px)" % red
    assert green > 100, "no green linearized operations in the screenshot (%d px)" % green


class _Dom(HTMLParser):
    """The elements of a serialised DOM: tag, attributes, classes, parent index, own text."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.elements, self._stack = [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        el = {"tag": tag, "attrs": dict(attrs), "classes": set((dict(attrs).get("class") or "").split()),
              "parent": self._stack[-1] if self._stack else None, "text": ""}
        self.elements.append(el)
        if tag not in self.VOID:
            self._stack.append(len(self.elements) - 1)

    def handle_endtag(self, tag):
        while self._stack:
            if self.elements[self._stack.pop()]["tag"] == tag:
                break

    def handle_data(self, data):
        for i in self._stack:
            self.elements[i]["text"] += data

    def find(self, cls, within=None):
        out = []
        for i, el in enumerate(self.elements):
            if cls in el["classes"] and (within is None or self.inside(i, within)):
                out.append(el)
        return out

    def inside(self, i, j):
        while i is not None:
            if i == j:
                return True
            i = self.elements[i]["parent"]
        return False


# Added to a copy of the page (never to the page itself): Chromium's own layout, read back from the DOM.
MEASURE = """<script>
(function () {
  var out = [];
  document.querySelectorAll('.op').forEach(function (box) {
    var label = box.querySelector('.label');
    var range = document.createRange();
    range.selectNodeContents(label);
    var b = box.getBoundingClientRect(), g = range.getBoundingClientRect();
    out.push({classes: box.className, title: box.getAttribute('title'), text: label.textContent,
              box: [b.left, b.top, b.right, b.bottom], glyphs: [g.left, g.top, g.right, g.bottom],
              overflow: [label.scrollWidth - label.clientWidth, label.scrollHeight - label.clientHeight,
                         box.scrollWidth - box.clientWidth, box.scrollHeight - box.clientHeight]});
  });
  var pre = document.createElement('pre');
  pre.id = 'measured';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""


def _measured(page, tmp_path):
    copy = tmp_path / ("measure-" + Path(page).name)
    copy.write_text(Path(page).read_text().replace("</body>", MEASURE + "</body>"))
    dom = _chromium(copy, "--dump-dom")
    start = dom.index('<pre id="measured">') + len('<pre id="measured">')
    return json.loads(html.unescape(dom[start:dom.index("</pre>", start)]))


LONG = "v" + "0123456789abcdef" * 12  # a 193-character kv value


@pytest.mark.parametrize("name, model, ops", [
    # write 1, write 3, then cas(1 -> 2) succeeds: the cas cannot follow
    ("cas", "cas-register", [op(0, "write", 0, 10, value=1), op(1, "write", 20, 30, value=3),
                             op(2, "cas", 40, 50, output=True, **{"from": 1, "to": 2})]),
    # a stale read of a long value: the get (and its 193-character output) is the conflict
    ("kv", "kv", [op(0, "put", 0, 10, key="x", value="A"), op(1, "put", 20, 30, key="x", value=LONG),
                  op(2, "put", 40, 50, key="x", value="B"), op(3, "get", 60, 70, key="x", output=LONG)]),
])
def test_html_conflict_boxes_hold_their_full_text(tmp_path, name, model, ops):
    r = check(ops, model)
    assert r.verdict == "illegal"
    lin = {id(o) for o in r.partial_linearizations[0]}
    conflict = [r.model.describe_operation(o) for o in r.counterexample if id(o) not in lin]
    assert conflict and all(len(t) > 24 for t in conflict), conflict  # long enough to be cut before
    page = r.to_html(tmp_path / (name + ".html"))
    _self_contained(Path(page).read_text())
    boxes = _measured(page, tmp_path)
    drawn = [b for b in boxes if "conflict" in b["classes"].split()]
    assert sorted(b["text"] for b in drawn) == sorted(conflict), (drawn, conflict)
    assert all("fit" in b["classes"].split() for b in drawn), drawn  # never cut
    for b in [b for b in boxes if "fit" in b["classes"].split()]:  # conflict ones, and any other shown whole
        (bl, bt, br, bb), (gl, gt, gr, gb) = b["box"], b["glyphs"]
        assert gr - gl > 50 and gb - gt > 5, b  # the text was laid out
        assert bl - 0.5 <= gl and gr <= br + 0.5 and bt - 0.5 <= gt and gb <= bb + 0.5, \
            "glyphs of %r outside their box: %s" % (b["text"], b)
        assert max(b["overflow"]) <= 0, "conflict box scrolls or clips: %s" % b
    assert len(boxes) == len(r.counterexample)
    for b in boxes:  # every box, conflict or not, has its full text as a tooltip
        assert b["title"] and b["text"] in b["title"], b


KV_OK = [op(0, "put", 0, 10, key="a", value="1"), op(1, "get", 5, 15, key="a", output="1"),
         op(0, "append", 20, 30, key="a", value="2"), op(1, "get", 25, 40, key="a", output="12"),
         op(2, "put", 0, 50, key="b", value="x"), op(3, "get", 1, 3, key="b", output=""),
         op(3, "get", 60, 70, key="b", output="x"), op(4, "put", 55, None, key="b", value="zz")]
# by hand: key a in call order; key b: the early get reads "" before the put; the pending put never takes effect
KV_OK_LINEARIZATION = [[KV_OK[0], KV_OK[1], KV_OK[2], KV_OK[3]], [KV_OK[5], KV_OK[4], KV_OK[6]]]


def _ok_result(lins):
    hist = History(list(KV_OK), name="two keys", model="kv")
    return Result("ok", get_model("kv"), hist, partial_linearizations=lins)


def _assert_linearization_page(r, lins, page):
    """The DOM Chromium builds for `page`: one section per list of `lins`, numbered in its order."""
    _self_contained(Path(page).read_text())
    dom = _Dom(_chromium(page, "--dump-dom"))
    verdict = dom.find("verdict")[0]["text"]
    assert "linearizable" in verdict and "NOT" not in verdict, verdict
    sections = dom.find("partition")
    assert len(sections) == len(lins), [s["attrs"] for s in sections]
    for lin, sec in zip(lins, sections):
        at = dom.elements.index(sec)
        boxes = [b for b in dom.find("op", within=at) if "data-order" in b["attrs"]]
        boxes.sort(key=lambda b: int(b["attrs"]["data-order"]))
        assert [int(b["attrs"]["data-order"]) for b in boxes] == list(range(1, len(lin) + 1))
        for b, o in zip(boxes, lin):  # the n-th numbered box is the n-th operation of the linearization
            assert r.model.describe_operation(o) in b["attrs"]["title"], (b["attrs"], o)
            assert (b["attrs"]["data-client"], float(b["attrs"]["data-call"])) == (str(o.client), o.call)
            if "fit" in b["classes"]:
                assert "#%d" % int(b["attrs"]["data-order"]) in b["text"]
        points = sorted(dom.find("lin-point", within=at), key=lambda p: int(p["attrs"]["data-order"]))
        assert [int(p["attrs"]["data-order"]) for p in points] == list(range(1, len(lin) + 1))
        last = float("-inf")
        for p, o in zip(points, lin):  # a point inside each operation's interval, in order
            t = float(p["attrs"]["data-at"])
            assert o.call <= t and (o.ret is None or t <= o.ret) and t >= last, (p["attrs"], o)
            last = t
        listed = dom.find("lin-step", within=at)
        assert len(listed) == len(lin)
        for s, o in zip(listed, lin):
            assert r.model.describe_operation(o) in s["text"]
    return dom


def test_html_linearizable_history_shows_its_linearization_per_partition(tmp_path):
    assert check(KV_OK, "kv").verdict == "ok"
    r = _ok_result(KV_OK_LINEARIZATION)
    dom = _assert_linearization_page(r, KV_OK_LINEARIZATION, r.to_html(tmp_path / "ok.html"))
    pending = [b for b in dom.find("op") if b["attrs"].get("data-call") == "55"]
    assert len(pending) == 1 and "data-order" not in pending[0]["attrs"]  # drawn, not numbered


@pytest.mark.parametrize("source", ["KV_OK", "c10-ok.txt"])
def test_html_linearization_found_by_check(tmp_path, source):
    h = History(KV_OK, model="kv") if source == "KV_OK" else History.load(DATA / "porcupine-kv" / source)
    r = check(h)
    assert r.verdict == "ok" and len(r.partial_linearizations) == len(r.model.partition(h.operations)) > 1
    for lin in r.partial_linearizations:  # each list really is a linearization: the model accepts it
        state = r.model.init()
        for o in lin:
            ok, state = r.model.step(state, o.input, UNKNOWN if o.pending else o.output)
            assert ok, o
    _assert_linearization_page(r, r.partial_linearizations, r.to_html(tmp_path / "found.html"))


def test_html_empty_and_unknown_histories_render(tmp_path):
    r = check(History([]), "kv")
    assert r.verdict == "ok"
    page = r.to_html(tmp_path / "empty.html")
    _self_contained(Path(page).read_text())
    dom = _Dom(_chromium(page, "--dump-dom"))
    assert "linearizable" in dom.find("verdict")[0]["text"]
    assert "no operations" in dom.find("summary")[0]["text"]
    assert not dom.find("op") and not dom.find("lin-point")
    # unknown: the whole history is drawn, clearly labelled, and no linearization is claimed
    ops = [op(i, "write", 0, None, value=i) for i in range(12)]
    ops += [op(100 + i, "read", 1000 + 2 * i, 1001 + 2 * i, output=(i * 7) % 12) for i in range(8)]
    u = Result("unknown", get_model("register"), History(ops, name="hard"))
    page = u.to_html(tmp_path / "unknown.html")
    dom = _Dom(_chromium(page, "--dump-dom"))
    assert "unknown" in dom.find("verdict")[0]["text"]
    assert "no linearization" in dom.find("summary")[0]["text"]
    assert len(dom.find("op")) == len(ops) and not dom.find("lin-point")
    assert not [b for b in dom.find("op") if "data-order" in b["attrs"] or "conflict" in b["classes"]]


def _cli(*args):
    env = dict(os.environ)
    return subprocess.run([sys.executable, "-m", "pybskip.checkers", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=300, cwd=str(ROOT.parent))


def test_cli_exit_codes(tmp_path):
    good = tmp_path / "good.jsonl"
    History(STALE[:2], model="sortedmap").save(good)
    bad = tmp_path / "bad.jsonl"
    History(STALE, model="sortedmap").save(bad)
    p = _cli("check", good)
    assert p.returncode == 0 and p.stdout.splitlines()[0].startswith("linearizable"), p
    p = _cli("check", bad, "--html", tmp_path / "out.html")
    assert p.returncode == 1 and p.stdout.startswith("NOT linearizable"), p
    assert (tmp_path / "out.html").stat().st_size > 1000
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"client": 0, "call": "x", "input": {"f": "get", "key": 1}}\n')
    p = _cli("check", broken)
    assert p.returncode == 3 and "broken.jsonl:1" in p.stderr and "call" in p.stderr, p
    assert _cli("check", good, "--model", "nope").returncode == 3
    assert _cli("check", tmp_path / "missing.jsonl").returncode == 3


def test_cli_unknown_exit_code(tmp_path):
    ops = [op(i, "write", 0, None, value=i) for i in range(40)]
    ops += [op(100 + i, "read", 1000 + 2 * i, 1001 + 2 * i, output=(i * 7) % 40) for i in range(30)]
    f = tmp_path / "hard.jsonl"
    History(ops, model="register").save(f)
    p = _cli("check", f, "--timeout", "0.2")
    assert p.returncode == 2 and p.stdout.startswith("unknown"), p


def test_cli_directory_summary():
    p = _cli("check", DATA / "porcupine-kv")
    assert p.returncode == 1, p
    assert "c10-ok.txt" in p.stdout and "4 files: 2 linearizable, 2 NOT linearizable" in p.stdout, p.stdout
    assert "4/4" in p.stderr  # the progress bar


def test_jsonl_round_trip(tmp_path):
    ops = STALE + [op(4, "scan", 1, None, lo=0, hi=9, limit=2),
                   op(5, "scan", 2, 40, lo=0, hi=9, limit=None, output=((1, 6), (3, 1)))]
    f = tmp_path / "h.jsonl"
    History(ops, model="sortedmap").save(f)
    back = History.load(f)
    assert back.model == "sortedmap"
    assert sorted(map(repr, back)) == sorted(map(repr, ops))


@pytest.mark.parametrize("text, field", [
    ("not json", "JSON"),
    ('{"client": 0, "input": {"f": "get"}}', "call"),
    ('{"client": 0, "call": 1, "return": 0, "input": {"f": "get"}}', "return"),
    ('{"client": 0, "call": 1, "input": "get"}', "input"),
])
def test_malformed_jsonl_names_file_line_field(tmp_path, text, field):
    f = tmp_path / "m.jsonl"
    f.write_text('{"format": "pybskip-history", "version": 1}\n' + text + "\n")
    with pytest.raises(HistoryFormatError) as e:
        History.load(f, "jsonl")
    assert "m.jsonl:2" in str(e.value) and field in str(e.value)


def test_malformed_third_party_formats(tmp_path):
    f = tmp_path / "p.txt"
    f.write_text('{:process 0, :type :invoke, :f :get, :key "1", :value nil}\n'
                 '{:process 0, :type :weird, :f :get, :key "1", :value nil}\n')
    with pytest.raises(HistoryFormatError, match="p.txt:2"):
        History.load(f, "porcupine-kv")
    g = tmp_path / "j.log"
    g.write_text("INFO  jepsen.util - 3\t:invoke\t:cas\t[3 x]\n")
    with pytest.raises(HistoryFormatError, match="j.log:1"):
        History.load(g, "jepsen")
