"""``bordersim serve``: the planner's workbench in a browser (:mod:`sim.web`, the ``web`` extra)."""

from __future__ import annotations

import argparse

from sim.cli import options


def add(sub) -> None:
    p = sub.add_parser("serve", help="the workbench in a browser: pick, change, run and compare scenarios "
                       "(pip install 'bordersim[web]')")  # fmt: skip
    p.add_argument("--workspace", metavar="FOLDER", default="workspace", help="the one folder it reads and "
                   "writes: your scenarios and every study's results (default ./workspace, created)")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1: this "
                   "machine only; any other needs the token printed at start)")  # fmt: skip
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--token", help="the token another interface needs (default: a random one, printed)")
    p.add_argument("--jobs", type=options.positive, default=1, help="studies running at once (default 1)")
    p.add_argument("--max-replications", type=options.positive, default=50,
                   help="most replications one study may ask (default 50)")  # fmt: skip
    p.add_argument("--max-days", type=options.positive, default=366, help="longest horizon (default 366)")
    p.add_argument("--max-worlds", type=options.positive, default=50,
                   help="most plausible worlds one study may ask (default 50)")  # fmt: skip
    options.execution(p, scheduler=False)


def main(args: argparse.Namespace) -> int:
    try:
        from sim.web.server import serve
    except ImportError as err:
        options.say(f"bordersim serve: needs the web extra ({err.name} is missing): "
                    "pip install 'bordersim[web]'")  # fmt: skip
        return options.EXIT_BAD_INPUT
    return serve(args.workspace, host=args.host, port=args.port, token=args.token, jobs=args.jobs,
                 max_replications=args.max_replications, max_days=args.max_days, max_worlds=args.max_worlds,
                 workers=args.workers)
