"""Errors that the command-line tools report as one clear line."""


class NengoFashionError(Exception):
    """Base class of the errors a user can fix (bad data, bad options, missing runs).

    The command-line tools catch this class, print ``error: <message>`` and exit
    with status 2 instead of showing a traceback.
    """


class DataError(NengoFashionError):
    """The Fashion-MNIST files are missing, truncated or not what they claim to be."""


class ConfigError(NengoFashionError):
    """An option or configuration value is out of range."""


class RunError(NengoFashionError):
    """A run folder is missing, incomplete or incompatible with the request."""


class MissingDependencyError(NengoFashionError):
    """An optional package is not installed."""


class OutputError(NengoFashionError):
    """An output folder or file cannot be written."""
