"""Wiring shared by every Lava graph of the project (imports Lava lazily)."""
from __future__ import annotations


def connect_third_factors(unit, conn, prefix: str = "s_out") -> None:
    """Connect a post unit's learning ports ``{prefix}_bap``, ``{prefix}_y1..y3`` to a
    learning connection's ``s_in_bap``, ``s_in_y1..y3``."""
    getattr(unit, f"{prefix}_bap").connect(conn.s_in_bap)
    for i in (1, 2, 3):
        getattr(unit, f"{prefix}_y{i}").connect(getattr(conn, f"s_in_y{i}"))
