"""A third-party Modbus peer for our tests: Debian's pymodbus (3.0.0rc1) serving raw
register images, over TCP or RTU on a serial device.

Usage: /usr/bin/python3 pymodbus-server.py SPEC.json
SPEC: {"transport": "tcp" | "rtu",
       "serial": {"port": "/dev/pts/N", "baudrate": 9600, "parity": "N", "bytesize": 8, "stopbits": 1},
       "units": {"3": {"base": 0, "registers": [21365, 28243, ...]}}}
Prints one line once it serves: "READY tcp <port>" (TCP binds 127.0.0.1 port 0) or
"READY rtu". Runs until killed.
"""
import asyncio
import json
import sys

from pymodbus.datastore import ModbusServerContext, ModbusSequentialDataBlock, ModbusSlaveContext
from pymodbus.framer.rtu_framer import ModbusRtuFramer
from pymodbus.server import StartAsyncSerialServer, StartAsyncTcpServer


def context(units):
    slaves = {}
    for unit, spec in units.items():
        # zero_mode: PDU address N is list index N - base (pymodbus otherwise adds 1).
        block = ModbusSequentialDataBlock(int(spec["base"]), list(spec["registers"]))
        slaves[int(unit)] = ModbusSlaveContext(hr=block, zero_mode=True)
    return ModbusServerContext(slaves=slaves, single=False)


async def main(path):
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    ctx = context(spec["units"])
    if spec["transport"] == "tcp":
        server = await StartAsyncTcpServer(context=ctx, address=("127.0.0.1", 0), defer_start=True)
        task = asyncio.create_task(server.serve_forever())
        await server.serving
        port = server.server.sockets[0].getsockname()[1]
        print(f"READY tcp {port}", flush=True)
        await task
    else:
        s = spec["serial"]
        server = await StartAsyncSerialServer(
            context=ctx,
            framer=ModbusRtuFramer,
            port=s["port"],
            baudrate=int(s.get("baudrate", 9600)),
            parity=s.get("parity", "N"),
            bytesize=int(s.get("bytesize", 8)),
            stopbits=int(s.get("stopbits", 1)),
            defer_start=True,
        )
        await server.start()
        if server.transport is None:
            print(f"cannot open {s['port']}", file=sys.stderr, flush=True)
            sys.exit(1)
        print("READY rtu", flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
