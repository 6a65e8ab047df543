"""Ingest: inputs in, documents stored. Per input: size limit, sha256, duplicate check,
then in a worker process extraction + normalization + scan + procurement facts and the blob;
vendor matching in the parent (one index, the store's judgements), then one transaction, on
the parent's commit thread, that commits the document with its pages, search index,
capture, flags, risk, facts and vendor mentions. After each ingest the new notices are
linked into the processes they join (only those processes are rewritten, not every process
of the archive).

Crash safety comes from that order: a blob is written, and made durable, before its
document row commits, and blobs are idempotent, so after ``kill -9`` a re-run redoes
exactly the documents that never committed. See docs/storage.md.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from .blobs import BlobStore, sha256_hex
from .facts.model import NoticeFacts
from .model import PAGE_SEPARATOR, Extraction, ExtractionStatus, Risk, ScanResult
from .settings import Settings
from .sources import Input, Origin
from .store.base import (
    Capture,
    DocumentRecord,
    InputError,
    NewDocument,
    Store,
    StoredPage,
    VendorMention,
)

if TYPE_CHECKING:
    from .detect import RuleSet
    from .normalize import Normalized
    from .vendors import JudgementLog, VendorIndex

UNKNOWN_MEDIA_TYPE = "application/octet-stream"
# Finished documents are committed together (each whole: never half a document), at most
# this many or this old; a kill -9 loses at most that much work, which a re-run redoes.
COMMIT_BATCH = 256
COMMIT_WAIT_S = 1.0
# Batches handed to the committer thread and not committed yet, at most: enough to keep it
# writing while the next batch fills, and a bound on the memory they hold.
COMMITS_AHEAD = 2
BLOB_SYNC_THREADS = 8
RESCAN_BATCH = 256  # documents normalized, then scanned, together


class Outcome(StrEnum):
    NEW = "new"
    DUPLICATE = "duplicate"
    FAILED = "failed"


class Failure(BaseModel):
    source: str
    reason: str


class IngestEvent(BaseModel):
    """Reported to the progress callback once per input, after its outcome is committed."""

    label: str
    outcome: Outcome
    doc_id: str | None = None
    detail: str | None = None


class IngestSummary(BaseModel):
    new: int = 0
    duplicate: int = 0
    failed: list[Failure] = Field(default_factory=list)
    by_status: dict[str, int] = Field(default_factory=dict, description="new documents by status")
    by_risk: dict[str, int] = Field(default_factory=dict, description="new documents by risk")


Progress = Callable[[IngestEvent], None]


# -- the work done in a worker process ------------------------------------------------------


class Processed(BaseModel):
    """What a worker returns for one document."""

    extraction: Extraction
    normalized: list[str]  # per page, what search and detection run on
    scan: ScanResult | None
    facts: NoticeFacts | None = None


def normalize_pages(extraction: Extraction) -> list[Normalized]:
    """Each page normalized once: stored for search, and joined for the scan."""
    from .normalize import normalize

    return [normalize(page.text) for page in extraction.pages]


def joined_pages(pages: Sequence[Normalized]) -> Normalized:
    """The normalized pages as one text, as :func:`~tenderwatch.detect.scan` expects it."""
    from .normalize import Normalized

    return Normalized.join(pages, PAGE_SEPARATOR)


def process_document(
    data: bytes,
    *,
    settings: Settings,
    media_type: str | None,
    charset_hint: str | None,
    ruleset: RuleSet,
) -> Processed:
    """Extract, normalize, scan and read the facts of one document: a pure function of its
    bytes."""
    from .detect import scan
    from .extract import extract
    from .facts import extract_facts

    extraction = extract(data, settings=settings, media_type=media_type, charset_hint=charset_hint)
    pages = normalize_pages(extraction)
    failed = extraction.status is ExtractionStatus.FAILED
    return Processed(
        extraction=extraction,
        normalized=[page.text for page in pages],
        scan=None if failed else scan(extraction, ruleset, normalized=joined_pages(pages)),
        facts=None if failed else extract_facts(extraction, settings=settings),
    )


@dataclass(frozen=True)
class Job:
    key: str
    data: bytes
    media_type: str | None
    charset_hint: str | None
    settings: Settings
    ruleset_version: str
    retried: bool = False  # a worker already died on this job once


def _worker(conn: Connection) -> None:
    # The parent going away (closed pool, or killed with -9) shows up here as EOF or a
    # broken pipe; either way there is nothing left to do.
    try:
        _serve(conn)
    except (EOFError, BrokenPipeError, ConnectionResetError):
        return


def _receive(conn: Connection, jobs: queue.SimpleQueue[Job | None]) -> None:
    """Take jobs off the pipe as soon as the parent sends them, so the parent never blocks
    on a busy worker (it could not stop that worker's timed-out job while it waits)."""
    try:
        while True:
            jobs.put(conn.recv())
    except (EOFError, OSError):
        jobs.put(None)


def _serve(conn: Connection) -> None:
    from .detect import load_ruleset

    try:
        ruleset = load_ruleset()
        # Build what the first document would otherwise build (the rule set's matcher, the
        # normalization and facts tables): that must not count against its timeout.
        process_document(
            WARM_UP, settings=Settings(), media_type="text/html", charset_hint=None, ruleset=ruleset
        )
    except Exception as exc:
        conn.send(f"{type(exc).__name__}: {exc}")
        return
    conn.send(READY)
    jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
    threading.Thread(target=_receive, args=(conn, jobs), daemon=True).start()
    while (job := jobs.get()) is not None:
        try:
            if ruleset.version != job.ruleset_version:  # rules edited since this worker started
                ruleset = load_ruleset()
            processed = process_document(
                job.data,
                settings=job.settings,
                media_type=job.media_type,
                charset_hint=job.charset_hint,
                ruleset=ruleset,
            )
            # JSON, not a pickle: pydantic rebuilds a model from JSON in Rust, from a
            # pickle object by object, and the parent's main thread reads every result.
            result: bytes | str = processed.__pydantic_serializer__.to_json(processed)
        except Exception as exc:  # an extractor bug must cost one document, not the batch
            result = f"extraction crashed: {type(exc).__name__}: {exc}"
        # Written before the answer, on which the parent commits the document's row (a row
        # never exists without its blob); made durable by the parent's commit thread, so
        # the worker goes on extracting instead of waiting for the disk.
        try:
            BlobStore(job.settings.data_dir / "blobs").put(job.data, job.key, durable=False)
        except OSError as exc:
            result = f"could not store the original bytes: {exc}"
        conn.send((job.key, result))


# A notice touching every lazily built table (預 is traditional: the converter's too).
WARM_UP = "<p>采购人：示例局。项目编号：X-1。預算：1 万元。Camera</p>".encode()
READY = "ready"  # a worker's first message: warmed up, waiting for jobs
# Jobs sent to a worker ahead of its results, enough to keep it working while the parent's
# main thread is busy with other workers' results and the next inputs; bounded in number
# and in bytes (they wait in the worker's memory).
PIPELINE_JOBS = 48
PIPELINE_BYTES = 32 * 1024 * 1024


@dataclass
class _Slot:
    process: BaseProcess
    conn: Connection
    ready: bool = False
    jobs: deque[Job] = field(default_factory=deque)  # sent, unanswered, in the worker's order
    queued_bytes: int = 0  # of those jobs' data
    deadline: float = 0.0  # for jobs[0]

    def has_room(self) -> bool:
        if not self.ready:
            return False
        queued = len(self.jobs)
        return queued == 0 or (queued < PIPELINE_JOBS and self.queued_bytes < PIPELINE_BYTES)

    def sent(self, job: Job) -> None:
        self.jobs.append(job)
        self.queued_bytes += len(job.data)
        if len(self.jobs) == 1:
            self.start_clock()

    def answered(self) -> Job:
        """The job the worker was on, done (answered, timed out or died with it)."""
        job = self.jobs.popleft()
        self.queued_bytes -= len(job.data)
        return job

    def start_clock(self) -> None:
        """The worker takes up ``jobs[0]`` now at the latest (when the job before it was
        answered, or when it was sent to an idle worker): its timeout counts from here."""
        if self.jobs:
            self.deadline = time.monotonic() + self.jobs[0].settings.document_timeout_s


class WorkerError(Exception):
    """Workers cannot start (e.g. the rule set does not load): nothing can be ingested."""


class WorkerPool:
    """Worker processes that each hold the compiled rule set and work through their jobs
    one at a time, so a document over ``document_timeout_s`` is stopped by killing just its
    worker (a ``ProcessPoolExecutor`` cannot kill one task); the jobs queued behind it go
    to a fresh worker. Jobs carry their own settings, so one pool serves every ingest in a
    process and the rule-set compile is paid once."""

    def __init__(self, size: int) -> None:
        self.size = size
        # forkserver: workers fork from a clean, single-threaded server process, not from
        # the caller (which may hold threads, an open database or an HTTP server).
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(
            ["tenderwatch.ingest", "tenderwatch.extract", "tenderwatch.detect", "tenderwatch.facts"]
        )
        self._slots = [self._start() for _ in range(size)]
        self._backlog: deque[Job] = deque()  # submitted, waiting for room in a worker

    def _start(self) -> _Slot:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_worker, args=(child,), daemon=True)
        process.start()
        child.close()
        return _Slot(process, parent)

    @property
    def has_room(self) -> bool:
        """Whether a job submitted now goes straight to a worker."""
        return not self._backlog and any(slot.has_room() for slot in self._slots)

    @property
    def busy(self) -> bool:
        return bool(self._backlog) or any(slot.jobs for slot in self._slots)

    def submit(self, job: Job) -> None:
        self._backlog.append(job)
        self._dispatch()

    def _dispatch(self) -> None:
        while self._backlog:
            roomy = [slot for slot in self._slots if slot.has_room()]
            if not roomy:
                return
            slot = min(roomy, key=lambda slot: len(slot.jobs))
            job = self._backlog[0]
            try:
                slot.conn.send(job)
            except OSError:  # the worker died (killed from outside)
                if slot.jobs:
                    return  # results() sees it end and charges the job it was on
                self._restart(slot)
                continue
            self._backlog.popleft()
            slot.sent(job)

    def _restart(self, slot: _Slot) -> str:
        """Replace the slot's worker; its unanswered jobs go back to the backlog, first.
        Says how the old worker ended."""
        slot.process.kill()  # a no-op on one already dead: its own exit status stays
        slot.process.join()
        slot.conn.close()
        code = slot.process.exitcode or 0
        ended = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        self._backlog.extendleft(reversed(slot.jobs))
        fresh = self._start()
        slot.process, slot.conn, slot.ready = fresh.process, fresh.conn, False
        slot.jobs, slot.queued_bytes = deque(), 0
        return ended

    def _stop(self, slot: _Slot) -> tuple[Job, str]:
        """The job the slot's worker was on (it died or timed out), and how the worker
        ended: the worker is replaced, and what it left of the job's blob is removed."""
        job = slot.answered()
        ended = self._restart(slot)
        _discard_partial_blob(job)
        return job, ended

    @staticmethod
    def _await_ready(slot: _Slot) -> None:
        try:
            message = slot.conn.recv()
        except (EOFError, OSError) as exc:
            message = f"exited ({exc or 'no message'})"
        if message != READY:
            raise WorkerError(f"an extraction worker could not start: {message}")
        slot.ready = True

    def results(self) -> list[tuple[str, Processed | str]]:
        """Wait until a worker answers, times out or becomes ready; a string is an error.
        A job's clock never runs during a worker's start-up."""
        busy = [slot for slot in self._slots if slot.jobs]
        starting = [slot for slot in self._slots if not slot.ready]
        timeout = max(0.0, min(slot.deadline for slot in busy) - time.monotonic()) if busy else None
        ready = wait([slot.conn for slot in busy + starting], timeout=timeout)
        for slot in starting:
            if slot.conn in ready:
                self._await_ready(slot)
        done: list[tuple[str, Processed | str]] = []
        for slot in busy:
            if slot.conn in ready:
                try:
                    key, result = slot.conn.recv()
                except (EOFError, OSError):
                    job, ended = self._stop(slot)
                    if job.retried:
                        done.append((job.key, f"the extraction worker died twice on it ({ended})"))
                    else:
                        # A worker killed from outside (the OOM killer, an operator) dies
                        # with whatever job it was on, even one sent after the kill: the
                        # job gets one fresh worker. A document that kills its worker kills
                        # that one too.
                        self._backlog.appendleft(replace(job, retried=True))
                    continue
                answered = slot.answered()
                assert answered.key == key  # a worker answers in order; not input validation
                slot.start_clock()
                if not isinstance(result, str):
                    result = Processed.model_validate_json(result)
                done.append((key, result))
            elif time.monotonic() >= slot.deadline:
                job, _ = self._stop(slot)
                done.append(
                    (
                        job.key,
                        f"extraction took longer than document_timeout_s "
                        f"({job.settings.document_timeout_s:g} s); the worker was stopped",
                    )
                )
        self._dispatch()
        return done

    @property
    def pids(self) -> list[int]:
        return [slot.process.pid for slot in self._slots if slot.process.pid is not None]

    def close(self) -> None:
        # Workers hold nothing worth a clean exit, and one may still be compiling the rule
        # set: stopping them beats waiting for them.
        for slot in self._slots:
            slot.conn.close()
            slot.process.kill()
        for slot in self._slots:
            slot.process.join()


