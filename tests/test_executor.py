"""test_executor.py — the C executor's timestamps bracket the real effects of the operations.

What is generated: a writer thread puts key 7 once, in the middle of its run (after a few hundred
puts on other keys), while three reader threads get key 7 in a tight loop; each run uses a fresh
map, and we repeat the run at least 30 times, until the writer has overlapped a reader in time
in 3 runs (at most 300).
What is checked: a get that SAW the put's value returned after the put was called
(reader.return_ns >= put.call_ns), and a get that did NOT see it was called before the put
returned (reader.call_ns <= put.return_ns). If the executor read its clock late before a call or
early after it, some get would be observed on the wrong side of the put and one of the two
inequalities would fail. We also check that both kinds of gets occur (the test is not vacuous),
that every interval is well formed, and that the writer really overlaps a reader in time (on
a 2-core machine four threads cannot all run at once: their starts spread over the run).
"""
from pybskip.testing import GET, PUT, Op, Program, run_program


def test_timestamps_bracket_effects():
    saw_before = saw_after = overlapping = 0
    for run in range(300):  # until the threads have overlapped a few times (a loaded machine
        if run >= 30 and overlapping >= 3:  # may run them one after another for a while)
            break
        writer = tuple(Op(PUT, 1000 + i, i) for i in range(300)) + (Op(PUT, 7, 4242),) + \
            tuple(Op(PUT, 2000 + i, i) for i in range(300))
        readers = tuple(tuple(Op(GET, 7) for _ in range(2000)) for _ in range(3))
        events = run_program(Program((writer,) + readers), noise=0, seed=run + 1)
        put = next(e for e in events if e.op.kind == PUT and e.op.key == 7)
        assert put.call_ns <= put.return_ns
        for e in events:
            assert e.call_ns <= e.return_ns
            if e.op.kind != GET:
                continue
            if e.output == 4242:
                assert e.return_ns >= put.call_ns, "a get saw the put before the put was called"
                saw_after += 1
            else:
                assert e.output is None
                assert e.call_ns <= put.return_ns, "a get that started after the put returned missed it"
                saw_before += 1
        spans = [(min(e.call_ns for e in events if e.client == c),
                  max(e.return_ns for e in events if e.client == c)) for c in range(4)]
        overlapping += any(s < spans[0][1] and spans[0][0] < e for s, e in spans[1:])
    assert saw_before > 0 and saw_after > 0
    assert overlapping > 0, "the writer never ran at the same time as a reader"

