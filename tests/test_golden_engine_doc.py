"""The examples of docs/golden_engine.md run without Lava (on every supported Python):
the first prints the numbers its comment states (Lava's own pinned numbers), the
second (the compiled model) passes its own check against the numpy model."""
import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "golden_engine.md"


def test_golden_engine_example_prints_lavas_pinned_numbers():
    text = DOC.read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    x1_doc, w_doc = re.search(r"# x1: ([\d, ]+?)\s+weights: ([\d, ]+)", code).groups()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(DOC), "exec"), {})
    rows = [list(map(int, re.findall(r"-?\d+", line))) for line in out.getvalue().splitlines()]
    assert [r[0] for r in rows] == [int(v) for v in x1_doc.split(",")]
    assert [r[1] for r in rows] == [int(v) for v in w_doc.split(",")]


def test_compiled_example_runs_and_agrees_with_the_numpy_model():
    code = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)[1]
    assert "compiled=True" in code and "assert " in code
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(DOC), "exec"), {})
    assert len(out.getvalue().splitlines()) == 1