def _discard_partial_blob(job: Job) -> None:
    # The stopped worker may have been writing the job's blob (it writes it after the
    # extraction); it has been joined, so nobody writes that blob now.
    # A leftover that cannot be removed costs disk space only: no reason to stop the ingest.
    with suppress(OSError):
        BlobStore(job.settings.data_dir / "blobs").discard_partial(job.key)


_POOL: WorkerPool | None = None


def worker_pool(settings: Settings) -> WorkerPool:
    """The process's worker pool, started on first use and kept for later ingests."""
    global _POOL
    size = max(1, settings.workers or len(os.sched_getaffinity(0)))
    if _POOL is not None and (_POOL.size != size or _POOL.busy):
        _POOL.close()
        _POOL = None
    if _POOL is None:
        _POOL = WorkerPool(size)
    return _POOL


def _discard_pool() -> None:
    global _POOL
    if _POOL is not None:
        _POOL.close()
        _POOL = None


# -- the ingest loop ------------------------------------------------------------------------


@dataclass
class _Pending:
    origin: Origin
    size: int
    media_type: str
    data: bytes  # kept until the worker answers: one that fails may not have written the blob
    later: list[Origin] = field(default_factory=list)  # same bytes seen again meanwhile


@dataclass
class _Batch:
    """What one transaction commits (whole documents, captures of documents seen again,
    input errors) and the progress events to tell once it has."""

    documents: dict[str, NewDocument] = field(default_factory=dict)
    captures: list[Capture] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    events: list[IngestEvent] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def __len__(self) -> int:
        return len(self.documents) + len(self.captures) + len(self.errors)


