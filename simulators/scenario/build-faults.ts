import type { Static } from 'typebox';
import { Value } from 'typebox/value';
import type { DeviceRef } from './build-sites.js';
import type { BuildContext } from './build-top.js';
import { FAULT_SCHEMAS, FaultHeadSchema } from './schema/index.js';
import { isoToMs } from './time.js';
import type { ScenarioFault } from './types.js';

type FaultEntry = { [K in keyof typeof FAULT_SCHEMAS]: Static<(typeof FAULT_SCHEMAS)[K]> }[keyof typeof FAULT_SCHEMAS];

/** FNV-1a over the text: a stable 32-bit seed per (scenario seed, asset, fault). */
export function seedFor(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Faults, checked against the devices they name. A fault lies inside the scenario; without
 * durationS it lasts to the end, except deviceReboot, which is then an instant.
 */
export function buildFaults(raw: readonly unknown[], devices: ReadonlyMap<string, DeviceRef>, siteIds: ReadonlySet<string>, ctx: BuildContext): ScenarioFault[] {
  const { problems } = ctx;
  const out: ScenarioFault[] = [];
  raw.forEach((x, index) => {
    const f = `faults[${index}]`;
    if (!Value.Check(FaultHeadSchema, x)) return; // reported by the schema pass
    if (!Value.Check(FAULT_SCHEMAS[x.kind], x)) return;
    const fe = x as FaultEntry;
    const before = problems.count;

    const atMs = isoToMs(fe.at);
    if (!Number.isFinite(atMs)) problems.add(`${f}.at`, 'is not a valid date', fe.at);
    const untilMs = fe.durationS !== undefined ? atMs + fe.durationS * 1000 : fe.kind === 'deviceReboot' ? atMs : ctx.endMs;
    if (Number.isFinite(atMs) && Number.isFinite(ctx.startMs)) {
      if (atMs < ctx.startMs || atMs >= ctx.endMs) problems.add(`${f}.at`, 'must lie inside the scenario', fe.at);
      else if (untilMs > ctx.endMs) problems.add(`${f}.durationS`, `must end by the end of the scenario (at most ${(ctx.endMs - atMs) / 1000} s here)`, fe.durationS);
    }

    let siteId = '';
    const assetId: string | null = fe.asset ?? null;
    if (fe.kind === 'brokerDisconnect') {
      if ((fe.asset === undefined) === (fe.site === undefined)) {
        problems.add(f, 'brokerDisconnect must name exactly one of asset or site', { asset: fe.asset, site: fe.site });
      } else if (fe.site !== undefined) {
        siteId = fe.site;
        if (!siteIds.has(fe.site)) problems.add(`${f}.site`, 'must name a site of this scenario', fe.site);
        else if (![...devices.values()].some((d) => d.siteId === fe.site && d.serve === 'mqtt')) {
          problems.add(`${f}.site`, 'has no device served over mqtt, so no broker connection to drop', fe.site);
        }
      }
    }
    if (assetId !== null) {
      const ref = devices.get(assetId);
      if (ref === undefined) {
        problems.add(`${f}.asset`, 'must name an asset (or a site meter) of this scenario', assetId);
      } else {
        siteId = ref.siteId;
        if (fe.kind === 'brokerDisconnect' && ref.serve !== 'mqtt') {
          problems.add(`${f}.asset`, `is served over ${ref.serve}; only mqtt devices have a broker connection`, assetId);
        }
      }
    }
    if (problems.count > before) return;

    const base = { index, siteId, atMs, untilMs };
    const id = assetId ?? '';
    switch (fe.kind) {
      case 'noise':
        out.push({ ...base, kind: 'noise', assetId: id, pct: fe.pct, seed: seedFor(`${ctx.seed}:${id}:${index}`) });
        break;
      case 'slowResponse':
        out.push({ ...base, kind: 'slowResponse', assetId: id, delayMs: fe.delayMs });
        break;
      case 'brokerDisconnect':
        out.push({ ...base, kind: 'brokerDisconnect', assetId });
        break;
      default:
        out.push({ ...base, kind: fe.kind, assetId: id });
    }
  });
  return out;
}
