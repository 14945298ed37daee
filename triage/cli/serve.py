"""``triage serve``: the local web app for screening, dedup review and coding."""

from __future__ import annotations

from typing import Annotated

import typer

from triage.cli.app import app, console, fail
from triage.cli.options import ProjectOption, given_database
from triage.store.db import default_project_dir

__all__ = ["serve_command"]

#: Hosts that only this computer can reach; anything else exposes the project to the network.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@app.command("serve")
def serve_command(
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8765,
    host: Annotated[str, typer.Option("--host", help="Address to bind; 127.0.0.1 keeps it on this computer.")] = "127.0.0.1",
    open_browser: Annotated[bool, typer.Option("--open/--no-open", help="Open the dashboard in a browser.")] = False,
    secure_cookies: Annotated[
        bool | None,
        typer.Option("--secure-cookies/--no-secure-cookies",
                     help="Mark login cookies Secure (HTTPS only); default: when the request came over HTTPS, "
                     "as the reverse proxy's X-Forwarded-Proto says."),
    ] = None,
    project_dir: ProjectOption = None,
) -> None:
    """Serve the web app on localhost: dashboard, screening, history, dedup review, coding, export."""
    import uvicorn

    from triage.web.app import create_app

    if not 0 < port < 65536:
        fail(f"--port must be between 1 and 65535; got {port}")
    _check_port(host, port)
    beyond_loopback = host not in LOCAL_HOSTS
    web_app = create_app(project_dir if project_dir is not None else default_project_dir(), database=given_database(),
                         require_login=beyond_loopback, secure_cookies=secure_cookies)
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    if beyond_loopback:
        console.print(f"[yellow]warning:[/] listening on {host}: every page needs a login, and the server must sit "
                      "behind a TLS reverse proxy (HTTPS) so passwords and cookies are not sent in clear "
                      "(README: 'Working as a team')")
    console.print(f"triage is serving {web_app.state.triage.project.location} at {url} (Ctrl+C to stop)")
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    uvicorn.run(web_app, host=host, port=port, log_level="warning")


def _check_port(host: str, port: int) -> None:
    """Stop with one line when ``host:port`` cannot be listened on (another server has it),
    before the line saying the app is served: uvicorn would say so only after it."""
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        fail(f"--host {host!r} is not an address this computer can listen on ({exc.strerror}); "
             "use 127.0.0.1, or a name or address of this computer")
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is no obstacle
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                fail(f"port {port} on {host} is in use (another 'triage serve'?); stop that one, "
                     "or pick another port with --port N")
            fail(f"cannot listen on {host}:{port} ({exc.strerror}); pick another --port or --host")
