"""test_cli_options.py — the one `pybskip` command line: its subcommands, its option checks, its
aliases, and how `pybskip verify` splits its budget and reports failures.

What runs: the installed console command and the aliases `python -m pybskip.checkers` /
`python -m pybskip.spec` as subprocesses (from tmp_path, so the checkout cannot shadow the
installed package), on small histories and traces written here; and, in-process, the verify
planner (make_plan) and step runners (_z3_worker, _local_worker, _Run) with failures fed in.
What is checked: `pybskip --help` lists every subcommand; every bad option ends with a usage line,
`error: ...` and exit 2 (3 for check, as documented), never a traceback, and before any work; the
aliases give the same output and exit codes as the subcommands; the budget buys the documented
bounded depths, the hunt ends before the budget does, and a crashing, dying or stopped step is a
FAILED (or annotated) step, not a traceback.
"""
import json
import queue
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

SUBCOMMANDS = ("verify", "check", "prove", "variants", "bounded", "mutants", "check-trace", "trace", "bench")


def _pybskip(*args, cwd):
    exe = shutil.which("pybskip")
    cmd = [exe] if exe else [sys.executable, "-m", "pybskip"]
    return subprocess.run(cmd + [str(a) for a in args], capture_output=True, text=True, timeout=300,
                          cwd=str(cwd))


def _module(module, *args, cwd):
    return subprocess.run([sys.executable, "-m", module] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=300, cwd=str(cwd))


def _assert_usage_error(p, code=2, mentions=""):
    assert p.returncode == code, (p.returncode, p.stdout, p.stderr)
    assert "usage:" in p.stderr and "error:" in p.stderr, p.stderr
    assert "Traceback" not in p.stderr + p.stdout, p.stderr
    assert mentions in p.stderr, (mentions, p.stderr)


def _history(path, stale):
    lines = [{"format": "pybskip-history", "version": 1, "model": "sortedmap"},
             {"client": 0, "call": 0, "return": 10, "input": {"f": "put", "key": 1, "value": 5},
              "output": None},
             {"client": 1, "call": 20, "return": 30, "input": {"f": "get", "key": 1},
              "output": None if stale else 5}]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return path


def _verdicts(stdout):
    return [line.split()[:3] for line in stdout.splitlines() if "linearizable" in line]


