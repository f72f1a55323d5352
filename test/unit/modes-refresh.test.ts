import { describe, expect, it } from 'vitest';
import type { ModeChange, Site } from '../../src/domain/index.js';
import { createModeTable, memoryModeLog } from '../../src/runtime/index.js';
import { TEST_ASSET_BASE, testBattery } from '../helpers/assets.js';

const T0 = Date.parse('2026-01-05T10:00:00Z');
const site: Site = {
  id: 'plant',
  name: 'plant',
  timezone: 'Europe/Berlin',
  gridImportLimitKw: 400,
  gridExportLimitKw: 100,
  peakTargetKw: 300,
  assets: [{ ...TEST_ASSET_BASE, id: 'grid', kind: 'meter' }, testBattery('b1')],
};
const change = (over: Partial<ModeChange>): ModeChange => ({ siteId: 'plant', assetId: null, mode: 'auto', manualKw: null, who: 'op', why: 'because', atMs: T0, ...over });

/** Two controllers sharing one mode log (a PostgreSQL registry): a change made through one reaches the other on refresh. */
describe('mode table refresh from a shared log', () => {
  it('applies another controller\u2019s changes once each, oldest first, and not its own again', async () => {
    const log = memoryModeLog();
    const a = await createModeTable([site], log);
    const b = await createModeTable([site], log);
    await a.setMode(change({ mode: 'off', why: 'kill switch', atMs: T0 + 1 }));
    expect(b.siteMode('plant').mode).toBe('auto');
    expect(await b.refresh()).toBe(1);
    expect(b.siteMode('plant').mode).toBe('off');
    expect(await b.refresh()).toBe(0);
    // a's own change is not applied twice, and b's later change reaches a.
    expect(await a.refresh()).toBe(0);
    await b.setMode(change({ assetId: 'b1', mode: 'manual', manualKw: -20, why: 'test discharge', atMs: T0 + 2 }));
    await b.setMode(change({ mode: 'auto', why: 'back on', atMs: T0 + 3 }));
    expect(await a.refresh()).toBe(2);
    // Oldest first: the later site-wide auto cleared the asset's manual mode.
    expect(a.effective('plant', 'b1')).toEqual({ mode: 'auto', manualKw: null, source: 'site' });
  });

  it('logs and skips an entry for an unknown site once, keeping the others', async () => {
    const log = memoryModeLog();
    const b = await createModeTable([site], log);
    await log.append(change({ siteId: 'gone', mode: 'off', atMs: T0 + 1 }));
    await log.append(change({ mode: 'shadow', atMs: T0 + 2 }));
    expect(await b.refresh()).toBe(1);
    expect(b.siteMode('plant').mode).toBe('shadow');
    expect(await b.refresh()).toBe(0);
  });
});
