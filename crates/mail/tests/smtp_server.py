"""A real SMTP server for crates/mail/tests/smtp.rs, built on aiosmtpd.

Usage: smtp_server.py OUT_DIR [RCPT_CODE]

Listens on a free loopback port and prints it on the first line of stdout.
Each message received is written to OUT_DIR/<n>.json: the envelope, the raw
content (base64) and what Python's own e-mail parser makes of it, so the test
checks the bytes against an independent reader. With RCPT_CODE (e.g. 550 or
451) every recipient is refused with that code. Runs until stdin closes.
"""
import base64
import email
import email.policy
import json
import os
import socket
import sys

try:
    from aiosmtpd.controller import Controller
except ImportError:
    sys.stderr.write(
        "aiosmtpd is not installed: python3 -m pip install -r crates/mail/tests/requirements.txt\n"
    )
    sys.exit(3)

OUT_DIR = sys.argv[1]
RCPT_CODE = sys.argv[2] if len(sys.argv) > 2 else None


class Handler:
    def __init__(self):
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if RCPT_CODE is not None:
            if RCPT_CODE.startswith("5"):
                return f"{RCPT_CODE} 5.1.1 <{address}>: no such mailbox"
            return f"{RCPT_CODE} 4.3.0 <{address}>: try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        content = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        record = {
            "helo": session.host_name,
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "content": base64.b64encode(content).decode("ascii"),
            "parsed_subject": str(parsed["subject"]),
            "parsed_to": str(parsed["to"]),
            "parsed_text": parsed.get_content(),
        }
        path = os.path.join(OUT_DIR, f"{self.count}.json")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        return f"250 2.0.0 OK queued as Q{self.count}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


controller = Controller(
    Handler(), hostname="127.0.0.1", port=free_port(), enable_SMTPUTF8=True
)
controller.start()
print(controller.port, flush=True)
sys.stdin.read()
controller.stop()
