"""A flow and the loop that runs it, without I/O.

A flow is a generator that yields the commands of one round trip, is sent their replies and returns its
result (operations.py holds the client's). `Run` steps one, so that a store's only work is sending
`run.commands` and handing back the replies: `store.Store` with redis-py, `asyncio.store.AsyncStore`
with redis.asyncio, the same loop with `await`. A script Redis does not know yet is handled here too.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, Generic, TypeVar

from .scripts import BY_SHA, Command

T = TypeVar("T")
Flow = Generator[list[Command], list[Any], T]


class NoScript:
    """The reply to an EVALSHA of a script Redis does not hold (first use, a restart, SCRIPT FLUSH): a
    store hands this marker back in its place; other error replies it raises itself."""

    def __repr__(self) -> str:
        return "NOSCRIPT"


NOSCRIPT = NoScript()


def loading_scripts(flow: Flow[T]) -> Flow[T]:
    """`flow`, each command Redis answered NOSCRIPT sent again as EVAL with the script's source, which runs
    it and loads it: one round trip more, on first use only. The flow sees only the final replies."""
    try:
        commands = next(flow)
        while True:
            replies = yield commands
            missing = [i for i, reply in enumerate(replies) if reply is NOSCRIPT]
            if missing:
                again = yield [BY_SHA[commands[i][1]].evaluated(commands[i]) for i in missing]
                for i, reply in zip(missing, again, strict=True):
                    replies[i] = reply
            commands = flow.send(replies)
    except StopIteration as done:
        result: T = done.value
        return result


class Run(Generic[T]):
    """One flow being run: send `commands`, give the replies to `send`, until `done`; then `result` is
    what the flow returned (an exception the flow raises comes out of `send`)."""

    def __init__(self, flow: Flow[T]):
        self._flow = loading_scripts(flow)
        self.done = False
        self.commands: list[Command] = []
        self.result: T
        self._step(lambda: next(self._flow))

    def send(self, replies: list[Any]) -> None:
        self._step(lambda: self._flow.send(replies))

    def _step(self, advance: Callable[[], list[Command]]) -> None:
        try:
            self.commands = advance()
        except StopIteration as finished:
            self.done, self.result = True, finished.value


def one_batch(commands: list[Command]) -> Flow[list[Any]]:
    """The replies of `commands`, sent in one round trip."""
    replies = yield commands
    return replies
