import type { WriteResult } from '../../src/domain/device-adapter.js';
import type { RegisterClient } from './connection.js';
import { decodeValue, encodeRaw, encodeValue, type RegisterWrite, type WordOrder } from './register-map.js';

type Writer = Pick<RegisterClient, 'readHolding' | 'writeRegister' | 'writeRegisters'>;

/** FC 6 for one word, FC 16 for two: some devices take only FC 6 for a single register. */
function put(client: Writer, address: number, words: readonly number[]): Promise<void> {
  return words.length === 1 ? client.writeRegister(address, words[0] ?? 0) : client.writeRegisters(address, words);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Writes a power setpoint (load convention) through a profile's write map: the `before`
 * registers in order, the revert timer, then the value; reads the value register back.
 * The revert time goes first because devices arm it with the next setpoint (our simulated
 * EV charger, SunSpec's *_RvrtTms), so the setpoint written after it is the one it guards.
 * Never throws: a refused or failed write is `ok: false` with the reason.
 */
export async function writePowerKw(client: Writer, w: RegisterWrite, order: WordOrder, powerKw: number, revertS: number, where: string): Promise<WriteResult> {
  const value = encodeValue(powerKw, w, order);
  if (!value.ok) return { ok: false, readBackKw: null, detail: `${where}: powerKw ${value.reason} (modbus.writes.powerKw)` };
  let revert: number[] | null = null;
  if (w.revert !== null) {
    revert = encodeRaw(Math.round(revertS), w.revert.type, order);
    if (revert === null) return { ok: false, readBackKw: null, detail: `${where}: revertS ${revertS} does not fit the ${w.revert.type} revert register ${w.revert.address}` };
  }
  try {
    for (const b of w.before) await put(client, b.address, [b.value]);
    if (w.revert !== null && revert !== null) await put(client, w.revert.address, revert);
    await put(client, w.address, value.words);
    const back = await client.readHolding(w.address, value.words.length);
    const readBackKw = decodeValue(back, { ...w, notImplemented: [] }, order);
    const wantKw = decodeValue(value.words, { ...w, notImplemented: [] }, order);
    // The device holds raw units: compare with what the raw value written means, not the request.
    const ok = readBackKw !== null && wantKw !== null && Math.abs(readBackKw - wantKw) <= 1e-9 * Math.max(1, Math.abs(wantKw));
    return { ok, readBackKw, detail: ok ? null : `${where}: wrote ${String(wantKw)} kW (raw ${value.raw}), device reports ${String(readBackKw)} kW` };
  } catch (e) {
    return { ok: false, readBackKw: null, detail: message(e) };
  }
}
