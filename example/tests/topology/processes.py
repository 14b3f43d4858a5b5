"""Real servers for the topology and fault tests, each started and stopped by the test that needs
it: a throwaway PostgreSQL, PgBouncer and gunicorn.

PostgreSQL and PgBouncer refuse to run as root; when the tests are root (in a container),
they run as the `postgres` account. Every server gets a free port on 127.0.0.1 and a
folder of its own, and is stopped however the test ends.
"""

import functools
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from my_service.database.backup import candidate_bin_dirs

CONFIG = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
ATTEMPTS = 3  # starts on a fresh port when another process took the free one meanwhile
# The image's settings, plus a file each worker writes once it has loaded the service: the
# master listens before it forks any worker, so its socket alone says no worker is up.
WORKER_MARKERS = """\
import os
import runpy
from pathlib import Path

image_settings = runpy.run_path({config!r})
globals().update(image_settings)


def post_worker_init(worker):
    image_settings["post_worker_init"](worker)
    Path({folder!r}, str(os.getpid()) + ".up").touch()
"""


def free_port() -> int:
    """A TCP port nothing listens on right now (a server started on it later may find it
    taken: see `ATTEMPTS`)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def unprivileged() -> dict:
    """Popen arguments that run a server as `postgres` when this process is root."""
    if os.geteuid() != 0:
        return {}
    account = pwd.getpwnam("postgres")
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def own_folder(prefix: str) -> Path:
    """A folder for one server, which its unprivileged user owns."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(folder, account.pw_uid, account.pw_gid)
    return folder


