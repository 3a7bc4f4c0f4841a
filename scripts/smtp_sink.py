"""A counting SMTP sink on loopback for scripts/bench (aiosmtpd from PyPI).

Usage: python3 scripts/smtp_sink.py PORT. Prints the number of accepted messages on SIGTERM.
"""
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Counter:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
        return "250 OK"


handler = Counter()
controller = Controller(handler, hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
stop.wait()
controller.stop()
print(handler.count, flush=True)
