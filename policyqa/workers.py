"""The pool of threads that answer questions, bounded so that a busy server says 503 at once."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from fastapi import HTTPException


class AnswerWorkers:
    """A bounded pool of threads that answer questions, one per core by default. The
    embedder and vector search release the GIL, so answers run in parallel; reads take no
    global lock (writes are serialised by the Assistant's write lock). When `max_pending`
    questions are already waiting, a new one gets 503 at once instead of queueing forever."""

    def __init__(self, workers: int, max_pending: int) -> None:
        self.workers = workers
        self.max_pending = max(workers, max_pending)
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="answer")
        self.pending = 0

    def _admit(self) -> None:
        if self.pending >= self.max_pending:
            raise HTTPException(503, f"the assistant is busy ({self.pending} questions waiting); "
                                     "please retry shortly", headers={"Retry-After": "2"})
        self.pending += 1

    async def run(self, fn, *args):
        self._admit()
        try:
            return await asyncio.wrap_future(self.pool.submit(fn, *args))
        finally:
            self.pending -= 1

    async def iterate(self, make_iterator):
        """Items of a blocking iterator produced on a worker thread, as an async iterator."""
        self._admit()
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()

        def produce() -> None:
            try:
                for item in make_iterator():
                    loop.call_soon_threadsafe(queue.put_nowait, ("item", item))
                loop.call_soon_threadsafe(queue.put_nowait, ("end", None))
            except BaseException as e:  # handed to the consumer, which decides what to say
                loop.call_soon_threadsafe(queue.put_nowait, ("error", e))

        try:
            self.pool.submit(produce)
            while True:
                kind, value = await queue.get()
                if kind == "end":
                    return
                if kind == "error":
                    raise value
                yield value
        finally:
            self.pending -= 1
