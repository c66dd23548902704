"""Async requests to a loopback server: each task awaits two requests that it answers after 25 ms.

Stands for an aiohttp, httpx or asyncpg call. setup() is an async def, run once on each worker's
event loop: it starts the server there (asyncio.start_server), so the server lives as long as the
loop concur keeps for all of that worker's tasks. Each task opens a connection, sends its two
requests in turn and awaits each answer: the loop is free while they wait, so one event loop
overlaps as many requests as the concurrency lets in.
"""
import asyncio

# 80 tasks of two 25 ms requests: about 4 s awaited one after the other.
TASKS = 80

LATENCY_S = 0.025
REQUESTS = 2

_ports = {}  # the server's port, per event loop (a thread or process has its own)


async def _serve(reader, writer):
    while True:
        request = await reader.readline()
        if not request:
            break
        await asyncio.sleep(LATENCY_S)  # the service's own work, done elsewhere
        writer.write(b"ok " + request)
        await writer.drain()
    writer.close()


async def setup():
    """Once per event loop: the server, on this loop. A backlog of 256 for every concurrency
    concur tries (a dropped SYN waits 1 s to be sent again)."""
    server = await asyncio.start_server(_serve, "127.0.0.1", 0, backlog=256)
    _ports[asyncio.get_running_loop()] = server.sockets[0].getsockname()[1]


async def task(i):
    loop = asyncio.get_running_loop()
    if loop not in _ports:  # run without concur (asyncio.run(task(0)))
        await setup()
    reader, writer = await asyncio.open_connection("127.0.0.1", _ports[loop])
    size = 0
    for k in range(REQUESTS):
        writer.write(b"%d\n" % (i * REQUESTS + k))
        size += len(await reader.readline())
    writer.close()
    await writer.wait_closed()
    return size
