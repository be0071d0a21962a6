"""``lava-bioadam status DIR ...``: the state of results folders, with a run whose
process is gone (killed, the machine restarted) shown as ``interrupted``."""
from __future__ import annotations

from lava_bioadam.app.results import read_status


def add_parser(sub) -> None:
    p = sub.add_parser("status", help="show the state of results folders (running, complete, "
                                      "interrupted, failed) and the epochs they finished")
    p.add_argument("folders", nargs="+", metavar="DIR", help="results folder of a run")
    p.set_defaults(func=run)


def describe(folder: str) -> str:
    """One line: folder, status, epochs finished per seed, the message if any."""
    st = read_status(folder)
    epochs = st.get("epochs_finished") or {}
    seeds = ", ".join(f"seed {s}: {e}" for s, e in epochs.items()) or "none"
    line = f"{folder}: {st['status']}; epochs finished: {seeds}"
    if st["status"] != st["written_status"]:
        pid = (st.get("process") or {}).get("pid", "?")
        line += f" (its process {pid} is gone; resume with train --resume {folder})"
    elif st["status"] == "running":
        line += f" (pid {(st.get('process') or {}).get('pid', '?')})"
    if st.get("message"):
        line += f"; {st['message']}"
    return line


def run(args) -> int:
    for folder in args.folders:
        print(describe(folder))
    return 0
