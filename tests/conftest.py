"""Tests marked ``lava`` need Lava (the ``[lava]`` extra, Python 3.10); where it is
not installed they are skipped with the reason printed, and the rest of the suite
(the core: reference, rules, golden model, app without Lava) runs."""
import sys

import pytest

from lava_bioadam.errors import LAVA_PYTHON, lava_available

SKIP_REASON = (f"needs Lava, not installed on Python {sys.version_info[0]}.{sys.version_info[1]}"
               f" (pip install 'lava-bioadam[lava]' on Python {LAVA_PYTHON})")


def pytest_collection_modifyitems(config, items):
    if lava_available():
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if "lava" in item.keywords:
            item.add_marker(skip)


def pytest_report_header(config):
    return "lava: " + ("installed" if lava_available() else SKIP_REASON)
