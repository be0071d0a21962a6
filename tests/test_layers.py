"""Import rules between the package's layers (docs/architecture.md).

Layers, lowest first: model, engine, rules, codes, golden, lava/processes, verify,
app. A module may import only from its own layer and the layers it may see; only
the Lava layer and ``processes/`` import Lava. Checked on the source (every import
statement, also those inside functions), so a violation fails here even if it
would only run on some code path.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "lava_bioadam"

#: layer -> layers (besides itself) it may import; "errors" and the package root
#: (version) are available to all.
ALLOWED = {
    "model": set(),
    "engine": set(),
    "rules": {"engine"},
    "codes": {"engine", "model"},
    "golden": {"engine", "rules", "codes"},
    "lava": {"engine", "rules", "codes", "golden", "processes"},
    "processes": {"engine", "codes", "processes"},
    "verify": {"model", "engine", "rules", "codes", "golden", "lava"},
    "app": {"model", "engine", "rules", "codes", "golden", "lava", "verify"},
}
CORE_WITHOUT_LAVA = {"model", "engine", "rules", "codes", "golden", "verify", "app"}


def layer_of_path(path: Path, root: Path = ROOT) -> str:
    """Layer of a source file of the checkout at ``root``."""
    if path.is_relative_to(root / "processes"):
        return "processes"
    rel = path.relative_to(root / "lava_bioadam")
    head = rel.parts[0]
    return head[:-3] if head.endswith(".py") else head


def layer_of_module(name: str):
    """Layer of an imported module name, None for the package root, ``errors`` and
    third-party modules; ``"LAVA"`` for Lava itself."""
    parts = name.split(".")
    if parts[0] == "lava":
        return "LAVA"
    if parts[0] != "lava_bioadam" or len(parts) == 1 or parts[1] in ("errors", "__init__"):
        return None
    return parts[1]


#: layers that may use the Lava layer only inside functions, so that their L0 and
#: L2 paths run without loading Lava
LAZY_LAVA = {"verify", "app"}


def imports_of(path: Path):
    """``(line, module, at_module_level)`` of every absolute import."""
    tree = ast.parse(path.read_text(), str(path))
    top = {id(n) for n in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name, id(node) in top
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module, id(node) in top


def violations(paths, root: Path = ROOT) -> list:
    """One line per import that breaks the rules, for files of the checkout at ``root``."""
    bad = []
    for path in paths:
        layer = layer_of_path(path, root)
        for line, mod, top in imports_of(path):
            target = layer_of_module(mod)
            if target is None or target == layer:
                continue
            where = f"{path.relative_to(root)}:{line} ({layer}) imports {mod}"
            if target == "lava" and layer in LAZY_LAVA and top:
                bad.append(where + ": import the Lava layer inside the function that runs "
                           "Lava, so the L0/L2 paths do not load Lava")
            if target == "LAVA":
                if layer in CORE_WITHOUT_LAVA:
                    bad.append(where + ": only lava_bioadam.lava and processes/ import Lava")
            elif target not in ALLOWED[layer]:
                bad.append(where + f": {layer} may import only {sorted(ALLOWED[layer])}")
    return bad


def package_files():
    files = sorted(PKG.rglob("*.py")) + sorted((ROOT / "processes").rglob("*.py"))
    return [f for f in files if f.name != "__main__.py" or f.parent != PKG]


def test_every_module_belongs_to_a_known_layer():
    unknown = {layer_of_path(f) for f in package_files()} - set(ALLOWED) - {"__init__", "errors"}
    assert not unknown, f"modules outside the layers of docs/architecture.md: {unknown}"


def test_import_rules_hold():
    assert violations(package_files()) == []


@pytest.mark.parametrize("layer,source,fragment", [
    ("golden", "from lava_bioadam.app.config import Config\n", "golden may import only"),
    ("rules", "def f():\n    from lava.proc.dense.process import Dense\n", "import Lava"),
    ("model", "import lava_bioadam.rules.n1\n", "model may import only"),
    ("verify", "from lava_bioadam.lava.network import run_lava\n", "inside the function"),
])
def test_a_violation_is_detected(tmp_path, layer, source, fragment):
    """The checker fails on a deliberate violation (also one inside a function),
    written into a copy of the package layout in a temporary folder."""
    bad = tmp_path / "lava_bioadam" / layer / "_deliberate_violation.py"
    bad.parent.mkdir(parents=True)
    bad.write_text(source)
    found = violations([bad], root=tmp_path)
    assert found and fragment in found[0]