class _Committer:
    """Commits batches, in order, on a thread with a connection of its own
    (:meth:`Store.reopen`), once their blobs are durable. SQLite, psycopg and fsync let go
    of the GIL while they write, so the ingest's main thread goes on reading inputs,
    sending jobs and reading results: when it also committed, it was the pipeline's limit
    and the workers waited on it. A batch's blobs are fsynced from when it is handed over,
    on a thread of their own, while the batches before it commit."""

    def __init__(self, store: Store, blobs: BlobStore) -> None:
        self._writer = store.reopen()
        self._blobs = blobs
        self._syncing = ThreadPoolExecutor(BLOB_SYNC_THREADS, thread_name_prefix="blob-sync")
        self._todo: queue.Queue[tuple[_Batch, list[Future[None]]] | None] = queue.Queue(
            COMMITS_AHEAD
        )
        self._done: queue.SimpleQueue[_Batch] = queue.SimpleQueue()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._commit, name="ingest-commit", daemon=True)
        self._thread.start()

    def _commit(self) -> None:
        try:
            with self._writer.bulk_writes():
                while (queued := self._todo.get()) is not None:
                    batch, durable = queued
                    if self._failure is not None:
                        continue  # keep taking batches: the main thread never blocks on put
                    try:
                        for part in durable:
                            part.result()
                        self._writer.add_documents(list(batch.documents.values()), batch.captures)
                        for error in batch.errors:
                            self._writer.record_error(error)
                    except BaseException as exc:  # raised in the main thread, see committed()
                        self._failure = exc
                    else:
                        self._done.put(batch)
        finally:
            self._writer.close()

    def submit(self, batch: _Batch) -> None:
        self._raise_failure()
        # fsyncs in parallel: one at a time, a disk shared with the commits was slower than
        # them (a blob's fsync took up to several milliseconds)
        doc_ids = list(batch.documents)
        durable = [
            self._syncing.submit(self._sync, doc_ids[part::BLOB_SYNC_THREADS])
            for part in range(min(BLOB_SYNC_THREADS, len(doc_ids)))
        ]
        self._todo.put((batch, durable))  # waits while COMMITS_AHEAD batches wait

    def _sync(self, doc_ids: list[str]) -> None:
        for doc_id in doc_ids:  # written by the workers, not fsynced there
            self._blobs.sync(doc_id)

    def committed(self) -> list[_Batch]:
        """The batches committed since the last call, in order."""
        self._raise_failure()
        done: list[_Batch] = []
        while True:
            try:
                done.append(self._done.get_nowait())
            except queue.Empty:
                return done

    def close(self) -> list[_Batch]:
        """Wait for every submitted batch; the ones committed since :meth:`committed`."""
        self.stop()
        return self.committed()

    def stop(self) -> None:
        """Let the thread commit what it was handed, and end."""
        self._todo.put(None)
        self._thread.join()
        self._syncing.shutdown()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure


