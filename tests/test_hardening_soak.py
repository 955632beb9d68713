"""test_hardening_soak.py — a short run of ci/soak.py, and proof that the soak can fail.

What is generated: ci/soak.py runs 3 threads of mixed SkipMap operations for ~6 s, each thread
owning the keys k % 3 == i and checking every answer about them against its own dict, with
quiescent validate() + full comparisons in between (see the script's docstring). What is checked
here: exit status 0, ops were done, and the last line is exactly `lost: 0, invented: 0`.
Why a bug cannot hide behind a passing run: the second test makes the soak delete a key behind
its reference's back (--lose-on-purpose) and requires the run to fail and count it as lost; so
the comparison machinery is live, not vacuous.
"""
import re
import subprocess
import sys
from pathlib import Path

SOAK = Path(__file__).resolve().parents[1] / "ci" / "soak.py"


def run_soak(*extra):
    return subprocess.run([sys.executable, str(SOAK), "--minutes", "0.1", "--threads", "3",
                           "--check-seconds", "2", *extra],
                          capture_output=True, text=True, timeout=120)


def test_short_soak_loses_and_invents_nothing():
    p = run_soak()
    lines = p.stdout.strip().splitlines()
    assert p.returncode == 0, p.stdout + p.stderr
    assert lines[-1] == "lost: 0, invented: 0"
    ops = int(re.search(r"^ops: (\d+)$", p.stdout, re.M).group(1))
    assert ops > 1000
    assert "validate ok=True" in p.stdout


def test_soak_detects_a_lost_key():
    p = run_soak("--lose-on-purpose")
    assert p.returncode == 1, p.stdout + p.stderr
    m = re.search(r"^lost: (\d+), invented: (\d+)$", p.stdout, re.M)
    assert m and int(m.group(1)) >= 1, p.stdout
