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
