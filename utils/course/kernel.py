"""The one kernel runner of the course's tooling: the checker, the readers' site and the Colab
twin all execute notebooks through `notebook_client`.

It is nbclient's ``NotebookClient`` with one fix: the kernel's replies are awaited in polls of at
most one second (`in_slices`). With jupyter_client 7.4.9 and pyzmq 26 (Colab's versions), and
under load with newer ones, a long asyncio poll now and then misses a message that has arrived
(ZeroMQ signals edges) and sees it only when the poll times out: a cell then stalled for the
whole cell time limit (300 s, twice in about 100 notebook runs, on a slider cell and in the
slider test). A fresh poll every second sees it at once; the cell's time limit stays the only
limit, a stall guard rather than a reply timeout.

Optionally the client caps what a cell may send back (``max_cell_chars``, ``max_total_chars``):
stream text, display data, their metadata and comm messages all count, so that a notebook
cannot fill the runner's memory through any of them; and a single message over
`MAX_MESSAGE_BYTES` (a comm message or metadata of 150 MB) is dropped as it arrives, before it
is decoded (decoding costs several copies of it).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from queue import Empty

POLL_S = 1.0  # the longest single wait for a kernel message
MAX_MESSAGE_BYTES = 16 << 20  # one output message, with caps (a full cell's, even as \u escapes)


def in_slices(
    get_msg: Callable[..., Awaitable[dict]], step: float = POLL_S
) -> Callable[..., Awaitable[dict]]:
    """``get_msg(timeout)`` that waits in polls of at most ``step`` seconds (see the module)."""

    async def get(timeout: float | None = None, **kwargs) -> dict:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = step if deadline is None else max(0.0, min(step, deadline - time.monotonic()))
            try:
                return await get_msg(timeout=left, **kwargs)
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    return get


def poll_in_slices(kc) -> None:
    """Make a kernel client's shell and iopub channels wait with `in_slices`."""
    for channel in (kc.shell_channel, kc.iopub_channel):
        if not getattr(channel.get_msg, "_in_slices", False):
            channel.get_msg = in_slices(channel.get_msg)
            channel.get_msg._in_slices = True


def drop_oversized(kc, limit: int = MAX_MESSAGE_BYTES) -> None:
    """Make a kernel client's iopub channel drop a message over ``limit`` bytes undecoded: it
    becomes an empty message of no cell's, which the client ignores."""
    channel = kc.iopub_channel
    if not hasattr(channel, "_recv") or getattr(channel, "_drops_oversized", False):
        return

    async def receive(**kwargs) -> dict:
        frames = await channel.socket.recv_multipart(copy=False)
        if sum(len(frame) for frame in frames) > limit:
            header = {"msg_type": "oversized", "msg_id": ""}
            return {"header": header, "msg_type": "oversized", "parent_header": {}, **EMPTY}
        _, message = channel.session.feed_identities([frame.bytes for frame in frames])
        return channel.session.deserialize(message)

    channel._recv, channel._drops_oversized = receive, True


EMPTY = {"content": {}, "metadata": {}, "buffers": []}


def message_size(msg: dict) -> int:
    """How many characters a kernel message carries (content, metadata, buffers)."""
    content = msg.get("content", {})
    size = len(str(content.get("text", "")))
    for key in ("data", "metadata", "transient"):
        part = content.get(key)
        if part:
            size += sum(len(str(v)) for v in part.values()) if isinstance(part, dict) else 0
    if msg.get("msg_type", "").startswith("comm"):
        try:
            size += len(json.dumps(content.get("data", {}), default=str))
        except (TypeError, ValueError):
            size += len(str(content))
    size += sum(len(b) for b in msg.get("buffers", []) or [])
    size += len(str(msg.get("metadata", "")))
    return size


def client_class(max_cell_chars: int | None = None, max_total_chars: int | None = None) -> type:
    """nbclient's NotebookClient that polls in slices, with optional caps on the output."""
    from nbclient import NotebookClient
    from nbclient.util import run_sync

    class Client(NotebookClient):
        """Polls the kernel's replies in slices; keeps at most ``max_cell_chars`` per cell and
        ``max_total_chars`` in all (comm messages and metadata included)."""

        total_chars = 0
        over_limit = False

        async def async_start_new_kernel_client(self):
            kc = await super().async_start_new_kernel_client()
            poll_in_slices(kc)
            if max_cell_chars is not None or max_total_chars is not None:
                drop_oversized(kc, MAX_MESSAGE_BYTES)
            return kc

        # nbclient binds its synchronous twin (used by ``setup_kernel``) to its own method.
        start_new_kernel_client = run_sync(async_start_new_kernel_client)

        def _count(self, msg: dict, cell_index: int) -> bool:
            """Count a message; True while it is within the caps."""
            if max_cell_chars is None and max_total_chars is None:
                return True
            size = message_size(msg)
            if cell_index != getattr(self, "_sized_cell", None):
                self._sized_cell, self._cell_chars = cell_index, 0
            self._cell_chars += size
            self.total_chars += size
            within = (max_cell_chars is None or self._cell_chars <= max_cell_chars) and (
                max_total_chars is None or self.total_chars <= max_total_chars
            )
            self.over_limit |= not within
            return within

        def output(self, outs, msg, display_id, cell_index):
            if not self._count(msg, cell_index):
                return None
            return super().output(outs, msg, display_id, cell_index)

        def handle_comm_msg(self, outs, msg, cell_index):
            if not self._count(msg, cell_index):
                return None
            return super().handle_comm_msg(outs, msg, cell_index)

    return Client


def notebook_client(nb, **kwargs):
    """A `client_class` client for ``nb`` (``max_cell_chars``/``max_total_chars`` optional;
    the other keyword arguments are nbclient's)."""
    caps = {k: kwargs.pop(k) for k in ("max_cell_chars", "max_total_chars") if k in kwargs}
    return client_class(**caps)(nb, **kwargs)