def wait_for(check, what: str, seconds: float = 30) -> None:
    """Poll `check()` until it is true; a TimeoutError naming `what` otherwise."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise TimeoutError(f"{what} did not happen within {seconds} s")


def listening(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:`port`."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def postgres_program(name: str, library: str | None = None) -> Path:
    """A PostgreSQL server program (initdb, pg_ctl) that the server's user can run, from an
    installation that has `library` (an extension's shared library), if one is named."""
    for folder in candidate_bin_dirs():
        program = folder / name
        if program.exists() and runs(program) and (library is None or has(folder, library)):
            return program
    where = f" with the {library} library (postgresql-contrib)" if library else ""
    raise FileNotFoundError(
        f"{name} not found: install the PostgreSQL server{where} or set PG_BIN_DIR"
    )


def has(bin_dir: Path, library: str) -> bool:
    """Whether the installation of `bin_dir` has the shared library `library`."""
    pg_config = bin_dir / "pg_config"
    if not pg_config.exists():
        return False
    found = subprocess.run([pg_config, "--pkglibdir"], capture_output=True, text=True, check=False)
    return (Path(found.stdout.strip()) / f"{library}.so").exists()


@functools.cache
def runs(program: Path) -> bool:
    """Whether `program` runs as the server's user (a virtualenv in a private folder may not)."""
    try:
        subprocess.run([program, "--version"], capture_output=True, check=True, **unprivileged())
    except (OSError, subprocess.CalledProcessError):
        return False
    return True


class ThrowawayPostgres:
    """A PostgreSQL server of the test's own, which the test may stop and start at will."""

    def __init__(self, preload: str | None = None) -> None:
        """`preload`: a library the server loads at start (shared_preload_libraries)."""
        self.folder = own_folder("throwaway-postgres-")
        self.data = self.folder / "data"
        self.port = free_port()
        self.started = False
        self.library = preload
        self.run(self.program("initdb"), "-D", self.data, "-A", "trust", "-U", "postgres")
        settings: dict[str, str | int] = {
            **({"shared_preload_libraries": f"'{preload}'"} if preload else {}),
            "listen_addresses": "'127.0.0.1'",
            "port": self.port,
            "unix_socket_directories": f"'{self.data}'",
            "fsync": "off",  # a throwaway server: speed over surviving a power cut
            "max_connections": 50,
        }
        with (self.data / "postgresql.auto.conf").open("a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())

    def program(self, name: str) -> Path:
        """A program of an installation that has the library this server preloads."""
        return postgres_program(name, self.library)

    def run(self, *command) -> None:
        """Run a PostgreSQL program as the server's user."""
        subprocess.run(
            [str(part) for part in command],
            cwd=self.folder,
            check=True,
            capture_output=True,
            **unprivileged(),
        )

    def start(self) -> None:
        """Start the server (again) on its port, and wait until it takes connections; on
        another port when its first start finds the port taken."""
        log = self.folder / "server.log"
        for attempt in range(ATTEMPTS):
            try:
                self.run(self.program("pg_ctl"), "start", "-w", "-D", self.data, "-l", log)
                self.started = True
                return
            except subprocess.CalledProcessError:
                taken = "could not bind" in log.read_text(errors="replace")
                if self.started or not taken or attempt == ATTEMPTS - 1:
                    raise
            self.port = free_port()
            with (self.data / "postgresql.auto.conf").open("a") as conf:
                conf.write(f"port = {self.port}\n")

    def stop(self, mode: str = "fast") -> None:
        """Stop it: fast (clients are cut off) or immediate (as in a crash)."""
        self.run(self.program("pg_ctl"), "stop", "-w", "-m", mode, "-D", self.data)

    def url(self, database: str = "postgres") -> str:
        """Its address for the app's driver."""
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{database}"

    def close(self) -> None:
        """Stop it if it runs, and remove its files."""
        subprocess.run(
            [self.program("pg_ctl"), "stop", "-m", "immediate", "-D", self.data],
            capture_output=True,
            check=False,
            **unprivileged(),
        )
        shutil.rmtree(self.folder, ignore_errors=True)


class PgBouncer:
    """PgBouncer in transaction pooling in front of a PostgreSQL server."""

    def __init__(self, upstream_port: int, user: str, password: str = "") -> None:
        program = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        self.folder = own_folder("pgbouncer-")
        self.port = free_port()
        settings = {
            "listen_addr": "127.0.0.1",
            "listen_port": self.port,
            "unix_socket_dir": "",
            "auth_type": "trust",
            "auth_file": self.folder / "users.txt",
            "pool_mode": "transaction",
            "default_pool_size": 4,
            "max_client_conn": 200,
            "server_login_retry": 1,
            "query_wait_timeout": 5,
            "logfile": self.folder / "pgbouncer.log",
        }
        # Clients are trusted; the password is the one PgBouncer gives the server.
        (self.folder / "users.txt").write_text(f'"{user}" "{password}"\n')
        (self.folder / "pgbouncer.ini").write_text(
            f"[databases]\n* = host=127.0.0.1 port={upstream_port}\n[pgbouncer]\n"
            + "".join(f"{name} = {value}\n" for name, value in settings.items())
        )
        if os.geteuid() == 0:
            for path in self.folder.iterdir():
                shutil.chown(path, "postgres", "postgres")
        self.process = subprocess.Popen(
            [program, "-q", str(self.folder / "pgbouncer.ini")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **unprivileged(),
        )
        wait_for(lambda: listening(self.port), "PgBouncer listening", 10)

    def close(self) -> None:
        """Stop it and remove its files."""
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)


class PortTaken(RuntimeError):
    """Another process took the free port before the server bound it."""


class Gunicorn:
    """The service under gunicorn, as the image runs it, on a port of its own."""

    def __init__(
        self, env: dict[str, str], workers: int = 2, app: str = "my_service:create_app()"
    ) -> None:
        self.workers = workers
        self.folder = Path(tempfile.mkdtemp(prefix="gunicorn-"))
        self.markers = self.folder / "workers"
        self.markers.mkdir()
        config = self.folder / "gunicorn.conf.py"
        config.write_text(WORKER_MARKERS.format(config=str(CONFIG), folder=str(self.markers)))
        for attempt in range(ATTEMPTS):
            self.start(config, env, app)
            try:
                wait_for(self.ready, f"gunicorn and its {workers} workers serving", 60)
                return
            except PortTaken:
                if attempt == ATTEMPTS - 1:
                    raise

    def start(self, config: Path, env: dict[str, str], app: str) -> None:
        """Start gunicorn on free ports, with the settings the image runs with."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # METRICS_ACCESS=port (the default): the master serves every worker's metrics here.
        self.metrics_port = free_port()
        self.metrics_url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        env = {"METRICS_PORT": str(self.metrics_port), **env}
        command = [sys.executable, "-m", "gunicorn", "--config", str(config)]
        command += ["--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}"]
        command += ["--access-logfile", str(self.folder / "access.log"), "--graceful-timeout", "5"]
        with (self.folder / "server.log").open("wb") as log:
            self.process = subprocess.Popen(
                [*command, app],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )

    def ready(self) -> bool:
        """Whether it listens and every worker has loaded the service (failing at once if
        it exited)."""
        if self.process.poll() is not None:
            log = self.log()
            if "Connection in use" in log or "Address already in use" in log:
                raise PortTaken(log[-3000:])
            raise RuntimeError(f"gunicorn exited {self.process.returncode}:\n{log[-3000:]}")
        up = {int(marker.stem) for marker in self.markers.glob("*.up")}
        return listening(self.port) and len(up & self.live_worker_pids()) >= self.workers

    def log(self) -> str:
        """What gunicorn and the service wrote to standard error."""
        return (self.folder / "server.log").read_text(errors="replace")

    def access_log(self) -> list[dict]:
        """The access log's complete lines (JSON): the last may be half-written."""
        log = self.folder / "access.log"
        complete = log.read_text().split("\n")[:-1] if log.exists() else []
        return [json.loads(line) for line in complete]

    def answered(self, request_ids: set[str]) -> list[dict]:
        """The access lines of the requests with these ids."""
        return [line for line in self.access_log() if line["request_id"] in request_ids]

    def worker_pids(self) -> set[int]:
        """The workers that served requests, from the access log."""
        return {line["pid"] for line in self.access_log()}

    def every_worker_answered(self) -> bool:
        """Whether each worker has answered a request: the kernel, not the test, picks which
        worker accepts a connection, so a test that needs both keeps sending until this."""
        return len(self.worker_pids()) >= self.workers

    def live_worker_pids(self) -> set[int]:
        """The master's child processes now: its workers."""
        children = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            if int(fields[1]) == self.process.pid:
                children.add(int(stat.parent.name))
        return children

    def kill_worker(self, pid: int) -> None:
        """Kill one worker outright; the master starts another."""
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: pid not in self.live_worker_pids(), f"worker {pid} gone", 10)

    def close(self) -> None:
        """Stop it (its workers finish their requests first) and remove its files."""
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
