import { createServer, type Socket } from 'node:net';
import { VppError } from '../../../src/domain/errors.js';
import type { RegisterBank } from './exception.js';
import { answerFrame } from './pdu.js';

export interface ModbusTcpServerOptions {
  readonly host: string;
  /** 0 picks a free port; read it back from the result. */
  readonly port: number;
  readonly units: ReadonlyMap<number, RegisterBank>;
  /** Called when a bank throws something other than a ModbusException (answered 04). */
  readonly onError?: (error: unknown) => void;
  /**
   * Fault injection: how to treat a request for `unit` now — answer at once, never answer
   * ('drop': a device lost to the bus, the client times out), or answer after a delay in ms.
   */
  readonly gate?: (unit: number) => 'answer' | 'drop' | number;
}

export interface ModbusTcpServer {
  readonly port: number;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
  /** Requests answered since start. */
  requestCount(): number;
}

/** MBAP header: transaction id, protocol id, length (unit id + PDU bytes), unit id. */
const MBAP_PREFIX = 6;
/** Length field bounds: unit id + function code at least, unit id + 253-byte PDU at most. */
const MIN_LENGTH = 2;
const MAX_LENGTH = 254;

/**
 * A Modbus TCP server that answers synchronously from the socket's data event. modbus-serial's
 * ServerTCP defers each request with setTimeout(…, 0), clamped to 1 ms, which caps it near
 * 1 000 requests/s per connection; answering in the same tick removes that cap.
 */
export function startModbusTcpServer(opts: ModbusTcpServerOptions): Promise<ModbusTcpServer> {
  const sockets = new Set<Socket>();
  const gate = opts.gate;
  let answered = 0;

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    let pending: Buffer | null = null;
    socket.on('data', (chunk: Buffer) => {
      const buf: Buffer = pending === null ? chunk : Buffer.concat([pending, chunk]);
      let at = 0;
      let corked = false;
      while (buf.length - at >= MBAP_PREFIX + 1) {
        const length = buf.readUInt16BE(at + 4);
        if (length < MIN_LENGTH || length > MAX_LENGTH) {
          // No way to find the next frame boundary: drop the connection, as devices do.
          socket.destroy();
          return;
        }
        const frameBytes = MBAP_PREFIX + length;
        if (buf.length - at < frameBytes) break;
        const verdict = gate === undefined ? 'answer' : gate(buf[at + 6] ?? 0);
        if (verdict !== 'answer' && buf.readUInt16BE(at + 2) === 0) {
          if (verdict !== 'drop') {
            // Answered later, after the bank has been read: a slow device, not a stale one.
            const response = answerFrame(buf, at, frameBytes, opts.units, opts.onError);
            setTimeout(() => void (socket.destroyed || socket.write(response)), verdict).unref();
            answered++;
          }
        } else if (buf.readUInt16BE(at + 2) === 0) {
          const response = answerFrame(buf, at, frameBytes, opts.units, opts.onError);
          if (!corked && buf.length - at > frameBytes) {
            socket.cork();
            corked = true;
          }
          socket.write(response);
          answered++;
        } // else: not Modbus (protocol id ≠ 0): ignored, as the spec says.
        at += frameBytes;
      }
      if (corked) socket.uncork();
      pending = at === buf.length ? null : Buffer.from(buf.subarray(at));
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });

  return new Promise((resolve, reject) => {
    server.once('error', (err) =>
      reject(new VppError('MODBUS_LISTEN_FAILED', `modbus server: cannot listen on ${opts.host}:${opts.port}: ${err.message}`, { cause: err })),
    );
    server.listen({ host: opts.host, port: opts.port }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : opts.port;
      resolve({
        port,
        requestCount: () => answered,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            sockets.clear();
            server.close(() => done());
          }),
      });
    });
  });
}
