import { createModbusConnections, type RegisterClient } from './connection.js';

export type { RegisterClient } from './connection.js';
export { exceptionCodeOf } from './errors.js';

export interface TcpClientOptions {
  readonly host: string;
  readonly port: number;
  readonly unit: number;
  readonly timeoutMs: number;
}

/** Opens a Modbus TCP connection of its own (not shared) to one unit id; close() closes it. */
export function openTcpClient(opts: TcpClientOptions): Promise<RegisterClient> {
  return createModbusConnections().open({ transport: 'tcp', host: opts.host, port: opts.port }, opts.unit, opts.timeoutMs);
}
