"""test_cli.py — `pybskip verify`, the main job, end to end on the installed package.

What runs: the console command itself (as a user runs it) with a short budget; and its usage
errors. What is checked: exit status 0, the summary table lists every step as ok, the run wrote
its lock trace, and histories were really run and checked (the count is printed and positive);
bad arguments exit with status 2 and a message. A failing step makes the command exit 1 — the
history step's failure path is exercised by ci/mutants.py, which runs the same hunt on mutants.
"""
import re
import shutil
import subprocess
import sys


def _verify(*args):
    exe = shutil.which("pybskip")
    cmd = [exe] if exe else [sys.executable, "-m", "pybskip.cli"]
    return subprocess.run(cmd + ["verify", *args], capture_output=True, text=True, timeout=900)


def test_verify_runs_every_step_and_exits_0(tmp_path):
    p = _verify("--seconds", "10", "--seed", "3", "--out", str(tmp_path))
    assert p.returncode == 0, p.stdout + p.stderr
    for step in ("sequential", "proof", "bounded", "variants", "trace", "histories"):
        assert re.search(r"^%s\s+ok\s" % step, p.stdout, re.M), (step, p.stdout)
    assert "VERIFIED" in p.stdout
    m = re.search(r"(\d+) histories, (\d+) operations", p.stdout)
    assert m and int(m.group(1)) > 0 and int(m.group(2)) > 0
    assert (tmp_path / "lock-trace.jsonl").stat().st_size > 0


def test_verify_usage_errors():
    p = _verify("--threads", "1")
    assert p.returncode == 2 and "--threads" in p.stderr
    p = _verify("--seconds", "0")
    assert p.returncode == 2 and "--seconds" in p.stderr
