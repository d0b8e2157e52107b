"""Replies over SMTP with aiosmtplib: one connection per batch, results per mail.

The outbox decides retries from what this returns, so the classification is ours, by the
reply ``.code``: 4xx and lost connections are worth another try, 5xx are not. aiosmtplib
reports refused recipients in the dict ``sendmail`` returns instead of raising when at
least one recipient was accepted; we read it. STARTTLS is requested explicitly
(``start_tls=True``), so a server that does not offer it fails loudly instead of receiving
the mail in clear text.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable, Sequence

import aiosmtplib
from aiosmtplib import (
    SMTPAuthenticationError,
    SMTPException,
    SMTPNotSupported,
    SMTPRecipientsRefused,
    SMTPResponseException,
    SMTPServerDisconnected,
)

from daemon.config import Security, SmtpOutgoing
from daemon.errors import PermanentError, TransientError
from daemon.mail.ports import DeliveryResult, OutgoingMail

TokenProvider = Callable[[bool], str]  # force_refresh -> OAuth2 access token


_CLOSE_WAIT_STEPS = 100  # x 10 ms


class SmtpMailer:
    def __init__(
        self,
        settings: SmtpOutgoing,
        password: str | None,
        token_provider: TokenProvider | None = None,
        *,
        tls_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        self.settings = settings
        self._password = password
        self._token_provider = token_provider
        self._tls_context = tls_context
        self._local_hostname = local_hostname

    def deliver(self, mails: Sequence[OutgoingMail]) -> list[DeliveryResult]:
        """Send a batch over one connection (from a thread without a running event loop)."""
        if not mails:
            return []
        return asyncio.run(self.deliver_async(mails))

    async def deliver_async(self, mails: Sequence[OutgoingMail]) -> list[DeliveryResult]:
        smtp = await self._open()
        results: list[DeliveryResult] = []
        try:
            for index, mail in enumerate(mails):
                try:
                    results.append(await _send(smtp, mail))
                except (SMTPServerDisconnected, OSError, TimeoutError) as err:
                    # The mail in flight may or may not have arrived; a resend carries the
                    # same Message-ID, so the student's client shows it once.
                    results.extend(
                        DeliveryResult(
                            m.message_id, delivered=False, error=f"connection lost: {err}"
                        )
                        for m in mails[index:]
                    )
                    break
        finally:
            await _quit(smtp)
        return results

    def close(self) -> None:
        """Connections live for one batch; nothing stays open between batches."""

    async def _open(self) -> aiosmtplib.SMTP:
        settings = self.settings
        implicit_tls = settings.security is Security.TLS
        starttls = settings.security is Security.STARTTLS
        default_port = 465 if implicit_tls else 587 if starttls else 25
        port = settings.port or default_port
        smtp = aiosmtplib.SMTP(
            hostname=settings.host,
            port=port,
            timeout=settings.timeout_seconds,
            use_tls=implicit_tls,
            start_tls=starttls,  # explicit: True for STARTTLS, False otherwise (never "maybe")
            tls_context=self._tls_context,
            local_hostname=self._local_hostname,
        )
        where = f"SMTP {settings.host}:{port}"
        try:
            await smtp.connect()
            await self._authenticate(smtp)
        except SMTPResponseException as err:
            await _close(smtp)
            if err.code >= 500:
                raise PermanentError(f"{where} refused us ({err.code} {err.message})") from err
            raise TransientError(f"{where} is unavailable ({err.code} {err.message})") from err
        except (SMTPException, OSError, TimeoutError) as err:
            await _close(smtp)
            raise TransientError(f"cannot connect to {where}: {err}") from err
        return smtp

    async def _authenticate(self, smtp: aiosmtplib.SMTP) -> None:
        username = self.settings.username
        if self._token_provider is not None:
            provider = self._token_provider
            token = await asyncio.to_thread(provider, False)
            try:
                await smtp.auth_xoauth2(username, token)
            except SMTPAuthenticationError as err:
                if err.code < 500:
                    raise
                # An expired or revoked token: one more try with a fresh one.
                await smtp.auth_xoauth2(username, await asyncio.to_thread(provider, True))
            return
        if username and self._password is not None:
            await smtp.login(username, self._password)


async def _send(smtp: aiosmtplib.SMTP, mail: OutgoingMail) -> DeliveryResult:
    options = ["SMTPUTF8"] if not _is_ascii(mail.sender, *mail.recipients) else None
    try:
        refused, _ = await smtp.sendmail(
            mail.sender, list(mail.recipients), mail.raw, mail_options=options
        )
    except SMTPRecipientsRefused as err:
        codes = [r.code for r in err.recipients]
        detail = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in err.recipients)
        return DeliveryResult(
            mail.message_id,
            delivered=False,
            permanent_failure=all(code >= 500 for code in codes),
            error=f"recipients refused: {detail}",
        )
    except SMTPResponseException as err:  # sender refused, DATA refused, 421 closing...
        if err.code == 421:
            raise SMTPServerDisconnected(f"421 {err.message}") from err
        return DeliveryResult(
            mail.message_id,
            delivered=False,
            permanent_failure=err.code >= 500,
            error=f"{err.code} {err.message}",
        )
    except (SMTPNotSupported, ValueError) as err:  # SMTPUTF8 missing, malformed address
        return DeliveryResult(
            mail.message_id, delivered=False, permanent_failure=True, error=str(err)
        )
    if refused:
        # Accepted for someone: resending would duplicate it for them. Report who missed it.
        detail = "; ".join(f"{rcpt}: {r.code} {r.message}" for rcpt, r in refused.items())
        return DeliveryResult(mail.message_id, delivered=True, error=f"some refused: {detail}")
    return DeliveryResult(mail.message_id, delivered=True)


async def _quit(smtp: aiosmtplib.SMTP) -> None:
    try:
        if smtp.is_connected:
            await smtp.quit()
    except (SMTPException, OSError, TimeoutError):
        pass
    finally:
        await _close(smtp)


async def _close(smtp: aiosmtplib.SMTP) -> None:
    """Close the transport and wait (briefly) until the connection is really gone: after
    STARTTLS the TLS shutdown takes a few loop iterations, and ``asyncio.run`` ending the
    loop before that leaves the socket to the garbage collector."""
    protocol = smtp.protocol
    smtp.close()
    for _ in range(_CLOSE_WAIT_STEPS):
        if protocol is None or getattr(protocol, "_connection_lost", True):
            return
        await asyncio.sleep(0.01)


def _is_ascii(*addresses: str) -> bool:
    return all(address.isascii() for address in addresses)
