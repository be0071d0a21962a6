"""Data sets: csv and npz files, scikit-learn's bundled sets, and one-line errors
that name the row and column of bad values."""
import numpy as np
import pytest

from lava_bioadam.app.cli import main
from lava_bioadam.app.config import DataConfig
from lava_bioadam.app.data import SKLEARN_SETS, load_dataset, read_csv
from lava_bioadam.errors import UserError


def toy(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (n, 3))
    return x, (x[:, 0] > 0.5).astype(int)


def write_csv(path, x, y, header=True):
    lines = (["a,b,c,label"] if header else []) + [
        ",".join(repr(float(v)) for v in row) + f",{lab}" for row, lab in zip(x, y)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("name", sorted(SKLEARN_SETS))
def test_sklearn_sets_scaled_to_unit_interval(name):
    n, features, classes = SKLEARN_SETS[name]
    s = load_dataset(DataConfig(dataset=name))
    assert len(s.x_train) + len(s.x_test) == n and s.x_train.shape[1] == features
    assert set(np.unique(s.y_train)) == set(range(classes))
    for x in (s.x_train, s.x_test):
        assert x.min() >= 0 and x.max() <= 1
    assert np.allclose(s.x_train.min(axis=0), 0) and np.allclose(s.x_train.max(axis=0), 1)


def test_csv_and_npz_give_the_same_split(tmp_path):
    x, y = toy()
    x[0, 1] = 1 + 2e-16            # a min-max scaler's rounding: accepted, clipped
    write_csv(tmp_path / "d.csv", x, y)
    np.savez(tmp_path / "d.npz", x=x, y=y)
    a = load_dataset(DataConfig(dataset="csv", path=str(tmp_path / "d.csv")))
    b = load_dataset(DataConfig(dataset="npz", path=str(tmp_path / "d.npz")))
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert a.x_train.max() == 1.0


def test_csv_label_column_by_name_and_index(tmp_path):
    x, y = toy(10)
    p = write_csv(tmp_path / "d.csv", x, y)
    text = p.read_text().splitlines()
    moved = ["label,a,b,c"] + [",".join([r.split(",")[-1]] + r.split(",")[:-1])
                               for r in text[1:]]
    (tmp_path / "m.csv").write_text("\n".join(moved))
    for col in ("label", 0):
        xm, ym = read_csv(str(tmp_path / "m.csv"), col)
        np.testing.assert_array_equal(ym, y)
        np.testing.assert_allclose(xm, x)
    xn, yn = read_csv(str(write_csv(tmp_path / "n.csv", x, y, header=False)))
    np.testing.assert_array_equal(yn, y)


@pytest.mark.parametrize("edit,message", [
    (lambda L: L.__setitem__(3, "0.1,abc,0.2,1"), "line 4, column 'b': 'abc' is not a number"),
    (lambda L: L.__setitem__(5, "0.1,1.5,0.2,1"), "line 6, column 'b': feature value 1.5 is outside [0, 1]"),
    (lambda L: L.__setitem__(2, "0.1,0.2,-0.001,1"), "line 3, column 'c': feature value -0.001"),
    (lambda L: L.__setitem__(7, "0.1,nan,0.2,1"), "line 8, column 'b': feature value nan is not a finite"),
    (lambda L: L.__setitem__(4, "0.1,0.2,0.3,1.5"), "line 5: label 1.5 is not a non-negative integer"),
    (lambda L: L.__setitem__(4, "0.1,0.2,0.3,-1"), "line 5: label -1 is not a non-negative integer"),
    (lambda L: L.__setitem__(6, "0.1,0.2,1"), "line 7 has 3 columns, expected 4"),
    (lambda L: L.__delitem__(slice(1, None)), "no samples after the header"),
    (lambda L: L.__delitem__(slice(0, None)), "empty"),
    (lambda L: L.__delitem__(slice(3, None)), "class 0 has 1 sample"),
])
def test_bad_csv_one_line_naming_row_and_column(tmp_path, capsys, edit, message):
    x, y = toy(20)
    y[:] = 1
    y[::2] = 0
    lines = write_csv(tmp_path / "d.csv", x, y).read_text().splitlines()
    edit(lines)
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n")
    cfg = tmp_path / "c.yaml"
    cfg.write_text("data:\n  dataset: csv\n  path: d.csv\nnetwork:\n  sizes: [3, 2]\n")
    assert main(["train", str(cfg), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


def test_too_small_test_fraction_names_the_sizes():
    with pytest.raises(UserError, match="leaves 2 test samples for 10 classes"):
        load_dataset(DataConfig(test_fraction=0.001))


def test_npz_errors_name_the_row(tmp_path):
    x, y = toy(20)
    x[7, 2] = 3.0
    np.savez(tmp_path / "d.npz", x=x, y=y)
    with pytest.raises(UserError, match=r"row 7, feature 2: feature value 3 is outside"):
        load_dataset(DataConfig(dataset="npz", path=str(tmp_path / "d.npz")))
    np.savez(tmp_path / "e.npz", x=np.zeros((0, 3)), y=np.zeros(0, int))
    with pytest.raises(UserError, match="no samples"):
        load_dataset(DataConfig(dataset="npz", path=str(tmp_path / "e.npz")))


def test_mnist_fixed_stratified_split_of_real_images():
    from lava_bioadam.app.data import mnist, mnist_images

    x, y = mnist_images()
    assert x.shape == (5000, 784) and x.min() == 0 and x.max() == 1
    assert np.bincount(y).tolist() == [500] * 10
    parts = mnist(seed=0, side=20)
    xtr, ytr, xva, yva, xte, yte = parts
    assert [len(a) for a in parts[::2]] == [3500, 500, 1000] and xtr.shape[1] == 400
    for labels, per_class in ((ytr, 350), (yva, 50), (yte, 100)):
        assert np.bincount(labels).tolist() == [per_class] * 10
    # the three parts are disjoint images of the 5000 (each a row of the 20x20 crops)
    crops = x.reshape(-1, 28, 28)[:, 4:24, 4:24].reshape(5000, -1)
    index = {row.tobytes(): i for i, row in enumerate(crops)}
    ids = [{index[r.tobytes()] for r in part} for part in (xtr, xva, xte)]
    assert sum(map(len, ids)) == len(set().union(*ids)) > 4900  # a few duplicate crops
    assert np.array_equal(mnist(seed=0, side=20)[4], xte)       # fixed by the seed
    s = load_dataset(DataConfig(dataset="mnist"))
    assert s.x_train.shape == (3500, 784) and s.x_test.shape == (1000, 784)
    assert not np.array_equal(mnist(seed=1, side=20)[4], xte)
