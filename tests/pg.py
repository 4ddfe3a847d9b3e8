"""Start and stop a throwaway PostgreSQL server for tests.

    server = start_postgres(tmp_path / "pg")   # initdb + pg_ctl start + CREATE DATABASE
    engine = sqlalchemy.create_engine(server.url)
    server.stop()

From a shell (for CI scripts)::

    python tests/pg.py start DIR    # prints the SQLAlchemy URL, leaves the server running
    python tests/pg.py stop DIR

The server is tuned for speed, not durability (fsync, synchronous_commit and
full_page_writes are off) and trusts every local connection.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

DEFAULT_DB = "slackapp_test"
SUPERUSER = "postgres"
STATE_FILE = "pg.json"
# sockaddr_un.sun_path is 108 bytes on Linux, including the trailing NUL.
_MAX_SOCKET_PATH = 107

SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}


def find_bindir() -> Path | None:
    """Where initdb and pg_ctl live: $PG_BINDIR, ``pg_config --bindir``, or the Debian path."""
    candidates: list[Path] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
            if out.returncode == 0 and out.stdout.strip():
                candidates.append(Path(out.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    candidates.append(Path("/usr/lib/postgresql/15/bin"))
    candidates.extend(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True))
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).parent)
    for path in candidates:
        if (path / "initdb").is_file() and (path / "pg_ctl").is_file():
            return path
    return None


def available() -> bool:
    return find_bindir() is not None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _as_server_user() -> list[str]:
    """Command prefix that drops to the postgres account: PostgreSQL refuses to run as root."""
    if not _running_as_root():
        return []
    if shutil.which("runuser"):
        return ["runuser", "-u", SUPERUSER, "--"]
    if shutil.which("setpriv"):
        return ["setpriv", f"--reuid={SUPERUSER}", f"--regid={SUPERUSER}", "--init-groups", "--"]
    raise RuntimeError("running as root but neither runuser nor setpriv is available")


def _server_user_ids() -> tuple[int, int]:
    import pwd

    try:
        pw = pwd.getpwnam(SUPERUSER)
    except KeyError:
        raise RuntimeError(f"running as root needs a '{SUPERUSER}' system user") from None
    return pw.pw_uid, pw.pw_gid


def _hand_over(path: Path) -> None:
    """Let the postgres user own ``path`` and reach it through its parents."""
    uid, gid = _server_user_ids()
    for p in [path, *path.rglob("*")]:
        os.lchown(p, uid, gid)
    # pytest's tmp dirs are 0700 root-owned; postgres only needs to traverse them.
    for parent in path.parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            os.chmod(parent, stat.S_IMODE(mode) | stat.S_IXOTH)


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    return env


def _run(cmd: list[str], *, as_server: bool, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    full = (_as_server_user() if as_server else []) + cmd
    # cwd matters under runuser: postgres cannot enter /root.
    proc = subprocess.run(full, cwd=cwd, env=_clean_env(), capture_output=True, text=True, timeout=120)
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(full)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


@dataclass
class PgServer:
    base_dir: Path
    data_dir: Path
    socket_dir: Path
    bindir: Path
    port: int
    dbname: str = DEFAULT_DB
    host: str = "127.0.0.1"
    user: str = SUPERUSER

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the test database (psycopg 3 driver)."""
        return self.url_for(self.dbname)

    @property
    def dsn(self) -> str:
        """libpq URL of the test database, for ``psycopg.connect``."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"

    def url_for(self, dbname: str) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "postgres.log"

    def is_running(self) -> bool:
        proc = _run([str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "status"],
                    as_server=True, cwd=self.base_dir, check=False)
        return proc.returncode == 0

    def create_database(self, name: str | None = None, *, template: str | None = None) -> str:
        """Create a fresh database (a unique name by default) and return its SQLAlchemy URL."""
        name = name or f"t_{uuid.uuid4().hex[:16]}"
        cmd = [str(self.bindir / "createdb"), "-h", self.host, "-p", str(self.port), "-U", self.user]
        if template:
            cmd += ["-T", template]
        _run(cmd + [name], as_server=False, cwd=self.base_dir)
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        cmd = [str(self.bindir / "dropdb"), "-h", self.host, "-p", str(self.port), "-U", self.user,
               "--if-exists", "--force", name]
        _run(cmd, as_server=False, cwd=self.base_dir)

    def stop(self) -> None:
        if self.data_dir.exists() and self.is_running():
            _run([str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60", "stop"],
                 as_server=True, cwd=self.base_dir)
        if self.socket_dir.parent != self.base_dir:
            shutil.rmtree(self.socket_dir, ignore_errors=True)

    def __enter__(self) -> "PgServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def save(self) -> None:
        state = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}
        (self.base_dir / STATE_FILE).write_text(json.dumps(state, indent=2))

    @classmethod
    def load(cls, base_dir: Path) -> "PgServer":
        state = json.loads((Path(base_dir) / STATE_FILE).read_text())
        for key in ("base_dir", "data_dir", "socket_dir", "bindir"):
            state[key] = Path(state[key])
        return cls(**state)


def _socket_dir(base_dir: Path) -> Path:
    sock = base_dir / "sock"
    if len(str(sock)) + len("/.s.PGSQL.65535") <= _MAX_SOCKET_PATH:
        sock.mkdir(exist_ok=True)
        return sock
    return Path(tempfile.mkdtemp(prefix="pgsock-", dir="/tmp"))


def _write_settings(server: PgServer) -> None:
    conf = dict(SETTINGS, port=str(server.port), unix_socket_directories=f"'{server.socket_dir}'")
    # A separate included file keeps initdb's postgresql.conf untouched and easy to diff.
    extra = server.data_dir / "slackapp_test.conf"
    extra.write_text("".join(f"{k} = {v}\n" for k, v in conf.items()))
    main_conf = server.data_dir / "postgresql.conf"
    text = main_conf.read_text()
    if "slackapp_test.conf" not in text:
        main_conf.write_text(text + "\ninclude_if_exists = 'slackapp_test.conf'\n")
    if _running_as_root():
        uid, gid = _server_user_ids()
        os.chown(extra, uid, gid)


def start_postgres(base_dir: Path, *, port: int | None = None, dbname: str = DEFAULT_DB) -> PgServer:
    """initdb (if needed) and start a server under ``base_dir``; create ``dbname``."""
    bindir = find_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL binaries not found (set PG_BINDIR)")
    base_dir = Path(base_dir).resolve()
    base_dir.mkdir(parents=True, exist_ok=True)
    data_dir = base_dir / "data"
    server = PgServer(base_dir=base_dir, data_dir=data_dir, socket_dir=_socket_dir(base_dir),
                      bindir=bindir, port=port or free_port(), dbname=dbname)
    if _running_as_root():
        _hand_over(base_dir)
        if server.socket_dir.parent != base_dir:
            _hand_over(server.socket_dir)

    fresh = not (data_dir / "PG_VERSION").exists()
    if fresh:
        _run([str(bindir / "initdb"), "-D", str(data_dir), "-U", SUPERUSER, "--auth=trust",
              "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"],
             as_server=True, cwd=base_dir)
    elif server.is_running():
        raise RuntimeError(f"a server is already running on {data_dir}; stop it first")

    # The free port can be taken between probing and binding; try a few.
    for attempt in range(5):
        _write_settings(server)
        proc = _run([str(bindir / "pg_ctl"), "-D", str(data_dir), "-l", str(server.log_file),
                     "-w", "-t", "60", "start"], as_server=True, cwd=base_dir, check=False)
        if proc.returncode == 0:
            break
        log = server.log_file.read_text(errors="replace") if server.log_file.exists() else ""
        if port is None and "could not bind" in log and attempt < 4:
            server.port = free_port()
            time.sleep(0.1)
            continue
        raise RuntimeError(f"pg_ctl start failed:\n{proc.stdout}\n{proc.stderr}\n{log[-3000:]}")

    try:
        server.create_database(dbname)
    except RuntimeError as e:
        if fresh or "already exists" not in str(e):
            server.stop()
            raise
    server.save()
    return server


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    start = sub.add_parser("start", help="start a server in DIR and print its SQLAlchemy URL")
    start.add_argument("dir", type=Path)
    start.add_argument("--port", type=int)
    stop = sub.add_parser("stop", help="stop the server started in DIR")
    stop.add_argument("dir", type=Path)
    args = parser.parse_args(argv)

    if args.cmd == "start":
        state = args.dir / STATE_FILE
        if state.exists():
            existing = PgServer.load(args.dir)
            if existing.is_running():
                print(existing.url)
                return 0
        print(start_postgres(args.dir, port=args.port).url)
        return 0
    if not (args.dir / STATE_FILE).exists():
        print(f"no server state in {args.dir}", file=sys.stderr)
        return 1
    PgServer.load(args.dir).stop()
    return 0


if __name__ == "__main__":
    sys.exit(_main())
