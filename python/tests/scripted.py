"""Scripts of client calls that the synchronous and the asyncio client run alike, so that one test checks
both write the same Redis state. A script is a generator yielding `(method, argument)` (a bound method of
the client under test, called with the argument, or with none when it is `NONE`), sent the method's
result (`list` as a list); raw Redis set-up in between goes through a synchronous redis-py client."""

from __future__ import annotations

import inspect
from collections.abc import Generator
from typing import Any

from redbeat_sdk import Crontab, Entry, Interval

NONE = object()
Script = Generator[tuple[Any, Any], Any, None]


def every_operation(client: Any, r: Any) -> Script:
    """Each public call, including the paths that only run on a conflict or after SCRIPT FLUSH."""
    client.batch_size = 2  # several pipelined batches
    yield client.save, Entry("a", "tasks.a", Interval(60), args=[1])
    yield client.save_many, [Entry(f"m{i}", "tasks.m", Crontab(minute=str(i))) for i in range(5)]
    # beat ran it meanwhile: the re-save scores from the stored meta
    r.hset(client.keys.entry("a"), "meta", '{"last_run_at": null, "total_run_count": 3}')
    yield client.save, Entry("a", "tasks.a", Interval(30), args=[2])
    yield (
        client.save_many,
        [Entry("m0", "tasks.m", Crontab(minute="7")), Entry("m1", "tasks.m", Crontab(minute="8"))],
    )
    yield client.disable, "m2"
    yield client.enable, "m2"
    yield client.run_now, "m3"
    assert (yield client.get, "a").total_run_count == 3
    assert sorted(e.name for e in (yield client.list, NONE)) == ["a", "m0", "m1", "m2", "m3", "m4"]
    assert (yield client.delete, "m4")
    assert not (yield client.delete, "m4")
    r.script_flush()  # every node: the scripts are loaded again where needed
    yield client.save, Entry("b", "tasks.b", Interval(5))
    r.script_flush()
    yield client.save_many, [Entry("c", "tasks.c", Interval(5)), Entry("d", "tasks.d", Interval(5))]


def run(script: Script) -> list[Any]:
    """Run a script with a synchronous client; every call's result."""
    results: list[Any] = []
    try:
        while True:
            method, argument = script.send(results[-1] if results else None)
            result = method() if argument is NONE else method(argument)
            results.append(list(result) if inspect.isgenerator(result) else result)
    except StopIteration:
        return results


async def run_async(script: Script) -> list[Any]:
    """Run a script with an asyncio client, each call awaited, `list` iterated with `async for`; every
    call's result."""
    results: list[Any] = []
    try:
        while True:
            method, argument = script.send(results[-1] if results else None)
            called = method() if argument is NONE else method(argument)
            results.append([e async for e in called] if inspect.isasyncgen(called) else await called)
    except StopIteration:
        return results
