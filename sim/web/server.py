"""``bordersim serve``: the workbench on this machine's loopback address, or elsewhere with a token.

As Jupyter does: on 127.0.0.1 (or localhost, ::1) the workbench answers this machine only and
needs no token; on any other interface it prints an address with a token, which every request
must carry (the first one sets a cookie). Only the ``Host`` names of the address it listens on
are answered, so a web page elsewhere cannot reach it through a name of its own (DNS rebinding).
"""

from __future__ import annotations

import secrets
from pathlib import Path

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(
    workspace: str | Path,
    host: str = "127.0.0.1",
    port: int = 8765,
    token: str | None = None,
    jobs: int = 1,
    max_replications: int = 50,
    max_days: int = 366,
    max_worlds: int = 50,
    workers: int | None = None,
) -> int:
    """Serve the workbench until Ctrl-C; running studies are then cancelled (their folders resumable)."""
    import uvicorn

    from sim.web.app import Limits, create_app

    if host not in LOOPBACK and not token:
        token = secrets.token_urlsafe(24)
    shown = f"[{host}]" if ":" in host else host
    hosts = {f"{shown}:{port}"} | ({f"{h}:{port}" for h in ("127.0.0.1", "localhost", "[::1]")}
                                   if host in LOOPBACK else set())  # fmt: skip
    limits = Limits(max_replications, max_days, jobs, max_worlds)
    app = create_app(workspace, token=token, limits=limits, workers=workers, hosts=hosts)
    address = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    print(f"bordersim workbench on {address}  (workspace: {Path(workspace).resolve()}; Ctrl-C stops it)",
          flush=True)  # fmt: skip
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0
