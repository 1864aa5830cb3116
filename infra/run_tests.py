"""`./run test`: lint, type-check the service layer, start what the tests need, run pytest.

Everything the suite needs is installed or started here, so a fresh machine passes as well as this one:
Debian's Chromium for the browser tests and a moto_server on loopback as the S3 endpoint.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def step(title: str) -> None:
    print(f"\n=== {title}", flush=True)


def ensure_debian_packages() -> None:
    """Chromium (browser tests) and a CJK font (PDF documents) come from Debian's packages."""
    wanted = {
        "/usr/bin/chromium": "chromium",
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc": "fonts-wqy-microhei",
    }
    missing = [pkg for path, pkg in wanted.items() if not Path(path).exists()]
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print(
            f"warning: cannot install {missing} (need root and apt-get); the tests that need them will fail"
        )
        return
    step(f"Installing {' '.join(missing)} from Debian's packages")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)  # noqa: S603,S607
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env)  # noqa: S603,S607


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_moto() -> subprocess.Popen:
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise SystemExit("moto_server did not start on loopback within 30 s")
    os.environ["HALL_TEST_S3_ENDPOINT"] = f"http://127.0.0.1:{port}"
    return proc


def main(argv: list[str]) -> int:
    os.chdir(ROOT)
    focused = bool(argv)
    if not focused:
        step("ruff check, ruff format --check")
        if subprocess.run([str(VENV_BIN / "ruff"), "check", "."]).returncode:  # noqa: S603
            return 1
        if subprocess.run([str(VENV_BIN / "ruff"), "format", "--check", "."]).returncode:  # noqa: S603
            return 1
        step("mypy (service layer)")
        if subprocess.run([str(VENV_BIN / "mypy")]).returncode:  # noqa: S603
            return 1
    ensure_debian_packages()
    moto = start_moto()
    try:
        step("pytest")
        return subprocess.run([str(VENV_BIN / "pytest"), *argv]).returncode  # noqa: S603
    finally:
        moto.terminate()
        moto.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
