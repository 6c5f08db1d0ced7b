"""A real SMTP server on 127.0.0.1 (``aiosmtpd``), with STARTTLS or TLS on a certificate made here.

``smtp_server(security="starttls")`` starts one: STARTTLS required, AUTH
(PLAIN/LOGIN) required after it for ``USER`` / ``PASSWORD``; ``"tls"`` speaks
TLS from the first byte; ``"none"`` is plain SMTP without login. The
certificate is self-signed for 127.0.0.1 and localhost (``cert`` and the
``smtp_cert`` fixture give its PEM path: what a client trusts through
``ca_file``). A recipient whose local part
is ``nobody`` is refused with 550 (permanent), ``busy`` with 450 (try later).
Every accepted message is in ``messages`` as parsed ``email.message.Message``.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import ipaddress
import ssl
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.support.daemon_process import free_port

USER, PASSWORD = "watchdog", "s3cret-smtp-pass"


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1 / localhost, written as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class Handler:
    """Accepts mail, refuses ``nobody@`` (550) and ``busy@`` (450), keeps what it got."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        local = address.partition("@")[0]
        if local == "nobody":
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if local == "busy":
            return f"450 4.2.1 <{address}>: Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


class SmtpServer:
    def __init__(self, cert: tuple[Path, Path], security: str, port: int | None = None) -> None:
        from aiosmtpd.controller import Controller

        self.security, self.port, self.handler = security, port or free_port(), Handler()
        self.cert, key = cert
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, key)
        options: dict[str, Any] = {}
        if security == "starttls":
            options = {"tls_context": context, "require_starttls": True, "auth_required": True,
                       "authenticator": _authenticator}
        elif security == "tls":
            # aiosmtpd does not count a TLS-from-the-start connection as TLS for auth_require_tls
            options = {"ssl_context": context, "auth_required": True, "auth_require_tls": False,
                       "authenticator": _authenticator, "server_hostname": "localhost"}
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def smtp_cert(tmp_path: Path) -> tuple[Path, Path]:
    """The servers' certificate and key (PEM paths); the certificate is what ``ca_file`` trusts."""
    return self_signed(tmp_path)


@pytest.fixture
def smtp_server(smtp_cert: tuple[Path, Path]) -> Iterator[Callable[..., SmtpServer]]:
    """``smtp_server(security="starttls", port=None)``: started; all stopped at teardown."""
    started: list[SmtpServer] = []

    def start(security: str = "starttls", port: int | None = None) -> SmtpServer:
        server = SmtpServer(smtp_cert, security, port)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