class _Vendors:
    """The vendor index and the store's judgements, loaded once per ingest or re-scan."""

    def __init__(self, store: Store, settings: Settings | None) -> None:
        from .vendors import build_index, judgement_log

        self.index: VendorIndex = build_index(settings.data_dir if settings else None)
        self.judgements: JudgementLog = judgement_log(store)

    def apply(
        self, doc_id: str, extraction: Extraction, facts: NoticeFacts | None, scan: ScanResult
    ) -> tuple[ScanResult, list[VendorMention]]:
        """Match the notice's vendor mentions; a listed vendor adds its signal to the scan
        before the risk is computed."""
        from .vendors.signal import scan_with_vendors

        return scan_with_vendors(doc_id, extraction.text, facts, scan, self.index, self.judgements)


class _Ingest:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        progress: Progress | None,
        ruleset_version: str,
        vendors: _Vendors,
    ) -> None:
        self.settings = settings
        self.ruleset_version = ruleset_version
        self.store = store  # read here; written only by the committer
        self.vendors = vendors
        self.blobs = BlobStore(settings.data_dir / "blobs")
        self.progress = progress
        self.summary = IngestSummary()
        self.pending: dict[str, _Pending] = {}
        self.batch = _Batch()
        # Documents of batches handed to the committer and not committed yet: the store
        # cannot see them, but a duplicate of one must still be told from a new document.
        self.committing: dict[str, NewDocument] = {}
        self.committer = _Committer(store, self.blobs)

    def report(
        self, origin: Origin, outcome: Outcome, doc_id: str | None, detail: str | None
    ) -> None:
        """Tell the progress callback, once the batch holding the outcome is committed."""
        event = IngestEvent(label=origin.label, outcome=outcome, doc_id=doc_id, detail=detail)
        self.batch.events.append(event)

    def fail(self, origin: Origin, reason: str, doc_id: str | None = None) -> None:
        self.batch.errors.append(
            InputError(
                source=origin.source, member=origin.member, reason=reason, at=datetime.now(UTC)
            )
        )
        self.summary.failed.append(Failure(source=origin.label, reason=reason))
        self.report(origin, Outcome.FAILED, doc_id, reason)

    def known(self, doc_id: str) -> DocumentRecord | None:
        """The record of a document committed or on its way to be, or None."""
        new = self.batch.documents.get(doc_id) or self.committing.get(doc_id)
        if new is not None:
            return new.record
        return self.store.document(doc_id) if self.store.has_document(doc_id) else None

    def duplicate(
        self, origin: Origin, record: DocumentRecord, size: int, media_type: str | None
    ) -> None:
        self.batch.captures.append(origin.capture(record.id, size, media_type))
        if record.status is ExtractionStatus.FAILED:
            # Seen before and unreadable then: still a failure the user should hear about.
            self.fail(origin, record.error or "document could not be read", record.id)
        else:
            self.summary.duplicate += 1
            self.report(origin, Outcome.DUPLICATE, record.id, None)

    def accept(self, item: Input, pool: WorkerPool) -> None:
        """Handle one input now, or hand it to a worker (the pool has an idle one)."""
        origin = item.origin
        if item.error is not None or item.data is None:
            self.fail(origin, item.error or "no data")
            return
        data = item.data
        if not data:
            self.fail(origin, "empty file (0 bytes): nothing to archive")
            return
        if len(data) > self.settings.max_file_bytes:
            self.fail(
                origin, f"{len(data)} bytes is over max_file_bytes ({self.settings.max_file_bytes})"
            )
            return
        doc_id = sha256_hex(data)
        if doc_id in self.pending:
            self.pending[doc_id].later.append(origin)
            return
        if (record := self.known(doc_id)) is not None:
            self.duplicate(origin, record, len(data), item.media_type)
            return
        media_type = item.media_type or UNKNOWN_MEDIA_TYPE
        self.pending[doc_id] = _Pending(origin, len(data), media_type, data)
        pool.submit(
            Job(
                doc_id,
                data,
                item.media_type,
                origin.charset_hint,
                self.settings,
                self.ruleset_version,
            )
        )

    def finish(self, doc_id: str, result: Processed | str) -> None:
        """Commit a worker's result (or its failure) as one document."""
        pending = self.pending.pop(doc_id)
        if isinstance(result, str):
            # The worker may have died or been stopped before writing the blob: the
            # original bytes are kept even for a document that cannot be read (made
            # durable, as every blob of the batch, by the commit thread).
            self.blobs.put(pending.data, doc_id, durable=False)
            processed = Processed(
                extraction=Extraction(
                    media_type=pending.media_type,
                    extractor="none",
                    status=ExtractionStatus.FAILED,
                    error=result,
                ),
                normalized=[],
                scan=None,
            )
        else:
            processed = result
        extraction = processed.extraction
        scan = processed.scan
        mentions: list[VendorMention] = []
        if scan is not None:
            scan, mentions = self.vendors.apply(doc_id, extraction, processed.facts, scan)
        record = DocumentRecord(
            id=doc_id,
            size=pending.size,
            media_type=extraction.media_type,
            status=extraction.status,
            title=extraction.title,
            extractor=extraction.extractor,
            charset=extraction.charset,
            error=extraction.error,
            extracted_at=datetime.now(UTC),
        )
        self.batch.documents[doc_id] = NewDocument(
            record=record,
            pages=[
                StoredPage(number=p.number, text=p.text, normalized=n, ocr=p.ocr)
                for p, n in zip(extraction.pages, processed.normalized, strict=True)
            ],
            full_text=extraction.full_text,
            warnings=extraction.warnings,
            capture=pending.origin.capture(doc_id, pending.size, extraction.media_type),
            scan=scan,
            facts=processed.facts,
            vendor_mentions=mentions,
        )
        if extraction.status is ExtractionStatus.FAILED:
            self.fail(pending.origin, extraction.error or "document could not be read", doc_id)
        else:
            s = self.summary
            s.new += 1
            s.by_status[extraction.status.value] = s.by_status.get(extraction.status.value, 0) + 1
            if scan is not None:
                s.by_risk[scan.risk.value] = s.by_risk.get(scan.risk.value, 0) + 1
            self.report(pending.origin, Outcome.NEW, doc_id, extraction.status.value)
        for origin in pending.later:
            self.duplicate(origin, record, pending.size, extraction.media_type)
        if len(self.batch) >= COMMIT_BATCH:
            self.flush()

    def flush_if_due(self) -> None:
        """Commit a batch that has waited long enough (inputs may arrive slowly: URLs), and
        tell what has been committed meanwhile."""
        if self.batch and time.monotonic() - self.batch.started > COMMIT_WAIT_S:
            self.flush()
        else:
            self.tell(self.committer.committed())

    def flush(self) -> None:
        """Hand the batch to the committer: each document whole, all in one transaction."""
        if self.batch:
            self.committer.submit(self.batch)
            self.committing.update(self.batch.documents)
            self.batch = _Batch()
        self.tell(self.committer.committed())

    def close(self) -> None:
        """Commit what is left and wait for it."""
        self.flush()
        self.tell(self.committer.close())

    def tell(self, committed: list[_Batch]) -> None:
        for batch in committed:
            for doc_id in batch.documents:
                del self.committing[doc_id]
            if self.progress is not None:
                for event in batch.events:
                    self.progress(event)


