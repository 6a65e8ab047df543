"""Ingest: inputs in, documents stored. Per input: size limit, sha256, duplicate check,
then in a worker process the blob, extraction + normalization + scan + procurement facts; vendor
matching in the parent (one index, the store's judgements), then one transaction that
commits the document with its pages, search index, capture, flags, risk, facts and vendor
mentions. After each ingest the new notices are linked into the processes they join
(only those processes are rewritten, not every process of the archive).

Crash safety comes from that order: a blob is written before its document row and blobs
are idempotent, so after ``kill -9`` a re-run redoes exactly the documents that never
committed. See docs/storage.md.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import queue
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
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
COMMIT_BATCH = 64
COMMIT_WAIT_S = 1.0
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


def _worker(conn: Connection) -> None:
    # The parent going away (closed pool, or killed with -9) shows up here as EOF or a
    # broken pipe; either way there is nothing left to do.
    try:
        _serve(conn)
    except (EOFError, BrokenPipeError, ConnectionResetError):
        return


_Queued = tuple[Job, "Future[str]"]


def _receive(
    conn: Connection, jobs: queue.SimpleQueue[_Queued | None], blob_writer: ThreadPoolExecutor
) -> None:
    """Take jobs off the pipe as soon as the parent sends them, so the parent never blocks
    on a busy worker (it could not stop that worker's timed-out job while it waits), and
    start writing their blobs: an fsync takes longer than extracting a notice, so blobs are
    written ahead, while the documents before them are extracted."""
    try:
        while True:
            job: Job = conn.recv()
            blobs = BlobStore(job.settings.data_dir / "blobs")
            jobs.put((job, blob_writer.submit(blobs.put, job.data, job.key)))
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
    # Blobs are written here rather than in the parent, whose single thread commits every
    # document, on threads that need the GIL only between system calls: a short switch
    # interval hands it to them soon instead of after 5 ms of extraction.
    sys.setswitchinterval(BLOB_SWITCH_INTERVAL_S)
    blob_writer = ThreadPoolExecutor(BLOB_WRITER_THREADS, thread_name_prefix="blob")
    jobs: queue.SimpleQueue[_Queued | None] = queue.SimpleQueue()
    threading.Thread(target=_receive, args=(conn, jobs, blob_writer), daemon=True).start()
    while (queued := jobs.get()) is not None:
        job, blob = queued
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
            # pickle object by object, and the parent is the pipeline's single thread.
            result: bytes | str = processed.__pydantic_serializer__.to_json(processed)
        except Exception as exc:  # an extractor bug must cost one document, not the batch
            result = f"extraction crashed: {type(exc).__name__}: {exc}"
        # Answer only once the blob is stored: the parent commits the document row on the
        # answer, and a row must never exist without its blob.
        try:
            blob.result()
        except OSError as exc:
            result = f"could not store the original bytes: {exc}"
        conn.send((job.key, result))


# A notice touching every lazily built table (預 is traditional: the converter's too).
WARM_UP = "<p>采购人：示例局。项目编号：X-1。預算：1 万元。Camera</p>".encode()
READY = "ready"  # a worker's first message: warmed up, waiting for jobs
# Jobs sent to a worker ahead of its results, enough to keep it working while the parent
# commits a batch (COMMIT_BATCH documents between two workers); bounded in number and in
# bytes (they wait in the worker's memory).
PIPELINE_JOBS = 48
PIPELINE_BYTES = 32 * 1024 * 1024
BLOB_WRITER_THREADS = 2
BLOB_SWITCH_INTERVAL_S = 0.0005


@dataclass
class _Slot:
    process: BaseProcess
    conn: Connection
    ready: bool = False
    jobs: deque[Job] = field(default_factory=deque)  # sent, unanswered, in the worker's order
    deadline: float = 0.0  # for jobs[0]

    def has_room(self) -> bool:
        if not self.ready:
            return False
        queued = len(self.jobs)
        return queued == 0 or (
            queued < PIPELINE_JOBS and sum(len(job.data) for job in self.jobs) < PIPELINE_BYTES
        )

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
            slot.jobs.append(job)
            if len(slot.jobs) == 1:
                slot.start_clock()

    def _restart(self, slot: _Slot) -> None:
        """Replace the slot's worker; its unanswered jobs go back to the backlog, first."""
        slot.process.kill()
        slot.process.join()
        slot.conn.close()
        self._backlog.extendleft(reversed(slot.jobs))
        fresh = self._start()
        slot.process, slot.conn, slot.jobs, slot.ready = fresh.process, fresh.conn, deque(), False

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
                    key, code = slot.jobs.popleft().key, slot.process.exitcode
                    self._restart(slot)
                    done.append((key, f"extraction worker died (exit code {code})"))
                    continue
                answered = slot.jobs.popleft()
                assert answered.key == key  # a worker answers in order; not input validation
                slot.start_clock()
                if not isinstance(result, str):
                    result = Processed.model_validate_json(result)
                done.append((key, result))
            elif time.monotonic() >= slot.deadline:
                job = slot.jobs.popleft()
                self._restart(slot)
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
    data: bytes  # kept until committed: a failed worker may not have written the blob
    later: list[Origin] = field(default_factory=list)  # same bytes seen again meanwhile


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
        from .vendors.signal import link_vendors, with_signals

        if facts is None:
            return scan, []
        links = link_vendors(doc_id, facts, extraction.text, self.index, self.judgements)
        return with_signals(scan, links.signals), links.mentions


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
        self.store = store
        self.vendors = vendors
        self.blobs = BlobStore(settings.data_dir / "blobs")
        self.progress = progress
        self.summary = IngestSummary()
        self.pending: dict[str, _Pending] = {}
        # Finished documents waiting for the next commit, and captures of their duplicates.
        self.batch: dict[str, NewDocument] = {}
        self.batch_captures: list[Capture] = []
        self.batch_events: list[IngestEvent] = []
        self.batch_started = 0.0

    def report(
        self, origin: Origin, outcome: Outcome, doc_id: str | None, detail: str | None
    ) -> None:
        """Tell the progress callback, once the outcome is committed: events about a
        document in the uncommitted batch wait for :meth:`flush`."""
        event = IngestEvent(label=origin.label, outcome=outcome, doc_id=doc_id, detail=detail)
        if doc_id is not None and doc_id in self.batch:
            self.batch_events.append(event)
        elif self.progress is not None:
            self.progress(event)

    def fail(self, origin: Origin, reason: str, doc_id: str | None = None) -> None:
        self.store.record_error(
            InputError(
                source=origin.source, member=origin.member, reason=reason, at=datetime.now(UTC)
            )
        )
        self.summary.failed.append(Failure(source=origin.label, reason=reason))
        self.report(origin, Outcome.FAILED, doc_id, reason)

    def duplicate(self, origin: Origin, doc_id: str, size: int, media_type: str | None) -> None:
        capture = origin.capture(doc_id, size, media_type)
        if doc_id in self.batch:
            self.batch_captures.append(capture)
            record = self.batch[doc_id].record
        else:
            self.store.add_capture(capture)
            record = self.store.document(doc_id)
        if record.status is ExtractionStatus.FAILED:
            # Seen before and unreadable then: still a failure the user should hear about.
            self.fail(origin, record.error or "document could not be read", doc_id)
            return
        self.summary.duplicate += 1
        self.report(origin, Outcome.DUPLICATE, doc_id, None)

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
        if doc_id in self.batch or self.store.has_document(doc_id):
            self.duplicate(origin, doc_id, len(data), item.media_type)
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
            # original bytes are kept even for a document that cannot be read.
            self.blobs.put(pending.data, doc_id)
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
        if not self.batch:
            self.batch_started = time.monotonic()
        self.batch[doc_id] = NewDocument(
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
            self.duplicate(origin, doc_id, pending.size, extraction.media_type)
        if len(self.batch) >= COMMIT_BATCH:
            self.flush()

    def flush_if_due(self) -> None:
        """Commit a batch that has waited long enough (inputs may arrive slowly: URLs)."""
        if self.batch and time.monotonic() - self.batch_started > COMMIT_WAIT_S:
            self.flush()

    def flush(self) -> None:
        """Commit the finished documents: each one whole, all in one transaction."""
        if self.batch:
            self.store.add_documents(list(self.batch.values()), self.batch_captures)
            events = self.batch_events
            self.batch, self.batch_captures, self.batch_events = {}, [], []
            if self.progress is not None:
                for event in events:
                    self.progress(event)


def ingest(
    inputs: Iterable[Input], *, settings: Settings, store: Store, progress: Progress | None = None
) -> IngestSummary:
    """Store every input; failures are recorded against their input and the batch goes on.
    Then the new notices are linked into processes."""
    from .detect import load_ruleset

    run = _Ingest(settings, store, progress, str(load_ruleset().version), _Vendors(store, settings))
    pool = worker_pool(settings)
    try:
        with store.bulk_writes():
            for item in inputs:
                while not pool.has_room:
                    for doc_id, result in pool.results():
                        run.finish(doc_id, result)
                run.accept(item, pool)
                run.flush_if_due()
            while pool.busy:
                for doc_id, result in pool.results():
                    run.finish(doc_id, result)
            run.flush()
        # Also when nothing was new: a run killed before this point left its notices unlinked.
        store.link_new_notices()
    except BaseException:
        _discard_pool()  # its workers may still hold jobs of this batch
        raise
    return run.summary


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
