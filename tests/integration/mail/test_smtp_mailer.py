"""SmtpMailer against a real aiosmtpd: delivery, 4xx/5xx per recipient, STARTTLS, AUTH."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Callable

import pytest

from daemon.errors import PermanentError, TransientError
from daemon.mail.ports import DeliveryResult, OutgoingMail
from daemon.mail.smtp_mailer import SmtpMailer
from tests.servers.dovecot import free_port
from tests.servers.smtp import PASSWORD, SmtpServer
from tests.servers.tls import client_context

pytestmark = pytest.mark.integration

OUR_ADDRESS = "servicios.estudiantiles@ute.example.edu.mx"
Factory = Callable[..., SmtpServer]


def reply(n: int, *to: str) -> OutgoingMail:
    recipients = to or (f"alumno{n}@example.com",)
    raw = (
        f"From: {OUR_ADDRESS}\r\nTo: {', '.join(recipients)}\r\n"
        f"Message-ID: <reply{n}@afilia>\r\nAuto-Submitted: auto-replied\r\n"
        f"Subject: Constancia recibida\r\n\r\nHola, recibimos tu constancia ({n}).\r\n"
    ).encode()
    return OutgoingMail(f"<reply{n}@afilia>", OUR_ADDRESS, recipients, raw)


def test_a_batch_is_delivered_over_one_connection(smtp_server: SmtpServer) -> None:
    results = SmtpMailer(smtp_server.settings(), None).deliver([reply(1), reply(2), reply(3)])
    assert results == [DeliveryResult(f"<reply{n}@afilia>", delivered=True) for n in (1, 2, 3)]
    assert [m.rcpt_tos for m in smtp_server.received] == [
        ("alumno1@example.com",),
        ("alumno2@example.com",),
        ("alumno3@example.com",),
    ]
    assert smtp_server.received[0].mail_from == OUR_ADDRESS
    assert b"Message-ID: <reply1@afilia>" in smtp_server.received[0].raw


def test_4xx_recipient_is_a_transient_failure(smtp_server: SmtpServer) -> None:
    smtp_server.refuse("alumno2@example.com", "450 4.2.1 mailbox busy, try later")
    results = SmtpMailer(smtp_server.settings(), None).deliver([reply(1), reply(2), reply(3)])
    assert [r.delivered for r in results] == [True, False, True]
    assert results[1].permanent_failure is False
    assert "450" in results[1].error


def test_5xx_recipient_is_a_permanent_failure(smtp_server: SmtpServer) -> None:
    smtp_server.refuse("alumno1@example.com", "550 5.1.1 no such user")
    (result,) = SmtpMailer(smtp_server.settings(), None).deliver([reply(1)])
    assert result.delivered is False
    assert result.permanent_failure is True
    assert smtp_server.received == []


def test_partly_refused_recipients_count_as_delivered_and_are_reported(
    smtp_server: SmtpServer,
) -> None:
    smtp_server.refuse("jefa@example.com", "550 5.1.1 no such user")
    (result,) = SmtpMailer(smtp_server.settings(), None).deliver(
        [reply(1, "staff@example.com", "jefa@example.com")]
    )
    assert result.delivered is True  # resending would duplicate it for staff@
    assert "jefa@example.com: 550" in result.error
    assert smtp_server.received[0].rcpt_tos == ("staff@example.com",)


def test_5xx_at_data_is_permanent_and_4xx_transient(smtp_server: SmtpServer) -> None:
    mailer = SmtpMailer(smtp_server.settings(), None)
    smtp_server.handler.data_reply = "554 5.6.0 message rejected"
    assert mailer.deliver([reply(1)])[0].permanent_failure is True
    smtp_server.handler.data_reply = "452 4.3.1 insufficient storage"
    (result,) = mailer.deliver([reply(1)])
    assert (result.delivered, result.permanent_failure) == (False, False)


def test_dropped_connection_fails_the_rest_of_the_batch_transiently(
    smtp_server: SmtpServer,
) -> None:
    smtp_server.handler.drop_at_data = {2}
    results = SmtpMailer(smtp_server.settings(), None).deliver([reply(1), reply(2), reply(3)])
    assert [r.delivered for r in results] == [True, False, False]
    assert not any(r.permanent_failure for r in results)


def test_unreachable_server_raises_transient_error() -> None:
    from daemon.config import SmtpOutgoing

    settings = SmtpOutgoing(
        kind="smtp", host="127.0.0.1", port=free_port(), security="none", timeout_seconds=5
    )
    with pytest.raises(TransientError):
        SmtpMailer(settings, None).deliver([reply(1)])


def test_starttls_with_auth_delivers(smtp_server_factory: Factory) -> None:
    server = smtp_server_factory(security="starttls", auth=True)
    mailer = SmtpMailer(server.settings(), PASSWORD, tls_context=client_context())
    assert mailer.deliver([reply(1)])[0].delivered
    assert len(server.received) == 1


def test_starttls_refuses_an_untrusted_certificate(smtp_server_factory: Factory) -> None:
    server = smtp_server_factory(security="starttls", auth=True)
    with pytest.raises(TransientError):
        SmtpMailer(server.settings(), PASSWORD).deliver([reply(1)])  # system CAs only
    assert server.received == []


def test_starttls_is_required_when_configured(smtp_server: SmtpServer) -> None:
    # the plain server offers no STARTTLS: we must not fall back to clear text
    mailer = SmtpMailer(
        smtp_server.settings(security="starttls"), None, tls_context=client_context()
    )
    with pytest.raises((TransientError, PermanentError)):
        mailer.deliver([reply(1)])
    assert smtp_server.received == []


# aiosmtpd cannot tell implicit TLS from clear text and warns about AUTH without TLS.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_implicit_tls_delivers(smtp_server_factory: Factory) -> None:
    server = smtp_server_factory(security="tls", auth=True)
    mailer = SmtpMailer(server.settings(), PASSWORD, tls_context=client_context())
    assert mailer.deliver([reply(1)])[0].delivered


def test_wrong_password_is_a_permanent_error(smtp_server_factory: Factory) -> None:
    server = smtp_server_factory(security="starttls", auth=True)
    mailer = SmtpMailer(server.settings(), "wrong", tls_context=client_context())
    with pytest.raises(PermanentError):
        mailer.deliver([reply(1)])


def test_xoauth2_refreshes_a_rejected_token_once(smtp_server_factory: Factory) -> None:
    server = smtp_server_factory(security="starttls", oauth_tokens=("fresh-token",))
    asked: list[bool] = []

    def tokens(force_refresh: bool) -> str:
        asked.append(force_refresh)
        return "fresh-token" if force_refresh else "expired-token"

    mailer = SmtpMailer(server.settings(), None, tokens, tls_context=client_context())
    assert mailer.deliver([reply(1)])[0].delivered
    assert asked == [False, True]


def test_xoauth2_with_a_bad_token_is_a_permanent_error(smtp_server_factory: Factory) -> None:
    server = smtp_server_factory(security="starttls", oauth_tokens=("fresh-token",))
    mailer = SmtpMailer(
        server.settings(), None, lambda _force: "revoked", tls_context=client_context()
    )
    with pytest.raises(PermanentError):
        mailer.deliver([reply(1)])


@pytest.mark.parametrize("security", ["none", "starttls", "tls"])
def test_no_client_socket_is_left_open_after_a_batch(
    smtp_server_factory: Factory, security: str
) -> None:
    server = smtp_server_factory(security=security)
    mailer = SmtpMailer(server.settings(), None, tls_context=client_context())
    assert mailer.deliver([reply(1), reply(2)])[0].delivered
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        gc.collect()
    assert [str(w.message) for w in caught if w.category is ResourceWarning] == []
