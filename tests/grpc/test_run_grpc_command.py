"""`manage.py run_grpc` as a real process: TLS, the embedded engine, a clean exit on SIGTERM."""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from django.core.management import CommandError, call_command
from grpc_health.v1 import health_pb2, health_pb2_grpc
from yandex.cloud.serverless.workflows.v1 import execution_pb2, execution_service_pb2_grpc
from yandex.cloud.serverless.workflows.v1 import execution_service_pb2 as pb

from tests.config.test_settings_from_environment import load_settings
from tests.grpc.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "grpc.crt", directory / "grpc.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def wait_for_output(process: subprocess.Popen, pattern: str, timeout: float) -> re.Match:
    """Read the process's output until a line matches `pattern` (log lines may come first)."""
    deadline = time.monotonic() + timeout
    seen = b""
    while True:
        match = re.search(pattern.encode(), seen)
        if match:
            return match
        remaining = deadline - time.monotonic()
        if remaining <= 0 or process.poll() is not None:
            raise AssertionError(f"run_grpc did not print {pattern!r} (exit code {process.poll()}): {seen!r}")
        ready, _, _ = select.select([process.stdout], [], [], remaining)
        if ready:
            seen += os.read(process.stdout.fileno(), 4096)


@pytest.fixture
def service_env(tmp_path) -> dict[str, str]:
    cert, key = self_signed_certificate(tmp_path)
    env = {
        **os.environ,
        "SECRET_KEY": "run-grpc-test",
        "WORKFLOWS_DATA_DIR": str(tmp_path),
        "WORKFLOWS_EXECUTOR": "thread",
        "WORKFLOWS_GRPC_TLS_CERT": str(cert),
        "WORKFLOWS_GRPC_TLS_KEY": str(key),
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    for args in (["migrate", "--noinput"], ["load_demo"]):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)
    return env


def test_it_serves_over_tls_runs_executions_and_exits_cleanly_on_sigterm(service_env):
    token = subprocess.run(
        [sys.executable, "manage.py", "create_api_token", "--user", "operator", "--name", "t", "--scope", "operate"],
        cwd=ROOT,
        env=service_env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_grpc", "--bind", "127.0.0.1:0", "--with-engine"],
        cwd=ROOT,
        env=service_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        port = int(wait_for_output(process, r"gRPC serving on 127\.0\.0\.1:(\d+) \(TLS", timeout=30).group(1))
        credentials = grpc.ssl_channel_credentials(Path(service_env["WORKFLOWS_GRPC_TLS_CERT"]).read_bytes())
        metadata = (("authorization", f"Bearer {token}"),)
        with grpc.secure_channel(f"127.0.0.1:{port}", credentials) as channel:
            health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
            stub = execution_service_pb2_grpc.ExecutionServiceStub(channel)
            request = pb.StartExecutionRequest(
                workflow_id="greet-customer", input=execution_pb2.ExecutionInput(input_json='{"name": "Ada"}')
            )
            execution_id = stub.Start(request, metadata=metadata, timeout=10).execution_id

            def finished():
                get = pb.GetExecutionRequest(execution_id=execution_id)
                execution = stub.Get(get, metadata=metadata, timeout=10).execution
                return execution if execution.status == execution_pb2.Execution.FINISHED else None

            execution = wait_for(finished, "the execution to finish in the run_grpc process", timeout=30)
        process.send_signal(signal.SIGTERM)
        exit_code = process.wait(timeout=30)
        output = process.stdout.read().decode()
    except Exception as exc:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        raise AssertionError(f"run_grpc said: {process.stdout.read().decode()}") from exc
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()

    assert health.status == health_pb2.HealthCheckResponse.SERVING
    assert execution.result.result_json == '{"greeting":"Hello, Ada."}'
    assert exit_code == 0, output
    assert "gRPC server stopped" in output


def test_an_address_it_cannot_listen_on_is_a_command_error():
    with pytest.raises(CommandError, match="cannot listen on 'nowhere:-1'"):
        call_command("run_grpc", "--bind", "nowhere:-1")


def test_an_unreadable_tls_certificate_is_a_command_error(settings, tmp_path):
    settings.WORKFLOWS_GRPC_TLS_CERT = str(tmp_path / "missing.crt")
    settings.WORKFLOWS_GRPC_TLS_KEY = str(tmp_path / "missing.key")

    with pytest.raises(CommandError, match="cannot read the gRPC TLS certificate or key"):
        call_command("run_grpc", "--bind", "127.0.0.1:0")


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"WORKFLOWS_GRPC_TLS_CERT": "/etc/grpc.crt"}, "WORKFLOWS_GRPC_TLS_KEY"),
        ({"WORKFLOWS_GRPC_THREADS": "0"}, "WORKFLOWS_GRPC_THREADS"),
        ({"WORKFLOWS_PUBLIC_URL": "workflows.example.com"}, "WORKFLOWS_PUBLIC_URL"),
    ],
)
def test_start_up_refuses_invalid_grpc_settings_naming_them(tmp_path, env, variable):
    result = load_settings(DEBUG="1", WORKFLOWS_DATA_DIR=str(tmp_path), **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and variable in result.stderr
