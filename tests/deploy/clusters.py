"""Throwaway PostgreSQL clusters for the backup and replica tests (as scripts/postgres.sh)."""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def pg_bin() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin")):
        if os.access(f"{candidate}/initdb", os.X_OK):
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A private cluster on a free loopback port, owned by postgres when run as root."""

    def __init__(self, root: Path, name: str):
        self.bin = pg_bin()
        self.dir = root / name
        self.port = free_port()
        self.run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def url(self, database: str = "postgres") -> str:
        return f"postgres://clf@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.run_as, *args], check=True, capture_output=True, timeout=120)

    def init(self) -> "Cluster":
        self._run(
            f"{self.bin}/initdb", "-D", str(self.dir), "-U", "clf", "--auth=trust",
            "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        return self

    def base_backup_of(self, primary: "Cluster") -> "Cluster":
        # -R writes standby.signal and primary_conninfo: the copy starts as a streaming replica.
        self._run(
            f"{self.bin}/pg_basebackup", "-D", str(self.dir), "-h", "127.0.0.1",
            "-p", str(primary.port), "-U", "clf", "-R", "-X", "stream", "--checkpoint=fast",
        )  # fmt: skip
        return self

    def start(self) -> "Cluster":
        self._run(
            f"{self.bin}/pg_ctl", "-D", str(self.dir), "-l", f"{self.dir}.log", "-w", "start",
            "-o", f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir.parent} "
            "-c max_connections=20 -c fsync=off",
        )  # fmt: skip
        return self

    def stop(self) -> None:
        subprocess.run(
            [*self.run_as, f"{self.bin}/pg_ctl", "-D", str(self.dir), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )


class Clusters:
    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="clf-pg-test."))
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
            shutil.chown(self.root, "postgres")
        self.started: list[Cluster] = []

    def new(self, name: str) -> Cluster:
        cluster = Cluster(self.root, name)
        self.started.append(cluster)
        return cluster

    def close(self) -> None:
        for cluster in reversed(self.started):
            cluster.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def wait_until(check, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("gave up waiting")
        time.sleep(0.2)
