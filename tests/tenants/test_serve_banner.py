"""./run's banner: its last line is the portal's URL (the bare 127.0.0.1:PORT answers 404), and
runserver's own "Starting development server at http://127.0.0.1:…" line is not printed after it."""

from io import StringIO

from tenants.hosts import portal_url
from tenants.management.commands.serve_hall import Command, HallRunServer


def test_the_banner_ends_with_the_portal_url(city):
    out = StringIO()
    Command(stdout=out)._banner()
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    assert lines[-1].endswith(portal_url()) and "://127.0.0.1" not in lines[-1]


def test_the_server_prints_the_banner_once_listening_instead_of_its_own_lines(city):
    out = StringIO()
    server = HallRunServer(stdout=out)
    server.banner = Command(stdout=out)._banner
    server.addr, server.port, server._raw_ipv6, server.protocol = "127.0.0.1", "8000", False, "http"
    server.on_bind(8000)
    text = out.getvalue()
    assert "Starting development server" not in text and "127.0.0.1:8000" not in text
    assert text.rstrip().splitlines()[-1].endswith(portal_url())
