"""Waiting on a network service: each task asks a loopback TCP server that answers after 25 ms.

Stands for an HTTP or database call. setup() starts the server once per worker process, in a
daemon thread (it ends with the process, nothing leaks); it serves each connection in its own
thread, like a real service handling concurrent requests. The client side blocks in recv() with
the GIL released, so threads overlap the waits.
"""
import socket
import socketserver
import threading
import time

# 40 requests of ~25 ms: about 1 s for one pass.
TASKS = 40

LATENCY_S = 0.025

_server_address = None
_server_lock = threading.Lock()


class _Handler(socketserver.StreamRequestHandler):
    def handle(self):
        request = self.rfile.readline()
        time.sleep(LATENCY_S)  # the service's own work, done elsewhere
        self.wfile.write(b"ok " + request)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    # A real service listens with a backlog of 128 or more; socketserver's default of 5 drops
    # connections from 16 threads at once, and each dropped SYN waits 1 s to be sent again.
    request_queue_size = 128


def setup():
    """Runs once per worker (thread or process); the server is started once per process."""
    global _server_address
    with _server_lock:
        if _server_address is None:
            server = _Server(("127.0.0.1", 0), _Handler)
            threading.Thread(target=server.serve_forever, name="socket_wait-server",
                             daemon=True).start()
            _server_address = server.server_address


def task(i):
    if _server_address is None:  # run without the pool (python -c "...task(0)")
        setup()
    with socket.create_connection(_server_address) as conn:
        conn.sendall(b"%d\n" % i)
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = conn.recv(4096)
            if not chunk:
                break
            reply += chunk
    return len(reply)
