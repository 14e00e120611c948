"""Unsubscribe requests that arrive by mail: the mailto half of List-Unsubscribe (P7).

The mailto link asks the reader's mail program to send a message whose subject is
"unsubscribe <token>"; the token is the same signed one the https link carries, so a request
by mail is honoured exactly like a click, and a forged one changes nothing.
"""

import mailbox
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import unquote

from . import links, subscriptions


def token_from_subject(subject: str) -> str | None:
    words = unquote(subject or "").split()
    if len(words) >= 2 and words[0].lower() == "unsubscribe":
        return words[1]
    return None


def handle_message(message: Message) -> bool:
    """Unsubscribe what a request by mail asks for; False when it is not a valid request."""
    token = token_from_subject(str(message.get("Subject", "")))
    if token is None:
        return False
    try:
        target = links.read_unsubscribe_token(token)
    except links.BadLink:
        return False
    subscriptions.unsubscribe(
        email=target.email,
        topic_key=target.topic_key,
        source="unsubscribe by mail",
        mailing=target.mailing,
    )
    return True


@dataclass(frozen=True)
class MailboxResult:
    honoured: int
    ignored: int


def process_maildir(path: Path) -> MailboxResult:
    """Handle every new message in a Maildir, then mark it seen so it is handled once."""
    box = mailbox.Maildir(path, create=False)
    honoured = ignored = 0
    for key in list(box.iterkeys()):
        message = box[key]
        if "S" in message.get_flags():
            continue
        if handle_message(message):
            honoured += 1
        else:
            ignored += 1
        message.add_flag("S")
        message.set_subdir("cur")
        box[key] = message
    return MailboxResult(honoured, ignored)
