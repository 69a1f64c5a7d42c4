"""Alerts: one JSON object POSTed to $TIC_ALERT_WEBHOOK per event (DESIGN.md, "Alerts").

Events: ``loaded``, ``quarantined``, ``failed`` and ``overdue`` (once per release the calendar
expects and the warehouse lacks). ``text`` is one line, so Slack and Teams incoming webhooks
show it as it is. A webhook that fails is logged and never fails the run: the run's own
outcome is already recorded in the warehouse and in Prefect.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

import requests

from tic.files import write_atomic

if TYPE_CHECKING:
    from expectations.results import GateReport
    from tic.settings import Settings

log = logging.getLogger(__name__)

AlertEvent = Literal["loaded", "quarantined", "failed", "overdue"]
ALERT_TIMEOUT_S = (3.0, 5.0)  # (connect, read): a slow webhook must not hold a poll
SENT_FILE = "alerts-sent.json"  # under the data dir: the overdue releases already announced


@dataclass(frozen=True)
class Alert:
    """One event, shaped as the JSON object the webhook receives."""

    event: AlertEvent
    text: str
    release_date: date | None = None
    file: str | None = None
    check: str | None = None
    report: str | None = None
    data_dir: str | None = None

    def payload(self) -> dict[str, str | None]:
        fields = asdict(self)
        fields["text"] = " ".join(self.text.split())  # one line, whatever the message held
        fields["release_date"] = self.release_date.isoformat() if self.release_date else None
        return fields


def send_alert(settings: Settings, alert: Alert) -> bool:
    """POST the alert if a webhook is set; True when the webhook took it (2xx)."""
    url = settings.alert_webhook
    if not url:
        return False
    payload = alert.payload() | {"data_dir": str(settings.paths.root)}
    try:
        response = requests.post(url, json=payload, timeout=ALERT_TIMEOUT_S)
        response.raise_for_status()
    except requests.RequestException as error:
        # The URL of a Slack or Teams webhook is a secret: log its host only.
        host = urlsplit(url).netloc or url[:20]
        log.warning("alert %r not delivered to %s: %s", alert.event, host, _short(error))
        return False
    return True


def _short(error: BaseException) -> str:
    return " ".join(str(error).split())[:300] or type(error).__name__


def loaded_alert(
    message: str, release_date: date | None, brief_path: str | None, report_path: str | None
) -> Alert:
    """``report`` is the release brief when there is one, else the validation report."""
    text = message + (f"; brief: {brief_path}" if brief_path else "")
    return Alert("loaded", text, release_date, report=brief_path or report_path)


def quarantined_alert(message: str, report: GateReport, folder: str) -> Alert:
    """The first failed check names the file and the check; the message has example rows."""
    first = report.errors[0] if report.errors else None
    return Alert(
        "quarantined",
        message,
        report.release_date,
        file=first.file_name if first else None,
        check=first.check_name if first else None,
        report=folder,
    )


def failed_alert(reason: str, release_date: date | None) -> Alert:
    return Alert("failed", f"tic run failed: {reason}", release_date)


def alert_if_overdue(
    settings: Settings, latest_release: date | None, today: date | None = None
) -> bool:
    """Send ``overdue`` once per missing release: the ones already announced are kept in
    <data_dir>/alerts-sent.json; one not delivered is tried again at the next run. Whatever
    goes wrong here is logged: the run it follows has already succeeded."""
    try:
        return _alert_if_overdue(settings, latest_release, today)
    except Exception as error:
        log.warning("overdue check skipped: %s", _short(error))
        return False


def _alert_if_overdue(settings: Settings, latest_release: date | None, today: date | None) -> bool:
    from tic.ops.calendar import load_calendar
    from tic.ops.freshness import freshness, today_in_washington

    if not settings.alert_webhook:
        return False
    calendar = load_calendar(settings.release_calendar)
    report = freshness(
        calendar, latest_release, today or today_in_washington(), settings.max_days_overdue
    )
    expected = report.expected_release_date
    if not report.is_overdue or expected is None:
        return False
    sent_path = settings.paths.root / SENT_FILE
    sent = _read_sent(sent_path)
    if expected.isoformat() in sent["overdue"]:
        return False
    if not send_alert(settings, Alert("overdue", report.message, expected)):
        return False
    sent["overdue"].append(expected.isoformat())
    settings.paths.root.mkdir(parents=True, exist_ok=True)
    write_atomic(sent_path, json.dumps(sent, indent=1) + "\n")
    return True


def _read_sent(path: Path) -> dict[str, list[str]]:
    if not path.exists():
        return {"overdue": []}
    try:
        data = json.loads(path.read_text())
        return {"overdue": [str(d) for d in data.get("overdue", [])]}
    except (ValueError, AttributeError):
        log.warning("%s is not readable JSON; starting it again", path)
        return {"overdue": []}
