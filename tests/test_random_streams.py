"""numpy's random streams, as the package draws them, are the same on every
supported numpy (1.26 with Lava on Python 3.10, 2.x elsewhere): initial weights,
inputs, presentation orders, data splits and the engine's stochastic rounding all
come from them, so a changed stream would change every integer result.

numpy promises a fixed stream only for the legacy ``RandomState``; ``Generator``
methods may change between releases. Each digest below was taken on numpy 1.26.4
and holds on numpy 2.x (constraints/py3.13.txt); a failure names the method whose
stream changed.
"""
import hashlib

import numpy as np
import pytest
from sklearn.model_selection import train_test_split


def _draws() -> dict:
    """name -> array, one per call pattern the package uses (same order, one stream)."""
    g = np.random.default_rng(12345)
    out = {
        "integers_int64": g.integers(0, 2 ** 20, 50),
        "integers_small": g.integers(-127, 128, (7, 9)),
        "integers_scalar_high": np.array([g.integers(4) for _ in range(20)]),
        "random": g.random((6, 5)),
        "uniform": g.uniform(-0.3, 0.3, (4, 11)),
        "uniform_scalar": np.array([g.uniform(0.2, 0.9) for _ in range(5)]),
        "standard_normal": g.standard_normal((5, 3)),
        "permutation": g.permutation(97),
        "choice_list": g.choice([-1.0, 1.0], 33),
        "choice_p": g.choice(["x0", "y0", "u1"], 40, p=[0.45, 0.2, 0.35]),
        "seq_seed": np.random.default_rng([3, 100]).random(8),
    }
    x, y = np.arange(60).reshape(30, 2), np.arange(30) % 3
    out["train_test_split"] = train_test_split(x, y, test_size=0.3, random_state=7,
                                               stratify=y)[0].ravel()
    return out


DIGESTS = {
    "integers_int64": "e3cd5864aea37e84", "integers_small": "810d4f9fc8ed9625",
    "integers_scalar_high": "0a4edb833280b58c", "random": "50d2158842af1b7f",
    "uniform": "12677951d946473c", "uniform_scalar": "d28bac79c5ae1ea9",
    "standard_normal": "4285fb3ce255a280", "permutation": "8990c8ee5079b213",
    "choice_list": "28cdd10beb8d4f27", "choice_p": "79e2f95cc525830a",
    "seq_seed": "99e0e416acf783a6", "train_test_split": "6a0a7e7d8477cd15",
}


def _digest(a: np.ndarray) -> str:
    raw = "|".join(a.tolist()).encode() if a.dtype.kind == "U" else a.tobytes()
    return hashlib.sha256(raw).hexdigest()[:16]


DRAWS = _draws()


@pytest.mark.parametrize("name", list(DIGESTS))
def test_stream_is_the_same_on_every_numpy(name):
    assert _digest(np.ascontiguousarray(DRAWS[name])) == DIGESTS[name], (
        f"numpy {np.__version__}: the stream of {name} changed")


def test_a_changed_stream_is_detected():
    """The digest sees one draw more or less."""
    g = np.random.default_rng(12345)
    g.integers(0, 2 ** 20, 1)
    assert _digest(g.integers(0, 2 ** 20, 50)) != DIGESTS["integers_int64"]