def test_help_lists_every_subcommand(tmp_path):
    p = _pybskip("--help", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    for name in SUBCOMMANDS:
        assert "\n    %s " % name in p.stdout or "\n    %s\n" % name in p.stdout, (name, p.stdout)
    p = _module("pybskip", "--help", cwd=tmp_path)
    assert p.returncode == 0 and "check-trace" in p.stdout, p.stderr


@pytest.mark.parametrize("args, mentions", [
    (["verify", "--seed", "-1"], "--seed"),
    (["verify", "--seed", str(2**64)], "--seed"),
    (["verify", "--seed", "x"], "--seed"),
    (["verify", "--seconds", "0"], "--seconds"),
    (["verify", "--seconds", "-3"], "--seconds"),
    (["verify", "--seconds", "nan"], "--seconds"),
    (["verify", "--seconds", "inf"], "--seconds"),
    (["verify", "--seconds", "1e9"], "--seconds"),
    (["verify", "--seconds", "10"], "at least 150"),
    (["verify", "--threads", "1"], "--threads"),
    (["verify", "--threads", "65"], "--threads"),
    (["verify", "--out", "/proc/pybskip-test/x"], "--out"),
    (["verify", "--out", "{file}"], "not a directory"),
    (["verify", "--bogus"], "unrecognized"),
    (["trace", "{dir}/missing/t.jsonl"], "does not exist"),
    (["trace", "{dir}"], "is a directory"),
    (["trace", "{dir}/t.jsonl", "--threads", "0"], "--threads"),
    (["trace", "{dir}/t.jsonl", "--ops", "0"], "--ops"),
    (["trace", "{dir}/t.jsonl", "--seed", "-1"], "--seed"),
    (["bounded", "--depth", "3"], "--depth"),
    (["bounded", "--depth", "99"], "--depth"),
    (["prove", "extra"], "unrecognized"),
    (["nonsense"], "invalid choice"),
    ([], "required"),
])
def test_bad_options_exit_2_before_any_work(tmp_path, args, mentions):
    afile = tmp_path / "a-file"
    afile.write_text("x")
    args = [a.format(file=afile, dir=tmp_path) for a in args]
    t0 = time.monotonic()
    p = _pybskip(*args, cwd=tmp_path)
    _assert_usage_error(p, 2, mentions)
    assert time.monotonic() - t0 < 30, "the error came after work had started"


def test_spec_alias_rejects_the_same_options(tmp_path):
    _assert_usage_error(_module("pybskip.spec", "bounded", "--depth", "3", cwd=tmp_path), 2, "--depth")
    _assert_usage_error(_module("pybskip.spec", "check-trace", cwd=tmp_path), 2, "FILE".lower())


@pytest.mark.parametrize("args, mentions", [
    (["{missing}"], "cannot read"),
    (["{good}", "--timeout", "0"], "--timeout"),
    (["{good}", "--timeout", "nan"], "--timeout"),
    (["{good}", "--model", "nope"], "--model"),
    (["{good}", "--format", "nope"], "--format"),
    (["{good}", "--html", "{dir}/missing/out.html"], "--html"),
    (["{good}", "--html", "{dir}"], "--html"),
    (["{dir}", "--html", "{good}"], "--html"),
    (["{good}", "--bogus"], "unrecognized"),
    ([], "path"),
])
def test_check_usage_errors_exit_3_for_both_spellings(tmp_path, args, mentions):
    good = _history(tmp_path / "good.jsonl", stale=False)
    args = [a.format(missing=tmp_path / "missing.jsonl", good=good, dir=tmp_path) for a in args]
    _assert_usage_error(_pybskip("check", *args, cwd=tmp_path), 3, mentions)
    _assert_usage_error(_module("pybskip.checkers", "check", *args, cwd=tmp_path), 3, mentions)


def test_check_alias_gives_the_same_verdicts_and_exit_codes(tmp_path):
    good = _history(tmp_path / "good.jsonl", stale=False)
    bad = _history(tmp_path / "bad.jsonl", stale=True)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"client": 0, "call": "x", "input": {"f": "get", "key": 1}}\n')
    for path, code in ((good, 0), (bad, 1), (broken, 3), (tmp_path, 3)):
        a = _pybskip("check", path, cwd=tmp_path)
        b = _module("pybskip.checkers", "check", path, cwd=tmp_path)
        assert a.returncode == b.returncode == code, (path, a, b)
        # the same verdicts (a directory's table also shows each file's time)
        assert _verdicts(a.stdout) == _verdicts(b.stdout), (a.stdout, b.stdout)
        assert "Traceback" not in a.stderr + b.stderr
    html = tmp_path / "cx.html"
    assert _pybskip("check", bad, "--html", html, cwd=tmp_path).returncode == 1
    assert html.stat().st_size > 1000


