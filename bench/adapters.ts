/**
 * Field adapters against raw protocol clients (issue 4), each figure beside its baseline from
 * the same run and the overhead in % of it (goal: <= 20 %, reported, never asserted):
 * - Modbus (adapters-modbus.ts): readings/s through the SunSpec adapter vs raw modbus-serial
 *   reads of the same ranges, 1 device and 50 unit ids behind one gateway, and µs per poll;
 * - MQTT (adapters-mqtt.ts): telemetry msgs/s ingested at QoS 0 and 1 vs a bare mqtt.js
 *   subscriber, with CPU µs per message;
 * - OPC UA (adapters-opcua.ts): monitored-item updates/s vs a bare ClientSubscription, with
 *   CPU µs per update.
 * Raw and adapter windows alternate over a few rounds (adapters-common.ts): the machines are
 * shared and noisy, and the per-round spread is printed so that noise shows. `npx tsx
 * bench/run.ts adapters` runs this suite alone; about a minute.
 */
import { pathToFileURL } from 'node:url';
import { benchModbusAdapter } from './adapters-modbus.js';
import { benchMqttAdapter } from './adapters-mqtt.js';
import { benchOpcuaAdapter } from './adapters-opcua.js';
import type { BenchFigure } from './figure.js';

export async function benchAdapters(): Promise<BenchFigure[]> {
  return [...(await benchModbusAdapter()), ...(await benchMqttAdapter()), ...(await benchOpcuaAdapter())];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const f of await benchAdapters()) console.log(`${f.name}: ${f.value.toFixed(1)} ${f.unit}${f.baseline !== undefined ? ` (${f.baseline})` : ''}`);
}
