import { deriveSeed, hashUnit } from '../../models/index.js';
import type { SimDevice } from '../../servers/device.js';
import type { SunSpecPointSource } from '../../servers/sunspec/index.js';
import type { FaultTimeline } from '../faults.js';

/** Readings a `noise` fault perturbs: measured powers, never counters or state of charge. */
const NOISY = new Set(['powerKw', 'reactiveKvar', 'W', 'WphA', 'WphB', 'WphC', 'VAR', 'VARphA', 'VARphB', 'VARphC']);

/**
 * How the faults of a scenario look from outside a device at the sim time `nowMs()`: whether
 * it answers, how late, and what its readings show (frozen by stuckValue, perturbed by noise).
 * The physics underneath never sees a fault: only what the device reports does.
 */
export class FaultView {
  private readonly frozen = new Map<string, Readonly<Record<string, unknown>>>();

  constructor(
    private readonly timeline: FaultTimeline,
    private readonly nowMs: () => number,
  ) {}

  answers(deviceId: string): boolean {
    return this.timeline.answers(deviceId, this.nowMs());
  }

  /** Extra answer delay of a slowResponse fault, ms (0 = none). */
  delayMs(deviceId: string): number {
    let ms = 0;
    for (const f of this.timeline.active(deviceId, this.nowMs())) if (f.kind === 'slowResponse') ms += f.delayMs;
    return ms;
  }

  /** What the device reports, given what it would report without faults. `key` separates several views of one device. */
  view<T extends Readonly<Record<string, unknown>>>(deviceId: string, key: string, read: () => T): T {
    const now = this.nowMs();
    const active = this.timeline.active(deviceId, now);
    const frozenKey = `${deviceId}\u0000${key}`;
    if (active.some((f) => f.kind === 'stuckValue')) {
      let held = this.frozen.get(frozenKey);
      if (held === undefined) {
        held = read();
        this.frozen.set(frozenKey, held);
      }
      return held as T;
    }
    this.frozen.delete(frozenKey);
    const values = read();
    const noise = active.find((f) => f.kind === 'noise');
    if (noise === undefined || noise.kind !== 'noise') return values;
    const out: Record<string, unknown> = { ...values };
    const second = Math.floor(now / 1000);
    for (const [name, v] of Object.entries(values)) {
      if (!NOISY.has(name) || typeof v !== 'number') continue;
      // Seeded per fault, point and sim second: the same run shows the same noise.
      const u = hashUnit(deriveSeed(noise.seed, name), second) * 2 - 1;
      out[name] = v * (1 + (noise.pct / 100) * u);
    }
    return out as T;
  }

  /** A SimDevice as its protocol server should see it under the faults. */
  device(d: SimDevice, deviceId: string = d.assetId): SimDevice {
    return {
      siteId: d.siteId,
      assetId: d.assetId,
      kind: d.kind,
      commands: d.commands,
      readings: () => this.view(deviceId, 'readings', () => d.readings()),
      command: (name, value) => d.command(name, value),
      online: () => this.answers(deviceId),
    };
  }

  /** A SunSpec point source under the faults (commLoss and delays act on the wire, in the server's gate). */
  source(s: SunSpecPointSource, deviceId: string, model: number): SunSpecPointSource {
    return {
      read: () => this.view(deviceId, `sunspec-${model}`, () => s.read()),
      ...(s.write !== undefined ? { write: s.write.bind(s) } : {}),
    };
  }
}
