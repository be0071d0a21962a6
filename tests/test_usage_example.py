"""The worked example of docs/usage.md runs and learns what the golden model learns."""
import re
from pathlib import Path

import numpy as np
import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "usage.md"


@pytest.mark.lava
def test_usage_example_runs_and_matches_the_golden_model():
    code = re.search(r"```python\n(.*?)```", DOC.read_text(), re.S).group(1)
    code = code.replace("n = 100", "n = 12")  # keep the test short
    ns: dict = {}
    exec(compile(code, str(DOC), "exec"), ns)
    from lava_bioadam.golden.network import run_l2

    l2 = run_l2(ns["nr"], ns["data"].x_train[:12], ns["data"].y_train[:12],
                     ns["W0"], ns["B0"])
    np.testing.assert_array_equal(ns["weights"], l2.final["W"][1]["weights"])
    np.testing.assert_array_equal(ns["pred"], l2.pred)
    assert ns["y1"][ns["net"].output.name][ns["net"].output.s_out_y1.name].shape[0] == 12 * ns["T"]
