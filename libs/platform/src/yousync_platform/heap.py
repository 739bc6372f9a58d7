"""The start-up heap out of the cyclic garbage collector's view.

What a process allocates while it starts (modules, generated protobuf classes, routes, schemas, settings,
engines) lives as long as the process. CPython's full collection walks every tracked object, and one runs
whenever the long-lived objects have grown by a quarter: on the 2-core VMs here a full collection of a
service's start-up objects (~170,000) took 100-350 ms under load, during which its event loop answered
nothing (seen with a `gc.callbacks` probe while bench/sse.py ran). `settle_heap()`, called once the
process is built and before it serves, collects once and freezes what survived (`gc.freeze()`), so a
full collection walks only what requests and streams hold. Frozen objects are still freed by reference
counting; only their cycles would wait for the process's end, and start-up objects do not die. (A larger
young-generation threshold was tried in the gateway too: no gain measurable on the shared 2-core
machine, so the thresholds stay CPython's.)
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def settle_heap() -> int:
    """Collect, then freeze the survivors; returns how many objects are now frozen."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("start-up heap frozen", extra={"objects": frozen})
    return frozen
