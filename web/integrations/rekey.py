"""Re-encrypting stored integration credentials with the current secret key (after a rotation).

Run by ``fast-genai integrations rekey`` once the new ``FAST_GENAI_SECRET_KEY`` is set and the
old one is listed in ``FAST_GENAI_PREVIOUS_SECRET_KEYS``; afterwards the old key can go.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from web.db import Database
from web.integrations.secret_box import SecretBox, UndecryptableSecret
from web.models import IntegrationCredential, utcnow
from web.settings import WebSettings


@dataclass
class RekeyReport:
    rekeyed: int = 0
    undecryptable: list[str] = field(default_factory=list)
    """``service of user-id`` for each value none of the keys decrypts (left as it is)."""


def box_from_settings(settings: WebSettings) -> SecretBox:
    """The server's box, as the web app builds it (the generated key file when no setting)."""
    from tools.settings import ToolSettings

    current = settings.resolved_secret(ToolSettings().data_dir)
    previous = [key.get_secret_value() for key in settings.previous_secret_keys]
    return SecretBox.from_secrets(current, previous)


async def rekey(db: Database, box: SecretBox) -> RekeyReport:
    """Re-encrypt every stored credential with the box's current key, in one transaction."""
    report = RekeyReport()
    async with db.write() as session:
        rows = (await session.execute(select(IntegrationCredential))).scalars().all()
        for row in rows:
            try:
                row.secret = box.rotate(row.secret)
            except UndecryptableSecret:
                report.undecryptable.append(f"{row.service} of {row.user_id}")
                continue
            row.updated_at = utcnow()
            report.rekeyed += 1
    return report


async def rekey_database(settings: WebSettings) -> RekeyReport:
    db = Database.connect(settings.database_url)
    try:
        return await rekey(db, box_from_settings(settings))
    finally:
        await db.close()
