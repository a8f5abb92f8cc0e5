"""Writers of a service request race on its version column: the worker bumps it on every step,
the citizen on a cancel or payment. Whoever loses gets `StaleDataError` and must read again.
Retrying at once lets the loser lose again to a burst of steps a few milliseconds apart, so
every side waits a jittered, growing pause and gives up only after a patience long enough for
the other side to settle."""

from sqlalchemy.orm.exc import StaleDataError
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_delay,
    wait_random_exponential,
)

PATIENCE_S = 5.0
"""Longer than a worker takes to settle one step, well inside a client's usual timeout."""


def retry_version_races(patience_s: float = PATIENCE_S) -> AsyncRetrying:
    """Attempts for a write that reads the row again on each try; raises `tenacity.RetryError`
    once `patience_s` has passed with every try lost."""
    return AsyncRetrying(
        retry=retry_if_exception_type(StaleDataError),
        wait=wait_random_exponential(multiplier=0.01, max=0.25),
        stop=stop_after_delay(patience_s),
    )
