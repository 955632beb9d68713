"""pybskip.checkers — a Porcupine-style linearizability checker with a C engine.

    from pybskip.checkers import History, Operation, check
    h = History([Operation(0, {"f": "put", "key": 1, "value": 5}, None, 0, 10),
                 Operation(1, {"f": "get", "key": 1}, 5, 2, 12)])
    r = check(h, "sortedmap")
    r.verdict               # "ok" | "illegal" | "unknown"
    print(r.describe())     # verdict + minimal counterexample as a per-client timeline
    r.to_html("cx.html")    # self-contained visualisation

Built-in models (run inside the C engine): register, cas-register, kv, sortedmap; subclass Model
for your own. Histories load from JSON Lines (our format, see README.md here), Porcupine's
key-value logs and Jepsen etcd logs: History.load(path). check_many(paths, workers=N or
scheduler=ADDRESS) checks many files in parallel (a Dask cluster, pybskip[cluster]).
CLI: python -m pybskip.checkers check FILE.
Recorder records a history of your own object from Python threads and checks it; under pytest the
`linearizable` fixture (pytest_plugin.py, a pytest11 plugin) gives one checked at teardown.
README.md (next to this file) documents the models, the file format and the CLI.
"""
from .check import Result, check
from .history import History, HistoryFormatError, Operation
from .many import FileVerdict, check_many
from .models import BUILTIN, UNKNOWN, Model, ModelInputError, get_model
from .recorder import NotLinearizable, Recorder

__all__ = ["check", "check_many", "FileVerdict", "Result", "History", "Operation", "HistoryFormatError",
           "Model", "UNKNOWN", "ModelInputError", "BUILTIN", "get_model", "Recorder", "NotLinearizable"]
