"""One background loop shape for the gateway's periodic chores (endpoint changes, signing
keys, audit checkpoints): each round runs after a pause, and a failed round is logged and
tried again at the next one, so a database hiccup never ends the chore for good."""

import asyncio
import logging
from collections.abc import Awaitable, Callable


class Every:
    def __init__(
        self,
        interval_s: float,
        chore: Callable[[], Awaitable[object]],
        name: str,
        failure: str,
        log: logging.Logger,
    ) -> None:
        self._interval_s = interval_s
        self._chore = chore
        self._name = name
        self._failure = failure
        self._log = log
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=self._name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                await self._chore()
            except Exception:
                self._log.exception(self._failure)