def test_trace_records_and_both_check_trace_spellings_agree(tmp_path):
    trace = tmp_path / "t.jsonl"
    p = _pybskip("trace", trace, "--threads", "3", "--ops", "20", "--seed", "7", "--check", cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "lock events from 3 threads" in p.stdout and trace.stat().st_size > 0
    import pybskip.spec

    examples = Path(pybskip.spec.__file__).parent / "examples"
    malformed = tmp_path / "malformed.jsonl"
    malformed.write_text("{not json\n")
    cases = ((trace, 0), (examples / "out_of_order.jsonl", 1), (malformed, 3),
             (tmp_path / "missing.jsonl", 3))
    for path, code in cases:
        a = _pybskip("check-trace", path, cwd=tmp_path)
        b = _module("pybskip.spec", "check-trace", path, cwd=tmp_path)
        assert a.returncode == b.returncode == code, (path, a, b)
        assert a.stdout == b.stdout
        assert "Traceback" not in a.stderr + b.stderr, a.stderr + b.stderr


# ---- the budget split ------------------------------------------------------------------------------

def test_the_budget_buys_the_documented_bounded_depths():
    from pybskip import _verify as v

    assert v.min_seconds(2) == 150 and v.min_seconds(16) == 150 and v.min_seconds(1) == 290
    depths = {b: v.make_plan(b, cpus=2).depth for b in (150, 209, 210, 239, 240, 299, 300, 419, 420,
                                                        959, 960)}
    assert depths == {150: 5, 209: 5, 210: 6, 239: 6, 240: 7, 299: 7, 300: 8, 419: 8, 420: 9,
                      959: 9, 960: 10}
    previous = 0
    for b in list(range(150, 1000, 7)) + [86400]:  # more budget never buys less
        plan = v.make_plan(b, cpus=2)
        assert plan.depth >= previous
        previous = plan.depth
        assert plan.hunt_end == b - v.RESERVE and plan.end == b - v.END_RESERVE
        need = v.z3_seconds(plan.depth, 2)
        # the Z3 work fits before the hunt ends with room to spare, and in three quarters of
        # the budget from the default on; so do the smallest budgets on one CPU
        assert need + 5 <= plan.hunt_end, (b, need)
        assert b < v.DEFAULT_SECONDS or need <= b * 3 / 4, (b, need)
    assert v.z3_seconds(5, 1) + 5 <= v.make_plan(v.min_seconds(1), cpus=1).hunt_end


def test_the_plan_has_every_task_longest_first():
    from pybskip import _verify as v
    from pybskip.spec.variants import CASES

    from pybskip.spec.mutants import LONGEST_MUTANT, MUTANTS

    plan = v.make_plan(150, cpus=2)
    assert plan.workers == 2 and v.make_plan(150, cpus=1).workers == 1
    longest = max(CASES, key=lambda c: c.max_depth).name
    assert plan.tasks[:3] == (("variant", longest), ("bounded", 5), ("mutant", LONGEST_MUTANT))
    assert sorted(t[1] for t in plan.tasks if t[0] == "proof") == list(range(v.PROOF_PARTS))
    assert sorted(t[1] for t in plan.tasks if t[0] == "variant") == sorted(c.name for c in CASES)
    assert sorted(t[1] for t in plan.tasks if t[0] == "mutant") == sorted(MUTANTS)
    assert [t for t in plan.tasks if t[0] == "bounded"] == [("bounded", 5)]
    assert v.make_plan(300, cpus=2).tasks[:2] == (("bounded", 8), ("variant", longest))
    assert v.busy_warning(plan, 0.0, cpus=2) is None and v.busy_warning(plan, None, cpus=2) is None
    assert "busy" in v.busy_warning(v.make_plan(150, cpus=2), 2.0, cpus=2)
    busy = v.busy_cpus(0.05)
    assert busy is None or 0.0 <= busy <= (__import__("os").cpu_count() or 1) + 0.01


def test_the_proof_parts_are_the_whole_proof():
    from pybskip.spec.proof import obligation_keys, obligations, prove

    n = len(obligations())
    assert [key for key, _ in obligations()] == obligation_keys()  # what prove(part=) relies on
    seen = []
    results = prove(part=(3, 40), progress=lambda done, total: seen.append((done, total)))
    assert len(results) == len(range(3, n, 40)) and seen[-1] == (len(results), len(results))
    assert all(r.proved for r in results)
    with pytest.raises(ValueError):
        prove(part=(2, 2))


class _ListQueue:
    def __init__(self, items=()):
        self.items = list(items)

    def put(self, item):
        self.items.append(item)

    def get(self, timeout=None):
        if not self.items:
            raise queue.Empty
        return self.items.pop(0)


def test_a_crashing_z3_task_is_a_failed_step_with_its_message():
    from pybskip import _verify as v
    from pybskip.spec.mutants import MUTANTS

    tasks, out = _ListQueue([("bogus", 1), None]), _ListQueue()
    v._z3_worker(0, tasks, out)
    assert [m[0] for m in out.items] == ["start", "fail"], out.items
    assert "ValueError" in out.items[1][3] and "unknown task" in out.items[1][3]

    plan = v.make_plan(150, cpus=2)
    lines = []
    run = v._Run(plan, lines.append, time.monotonic())
    run.handle(("start", 0, ("proof", 0), None, 0.0))
    run.handle(("progress", 0, ("proof", 0), (3, 22), 0.5))
    run.handle(("fail", 0, ("proof", 0), "RuntimeError: Z3 ran out of memory", 1.5))
    run.handle(("start", 1, ("bounded", 5), None, 0.0))
    run.handle(("done", 1, ("bounded", 5), {"n": 4, "bad": []}, 9.0))
    run.handle(("start", 1, ("variant", "upgrade"), None, 0.0))
    run.handle(("start", 0, ("mutant", "free_named"), None, 0.0))
    run.handle(("done", 0, ("mutant", "free_named"), {"refuted": True, "describe": "x"}, 2.0))
    # the budget ends: what still runs is FAILED
    v._out_of_time(run, [], _DeadProcess(), _ListQueue(), time.monotonic())
    by_name = {r.name: r for r in run.results()}
    assert not by_name["proof"].ok and "RuntimeError: Z3 ran out of memory" in by_name["proof"].detail
    assert "not begun within the budget" in by_name["proof"].detail
    assert by_name["bounded"].ok and "depth 5 (budget 150 s; depth 6 from 210 s)" in by_name["bounded"].detail
    assert not by_name["variants"].ok and "upgrade: not finished within the budget" in \
        by_name["variants"].detail
    first = by_name["mutants"].detail.splitlines()[0]  # what the e2e test's skip reads
    assert not by_name["mutants"].ok and first.startswith("spec mutants refuted: 1/%d" % len(MUTANTS)) and \
        "not begun within the budget" in first, first
    assert not by_name["histories"].ok and "not finished within the budget" in by_name["histories"].detail
    assert any("the budget is spent" in line for line in lines), lines


def test_a_hunt_stopped_at_the_end_counts_what_it_had_checked():
    from pybskip import _verify as v

    run = v._Run(v.make_plan(150, cpus=2), lambda s: None, time.monotonic())
    for name in ("sequential", "trace"):
        run.handle(("result", "local", (name, None), v.StepResult(name, True, "fine"), 0.1))
    run.handle(("start", "local", ("histories", None), None, 0.0))
    counts = {"programs": 7, "histories": 70, "operations": 900, "verdicts": {"ok": 70},
              "seconds": 26.0, "budget": 26.0}
    run.handle(("progress", "local", ("histories", None), counts, 0.0))
    assert "histories 7 programs, 70 histories, 900 operations" in run.status()
    v._out_of_time(run, [], _DeadProcess(), _ListQueue(), time.monotonic())
    r = {x.name: x for x in run.results()}["histories"]
    assert r.ok and "70 histories, 900 operations (ok 70)" in r.detail, r
    assert "stopped at the end of the budget" in r.detail


class _DeadProcess:
    exitcode = -9

    def is_alive(self):
        return False

    def terminate(self):
        pass


def test_a_crashing_c_step_is_a_failed_step_and_the_others_still_run(tmp_path):
    from pybskip import _verify as v

    (tmp_path / "lock-trace.jsonl").mkdir()  # the trace cannot be written there
    out = _ListQueue()
    v._local_worker(out, 5, 4, str(tmp_path), time.monotonic() + 1.0, nice=0)
    results = {m[2][0]: m[3] for m in out.items if m[0] == "result"}
    assert set(results) == {"sequential", "trace", "histories"}
    assert results["sequential"].ok and results["histories"].ok
    assert not results["trace"].ok and "RuntimeError" in results["trace"].detail, results["trace"]
    assert any(m[0] == "progress" for m in out.items) or results["histories"].seconds < 1.5
