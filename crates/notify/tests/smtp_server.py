#!/usr/bin/env python3
"""A real SMTP server for Pantau's reminder tests (aiosmtpd).

    smtp_server.py --port PORT --dir FOLDER [--refuse N]

Listens on 127.0.0.1:PORT and writes each accepted message to FOLDER as
NNNNN.json (envelope, headers and the decoded text body) before it answers
250, so a sender that was told "accepted" finds the file there. The first N
messages are refused with a 451 (try again later), for the retry path.
Prints "ready" once it listens and stops when its standard input closes
(the test that started it ended).
"""

import argparse
import email
import email.policy
import itertools
import json
import os
import sys
import threading

from aiosmtpd.controller import Controller


class Recorder:
    def __init__(self, folder, refuse):
        self.folder = folder
        self.refuse = refuse
        self.numbers = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                return "451 4.3.0 Mailbox busy, try again later"
            number = next(self.numbers)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(message["from"]),
            "to": str(message["to"]),
            "subject": str(message["subject"]),
            "message_id": str(message["message-id"]),
            "text": body.get_content() if body is not None else "",
        }
        temporary = os.path.join(self.folder, f".{number:05d}.tmp")
        with open(temporary, "w", encoding="utf-8") as out:
            json.dump(record, out, ensure_ascii=False)
        os.rename(temporary, os.path.join(self.folder, f"{number:05d}.json"))
        return "250 2.0.0 OK"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--refuse", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(Recorder(args.dir, args.refuse), hostname="127.0.0.1", port=args.port)
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
