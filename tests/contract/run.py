#!/usr/bin/env python3
"""The contract run: schemathesis against the OpenAPI documents of both services.

Each service (the instance service `eckwms`, the global service `eckwms-global`) is started from
its debug binary on a fresh SQLite file and, when ECKWMS_TEST_PG_URL names a PostgreSQL server,
on a fresh PostgreSQL database; schemathesis then runs every phase (examples, coverage, fuzzing,
stateful) with five checks, once with a fixed seed and once with a random seed it prints. Any
failure prints schemathesis' report with the curl command that reproduces it, and the run exits
1. Servers are always stopped and the PostgreSQL databases always dropped.

Standard library only: it makes its own virtual environment under target/contract/venv and
installs the pinned schemathesis from PyPI there when it is missing.

    python3 tests/contract/run.py                  # what `make contract` runs
    python3 tests/contract/run.py --service global --backend sqlite --seed 7 --no-random
    python3 tests/contract/run.py --install        # only install schemathesis (CI does first)

Settings from the environment: ECKWMS_TEST_PG_URL (an admin URL of a PostgreSQL server on which
databases may be created), CONTRACT_EXAMPLES (examples per operation with the fixed seed),
CONTRACT_RANDOM_EXAMPLES and CONTRACT_RANDOM_SECS (the random-seed run), CARGO.
See docs/TESTING.md.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

SCHEMATHESIS_VERSION = "4.32.5"
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
    ]
)
FIXED_SEED = 1
ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "tests" / "contract"
TARGET = ROOT / "target" / "contract"
VENV = TARGET / "venv"
# A valid Ed25519 public key: the instance the global run registers claims it (nothing is signed).
INSTANCE_PUBLIC_KEY = "ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c"
START_TIMEOUT_SECS = 60
# A schemathesis run that takes longer than this has hung: it is stopped and fails.
ST_TIMEOUT_SECS = 900


class ContractError(Exception):
    """A failure of the run itself (not of a check): printed, then exit 2."""


def log(message: str) -> None:
    print(f"contract: {message}", flush=True)


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as e:
        raise ContractError(f"{name} must be an integer, got {raw!r}") from e


# ------------------------------------------------------------------ schemathesis


def schemathesis() -> Path:
    """The pinned `st` in our virtual environment, installed from PyPI when missing."""
    st = VENV / "bin" / "st"
    if st.exists():
        out = subprocess.run([st, "--version"], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.split()[-1:] == [SCHEMATHESIS_VERSION]:
            return st
        log(f"{st} is not schemathesis {SCHEMATHESIS_VERSION}: reinstalling")
    log(f"installing schemathesis {SCHEMATHESIS_VERSION} into {VENV.relative_to(ROOT)}")
    TARGET.mkdir(parents=True, exist_ok=True)
    made = subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)])
    if made.returncode != 0:
        raise ContractError(
            "could not create a Python virtual environment "
            "(on Debian: apt-get install python3-venv)"
        )
    pip = [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    installed = subprocess.run([*pip, f"schemathesis=={SCHEMATHESIS_VERSION}"])
    if installed.returncode != 0 or not st.exists():
        raise ContractError(f"could not install schemathesis=={SCHEMATHESIS_VERSION} from PyPI")
    return st


# ------------------------------------------------------------------ binaries and databases


def build() -> Path:
    cargo = os.environ.get("CARGO", "cargo")
    log("building the debug binaries (cargo build -p eckwms --bins)")
    built = subprocess.run([cargo, "build", "--quiet", "-p", "eckwms", "--bins"], cwd=ROOT)
    if built.returncode != 0:
        raise ContractError("cargo build failed")
    return ROOT / "target" / "debug"


@contextmanager
def database(backend: str, workdir: Path):
    """A database URL for one server, removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite://{workdir / 'contract.db'}"
        return
    admin_url = os.environ["ECKWMS_TEST_PG_URL"]
    name = f"eckwms_contract_{uuid.uuid4().hex[:12]}"
    psql(admin_url, f"CREATE DATABASE {name}")
    try:
        parts = urllib.parse.urlsplit(admin_url)
        yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        psql(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def psql(url: str, statement: str) -> None:
    done = subprocess.run(["psql", url, "-qAtc", statement], capture_output=True, text=True)
    if done.returncode != 0:
        raise ContractError(f"psql: {statement}: {done.stderr.strip()}")


# ------------------------------------------------------------------ servers


class Server:
    """A service process on 127.0.0.1 and a free port, its log in its working directory."""

    def __init__(self, binary: Path, prefix: str, env: dict[str, str], workdir: Path):
        self.log_path = workdir / "server.log"
        full_env = {k: v for k, v in os.environ.items() if k != "RUST_LOG"}
        full_env.update(
            {
                f"{prefix}__HTTP__BIND": "127.0.0.1:0",
                f"{prefix}__HTTP__WORKERS": "2",
                f"{prefix}__LOG__FORMAT": "json",
                # Warnings and errors, and the "listening" line with the address (logged by
                # the serve module both services share).
                f"{prefix}__LOG__LEVEL": "warn,eckwms_http_kit::serve=info",
            }
        )
        full_env.update(env)
        self.binary, self.env, self.workdir = binary, full_env, workdir
        with open(self.log_path, "wb") as out:
            # Without a subcommand: both binaries serve.
            self.process = subprocess.Popen(
                [binary], cwd=workdir, env=full_env, stdout=out, stderr=out
            )
        self.base = f"http://{self._address()}"

    def _address(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT_SECS
        while time.monotonic() < deadline:
            for line in self.log_path.read_text(errors="replace").splitlines():
                try:
                    fields = json.loads(line).get("fields", {})
                except ValueError:
                    continue
                if fields.get("message") == "listening":
                    return fields["address"]
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise ContractError(
            f"{self.binary.name} did not start:\n{self.log_path.read_text(errors='replace')}"
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def call(method: str, url: str, headers: dict[str, str], body: dict | None = None):
    data = None
    headers = dict(headers)
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
    except urllib.error.HTTPError as e:
        raise ContractError(f"{method} {url}: {e.code} {e.read().decode(errors='replace')}") from e
    return json.loads(text)


# ------------------------------------------------------------------ the two services


def start_instance(binaries: Path, db_url: str, workdir: Path) -> Server:
    """The instance service with a label key and a global URL, so that labels and the pairing
    QR work."""
    return Server(
        binaries / "eckwms",
        "ECKWMS",
        {
            "ECKWMS__DATABASE__URL": db_url,
            "ECKWMS__AUTH__BOOTSTRAP_KEY_FILE": str(workdir / "admin.key"),
            "ECKWMS__CODES__V2_KEY": secrets.token_hex(32),
            "ECKWMS__PAIRING__GLOBAL_URL": "https://global.example.com",
            "ECKWMS__GLOBAL__PUBLIC_KEY": INSTANCE_PUBLIC_KEY,
        },
        workdir,
    )


def prepare_instance(server: Server) -> tuple[dict, dict[str, str]]:
    """The document and the credentials: the bootstrap admin key."""
    key = (server.workdir / "admin.key").read_text().strip()
    document = call("GET", f"{server.base}/api/v1/openapi.json", {"Authorization": f"Bearer {key}"})
    return document, {"ECKWMS_CONTRACT_API_KEY": key}


def start_global(binaries: Path, db_url: str, workdir: Path) -> Server:
    return Server(
        binaries / "eckwms-global",
        "ECKWMS_GLOBAL",
        {
            "ECKWMS_GLOBAL__DATABASE__URL": db_url,
            "ECKWMS_GLOBAL__AUTH__ADMIN_KEY": secrets.token_urlsafe(32),
            "ECKWMS_GLOBAL__SERVICE__PUBLIC_URL": "https://global.example.com",
        },
        workdir,
    )


def prepare_global(server: Server) -> tuple[dict, dict[str, str]]:
    """The document and the credentials: the admin key, the key of an instance registered
    here and a pairing token it made, and an enrollment token that schemathesis may spend on a
    registration of its own."""
    admin_key = server.env["ECKWMS_GLOBAL__AUTH__ADMIN_KEY"]
    admin = {"Authorization": f"Bearer {admin_key}"}
    enroll = f"{server.base}/ECK/API/ADMIN/ENROLLMENTS"
    first = call("POST", enroll, admin, {"name": "contract instance"})["token"]
    registered = call(
        "POST",
        f"{server.base}/ECK/API/INTERNAL/REGISTER-INSTANCE",
        {"X-Enrollment-Token": first},
        {
            "instanceId": str(uuid.uuid4()),
            "serverPublicKey": INSTANCE_PUBLIC_KEY,
            "localIps": ["192.168.1.20"],
            "port": 3100,
        },
    )
    instance_key = registered["apiKey"]
    pairing = call(
        "POST",
        f"{server.base}/ECK/API/INTERNAL/PAIRING-TOKEN",
        {"Authorization": f"Bearer {instance_key}"},
        {"ttlSecs": 3600},
    )["token"]
    second = call("POST", enroll, admin, {"name": "schemathesis"})["token"]
    document = call("GET", f"{server.base}/ECK/API/openapi.json", {})
    return (
        document,
        {
            "ECKWMS_CONTRACT_ADMIN_KEY": admin_key,
            "ECKWMS_CONTRACT_INSTANCE_KEY": instance_key,
            "ECKWMS_CONTRACT_ENROLLMENT_TOKEN": second,
            "ECKWMS_CONTRACT_PAIRING_TOKEN": pairing,
        },
    )


SERVICES = {
    "instance": (start_instance, prepare_instance),
    "global": (start_global, prepare_global),
}

# Operations that can take the run's own credentials away (revoke its API key, disable or
# re-key its instance): they run in a last pass of their own, so that the others are tested
# with working credentials. By operation id.
LAST = {
    "instance": ["revoke_api_key"],
    "global": ["disable_instance", "rotate_key"],
}


# ------------------------------------------------------------------ one schemathesis run


def run_schemathesis(
    st: Path,
    service: str,
    server: Server,
    document: Path,
    credentials: dict[str, str],
    seed: int,
    examples: int,
    max_time: int | None,
    selection: list[str],
    report: Path,
) -> bool:
    command = [
        str(st),
        "--config-file",
        str(HERE / f"{service}.toml"),
        "run",
        str(document),
        "--url",
        server.base,
        "--checks",
        CHECKS,
        "--seed",
        str(seed),
        "--max-examples",
        str(examples),
        "--no-color",
        *selection,
    ]
    if max_time is not None:
        command += ["--max-time", str(max_time)]
    env = {**os.environ, **credentials, "SCHEMATHESIS_HOOKS": str(HERE / "hooks.py")}
    with open(report, "w") as out:
        try:
            done = subprocess.run(
                command,
                cwd=report.parent,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=ST_TIMEOUT_SECS,
            )
            code = done.returncode
        except subprocess.TimeoutExpired:
            code = f"stopped after {ST_TIMEOUT_SECS} s"
    text = report.read_text(errors="replace")
    name = report.relative_to(ROOT)
    if code == 0:
        last = [line for line in text.splitlines() if line.startswith("=====")][-1:]
        log(f"  {name}: passed ({' '.join(last).strip('= ')})")
        return True
    log(f"  {name}: FAILED (exit {code})")
    # The failures and errors with their reproducing curl commands, the warnings, the summary.
    starts = [i for i in (text.find("=== ERRORS"), text.find("=== FAILURES")) if i >= 0]
    print(text[min(starts) :] if starts else text, flush=True)
    log(
        f"  to run it again: python3 tests/contract/run.py --service {service} "
        f"--backend {backend_of(report)} --seed {seed} --no-random"
    )
    return False


def backend_of(report: Path) -> str:
    return report.parent.name.split("-")[-1]


def server_errors(log_path: Path) -> int:
    """How many errors the server logged (a refused request logs none; a 500 logs one). A
    request actix cannot parse (a header schemathesis garbled on purpose) is logged by actix as
    an error and answered 400: those are not counted."""
    count = 0
    for line in log_path.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        parse_error = entry.get("target") == "actix_http::h1::dispatcher"
        count += entry.get("level") == "ERROR" and not parse_error
    return count


def run_seed(st, binaries, service, backend, seed, examples, max_time, reports) -> bool:
    """One seed on a fresh server and database: every operation but the `LAST` ones, then
    those."""
    with tempfile.TemporaryDirectory(prefix=f"eckwms-contract-{service}-") as tmp:
        workdir = Path(tmp)
        start, prepare = SERVICES[service]
        with database(backend, workdir) as db_url:
            server = start(binaries, db_url, workdir)
            try:
                document, credentials = prepare(server)
                doc_path = reports / "openapi.json"
                doc_path.write_text(json.dumps(document, indent=2))
                # Alone, these have no links to follow: no stateful phase.
                last = [arg for id in LAST[service] for arg in ("--include-operation-id", id)]
                last += ["--phases", "examples,coverage,fuzzing"]
                rest = [arg for id in LAST[service] for arg in ("--exclude-operation-id", id)]
                ok = run_schemathesis(
                    st, service, server, doc_path, credentials, seed, examples, max_time, rest,
                    reports / f"seed-{seed}.txt",
                )
                ok &= run_schemathesis(
                    st, service, server, doc_path, credentials, seed, examples, None, last,
                    reports / f"seed-{seed}-last.txt",
                )
                return ok
            finally:
                server.stop()
                kept = reports / f"seed-{seed}-server.log"
                shutil.copy(server.log_path, kept)
                errors = server_errors(kept)
                if errors:
                    log(f"  the server logged {errors} error(s): {kept.relative_to(ROOT)}")


def run_service(st: Path, binaries: Path, service: str, backend: str, args) -> bool:
    reports = TARGET / f"{service}-{backend}"
    shutil.rmtree(reports, ignore_errors=True)
    reports.mkdir(parents=True)
    log(f"{service} on {backend}")
    ok = run_seed(st, binaries, service, backend, args.seed, args.examples, None, reports)
    if args.random:
        seed = secrets.randbelow(2**31)
        log(f"  random seed {seed} (rerun with --seed {seed})")
        ok &= run_seed(
            st, binaries, service, backend, seed, args.random_examples, args.random_secs, reports
        )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--service", choices=[*SERVICES, "all"], default="all")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "all"], default="all")
    parser.add_argument("--seed", type=int, default=FIXED_SEED, help="the fixed seed")
    parser.add_argument(
        "--no-random", dest="random", action="store_false", help="skip the random seed"
    )
    parser.add_argument(
        "--install", action="store_true", help="only install the pinned schemathesis"
    )
    args = parser.parse_args()
    if args.install:
        log(f"schemathesis: {schemathesis()}")
        return 0
    args.examples = env_int("CONTRACT_EXAMPLES", 30)
    args.random_examples = env_int("CONTRACT_RANDOM_EXAMPLES", 10)
    args.random_secs = env_int("CONTRACT_RANDOM_SECS", 30)

    services = list(SERVICES) if args.service == "all" else [args.service]
    backends = ["sqlite", "postgres"] if args.backend == "all" else [args.backend]
    if "postgres" in backends and not os.environ.get("ECKWMS_TEST_PG_URL"):
        if args.backend == "postgres":
            raise ContractError("--backend postgres needs ECKWMS_TEST_PG_URL")
        log("PostgreSQL: SKIPPED (ECKWMS_TEST_PG_URL is unset)")
        backends.remove("postgres")

    st = schemathesis()
    binaries = build()
    failed = []
    for service in services:
        for backend in backends:
            if not run_service(st, binaries, service, backend, args):
                failed.append(f"{service} on {backend}")
    if failed:
        log(f"FAILED: {', '.join(failed)} (reports under {TARGET.relative_to(ROOT)})")
        return 1
    log(f"passed: {', '.join(services)} on {', '.join(backends)}")
    return 0


def stop_on_sigterm(signum, frame):
    """A SIGTERM (a CI timeout) ends the run like Ctrl-C: servers stopped, databases dropped."""
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    try:
        sys.exit(main())
    except ContractError as e:
        log(f"ERROR: {e}")
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
