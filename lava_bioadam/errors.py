"""Exceptions whose message a user can act on (the CLI prints them as one line)."""


class UserError(Exception):
    """Bad input: config, data file, checkpoint, rule setting. Exit status 2."""


class ConfigError(UserError):
    """A config file is missing, unreadable, or fails validation."""


class RuleError(UserError):
    """A learning-rule setting cannot be represented or would overflow."""


class LavaRunError(RuntimeError):
    """A Lava run failed (a process model raised, or the watchdog fired)."""


class Terminated(BaseException):
    """The process received SIGTERM (raised in the main thread by the CLI's handler,
    so that runs end cleanly, as on Ctrl-C). Exit status 143."""


#: the Python that Lava 0.10 (lava-nc) installs on
LAVA_PYTHON = "3.10"


class LavaMissingError(UserError, ImportError):
    """A Lava backend or command was asked for, but Lava is not installed (the core
    package runs without it). Exit status 2."""


def lava_available() -> bool:
    """Whether Lava (``lava-nc``) can be imported; does not import it."""
    import importlib.util
    try:
        return importlib.util.find_spec("lava") is not None
    except (ImportError, ValueError):   # a broken or half-imported installation
        return False


def require_lava(what: str, hint: str = "") -> None:
    """Raise :class:`LavaMissingError` naming ``what`` (e.g. ``"the lava-fixed
    backend"``), the extra and the Python it needs, unless Lava is installed.
    ``hint``: appended to the message (a Lava-free alternative)."""
    if not lava_available():
        raise LavaMissingError(f"{what} needs Lava: pip install 'lava-bioadam[lava]' "
                               f"on Python {LAVA_PYTHON}" + (f" ({hint})" if hint else ""))
