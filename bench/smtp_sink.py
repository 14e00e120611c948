"""A local SMTP server that accepts and counts messages, for the mail benchmark.

    python bench/smtp_sink.py --port 2525

Prints the number of messages received when stopped (SIGTERM or SIGINT).
"""

import argparse
import signal
import threading

from aiosmtpd.controller import Controller


class Counter:
    def __init__(self):
        self.received = 0

    async def handle_DATA(self, server, session, envelope):
        self.received += 1
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=args.port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    controller.stop()
    print(counter.received, flush=True)


if __name__ == "__main__":
    main()
