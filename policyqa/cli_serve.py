"""`policyqa serve`: the web server, saying what it does while it gets ready and where it is."""

from __future__ import annotations

import sys
from pathlib import Path

from policyqa.cli_common import library_of, say, settings_of


def _index_sample(assistant, sample: Path) -> None:
    """First start: index the sample corpus one document at a time, so that the progress bar
    (documents, chunks so far) moves as the slow part — embedding — gets done."""
    from tqdm import tqdm

    from ingest.pipeline import expand_paths

    files = expand_paths([sample])
    say(f"first start: the knowledge base is empty; indexing the {len(files)} sample documents "
         f"in {sample} (about a minute on 2 CPU cores; later starts take seconds)")
    indexed = chunks = 0
    with tqdm(files, desc="indexing", unit="doc", file=sys.stderr) as bar:
        for path in bar:
            report = assistant.ingest([path])
            indexed += report.count("indexed", "updated")
            chunks += report.chunks
            bar.set_postfix(chunks=chunks)
            for r in report.results:
                if r.status == "failed":
                    say(f"could not index {r.doc}: {r.reason}")
    say(f"indexed {indexed} of {len(files)} documents, {chunks} chunks")


def cmd_serve(args) -> int:
    """Start the server, saying what it does while it gets ready (the first start indexes the
    sample corpus, which takes minutes on a small CPU) and where it is once it is ready."""
    import time

    started = time.monotonic()
    say("loading the embedding model and the knowledge base…")
    settings = settings_of(args)
    assistant = library_of(args).default_assistant()
    sample = Path(settings.sample_corpus)
    if assistant is not None and assistant.store.count_chunks() == 0 and sample.is_dir():
        _index_sample(assistant, sample)
    if assistant is not None:
        say(f"knowledge base: {len(assistant.store.documents())} documents, "
             f"{assistant.store.count_chunks()} chunks")
    say("starting the web server…")
    import uvicorn

    from policyqa.server import build_app
    from policyqa.serving import uvicorn_options

    app = build_app(settings, assistant)
    url = f"http://{settings.host}:{settings.port}"

    class Server(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets)
            if self.started:
                say(f"ready at {url}/ui/ (chat) · {url}/docs (API) · {url}/widget.js "
                     f"({time.monotonic() - started:.0f} s)")

    Server(uvicorn.Config(app, **uvicorn_options(settings))).run()
    return 0