def ingest(
    inputs: Iterable[Input], *, settings: Settings, store: Store, progress: Progress | None = None
) -> IngestSummary:
    """Store every input; failures are recorded against their input and the batch goes on.
    Then the new notices are linked into processes."""
    from .detect import load_ruleset

    pool = worker_pool(settings)
    run = _Ingest(settings, store, progress, str(load_ruleset().version), _Vendors(store, settings))
    # A run killed while its workers wrote blobs left their temporary files: gone here.
    run.blobs.discard_stale_partials()
    with _fewer_collections():
        try:
            for item in inputs:
                while not pool.has_room:
                    for doc_id, result in pool.results():
                        run.finish(doc_id, result)
                run.accept(item, pool)
                run.flush_if_due()
            while pool.busy:
                for doc_id, result in pool.results():
                    run.finish(doc_id, result)
            run.close()
            # Also when nothing was new: a run killed before this point left its notices
            # unlinked.
            store.link_new_notices()
        except BaseException:
            _discard_pool()  # its workers may still hold jobs of this batch
            run.committer.stop()  # what it was handed is committed: whole documents
            raise
    return run.summary


# Young objects are collected after this many allocations during a run, not 700.
_RUN_GC_THRESHOLD = 50_000


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """An ingest with the garbage collector mostly out of the parent's way. The objects
    alive at its start (rule set, vendor index, tables) are frozen, so collections no
    longer walk them, and young objects are collected every 50,000 allocations. The
    parent's main thread, which also reads every result and dispatches every job, spent
    about a seventh of its samples collecting. Over 20k notices it now uses 4-5 s less CPU
    (17.2-17.8 s to 12.9-13.1 s), with the same peak memory; the saving is early in a run
    (the same at 100k). The collector's settings are restored afterwards; objects that the
    caller froze itself (say, before forking) are left as they are, and then nothing more
    is frozen."""
    threshold = gc.get_threshold()
    freezing = gc.get_freeze_count() == 0
    if freezing:
        gc.freeze()
    gc.set_threshold(_RUN_GC_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if freezing:
            gc.unfreeze()


# -- re-scanning stored documents -------------------------------------------------------------


class RescanSummary(BaseModel):
    documents: int = 0
    skipped: int = Field(0, description="documents that could not be read, so have no text to scan")
    by_risk: dict[str, int] = Field(default_factory=dict)
    processes: int = Field(0, description="procurement processes after re-linking")
    ruleset_version: str


def rescan(
    store: Store,
    *,
    settings: Settings | None = None,
    progress: Callable[[str, Risk | None], None] | None = None,
) -> RescanSummary:
    """Scan every stored document with the current rule set, re-read its facts, re-match
    its vendors (with the latest judgements), replacing flags, risk, facts and matches;
    then re-link processes. Reviewer decisions and judgements are never touched.
    ``settings.data_dir`` supplies imported vendor lists (none without settings)."""
    from .detect import load_ruleset, scan_many
    from .facts import extract_facts

    ruleset = load_ruleset()
    vendors = _Vendors(store, settings)
    summary = RescanSummary(ruleset_version=str(ruleset.version))
    readable = _readable(store, summary, progress)
    # Scanned in batches: normalizing a batch and then scanning it keeps each stage's
    # tables in the CPU caches (bench/bench_scan.py, --batch).
    while batch := list(itertools.islice(readable, RESCAN_BATCH)):
        extractions = [extraction for _, extraction in batch]
        normalized = [joined_pages(normalize_pages(extraction)) for extraction in extractions]
        found = scan_many(extractions, ruleset, normalized=normalized)
        for (doc_id, extraction), scanned in zip(batch, found, strict=True):
            facts = extract_facts(extraction, settings=settings)
            result, mentions = vendors.apply(doc_id, extraction, facts, scanned)
            store.store_analysis(doc_id, result, facts, mentions)
            summary.documents += 1
            summary.by_risk[result.risk.value] = summary.by_risk.get(result.risk.value, 0) + 1
            if progress is not None:
                progress(doc_id, result.risk)
    summary.processes = store.relink_processes()
    return summary


def _readable(
    store: Store,
    summary: RescanSummary,
    progress: Callable[[str, Risk | None], None] | None,
) -> Iterator[tuple[str, Extraction]]:
    """The stored documents with text; the others are counted as skipped on the way."""
    for doc_id in store.document_ids():
        extraction = store.extraction(doc_id)
        if extraction.status is ExtractionStatus.FAILED:
            summary.skipped += 1
            if progress is not None:
                progress(doc_id, None)
            continue
        yield doc_id, extraction
