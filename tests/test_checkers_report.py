"""test_checkers_report.py — counterexamples, the HTML page in a real browser, the CLI, formats.

What is checked: a failing history's counterexample is minimal (removing any one operation makes
it linearizable, or makes it observe a value none of its operations wrote), the text timeline
marks the longest partial linearization; the HTML page is self-contained (no URL outside the
page), and headless Chromium renders it to a screenshot that is not blank and shows the conflict
in red and linearized operations in green (pixels decoded here with zlib: no image library);
the CLI's verdict lines and exit codes 0/1/2/3 and its directory summary; JSON Lines round trips;
malformed files raise HistoryFormatError naming file, line and field.
Why a bug could not hide: each assertion compares with a fact fixed by hand (the known minimal
core of a stale read, the exit code table), and the screenshot must contain the highlight colours.
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import pytest

from pybskip.checkers import History, HistoryFormatError, Operation, check
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
    for i in range(len(cx)):
        rest = cx[:i] + cx[i + 1:]
        assert check(rest, "sortedmap").verdict == "ok" or not r.model.justified(rest), i
    text = r.describe()
    assert text.splitlines()[0].startswith("NOT linearizable")
    assert "#1" in text and "#2" in text and "!!" in text
    assert len(r.partial_linearizations[0]) == 2


def test_minimal_counterexample_of_a_real_history():
    h = History.load(DATA / "jepsen-etcd" / "etcd_000.log")
    r = check(h, timeout=30)
    assert r.verdict == "illegal" and r.minimal and len(r.counterexample) < len(r.partition)
    cx = list(r.counterexample)
    for i in range(len(cx)):
        rest = cx[:i] + cx[i + 1:]
        assert check(rest, r.model).verdict == "ok" or not r.model.justified(rest), i


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


def test_html_page_renders_in_chromium(tmp_path):
    assert os.path.exists(CHROMIUM), "headless Chromium is needed at %s (apt-get install chromium)" % CHROMIUM
    r = check(STALE, "sortedmap")
    page = r.to_html(tmp_path / "cx.html")
    doc = Path(page).read_text()
    assert "http://" not in doc.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in doc
    assert "<svg" in doc and "NOT linearizable" in doc
    shot = tmp_path / "shot.png"
    profile = tempfile.mkdtemp()
    try:
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                        "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
                        "--hide-scrollbars", "--window-size=1200,700", "--screenshot=" + str(shot),
                        Path(page).resolve().as_uri()], check=True, capture_output=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert shot.exists() and shot.stat().st_size > 5000, "no or tiny screenshot"
    pixels = [p for row in _png_pixels(shot.read_bytes()) for p in row]
    colours = set(pixels)
    assert len(colours) > 20, "the screenshot is (nearly) blank: %d colours" % len(colours)
    red = sum(1 for (r_, g, b) in pixels if r_ > g + 60 and r_ > b + 60)
    green = sum(1 for (r_, g, b) in pixels if g > r_ + 30 and g > b + 20)
    assert red > 100, "no red conflict highlight in the screenshot (%d px)" % red
    assert green > 100, "no green linearized operations in the screenshot (%d px)" % green


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
