import { describe, expect, it } from 'vitest';
import { VppError, type AssetState, type ModeChange, type Setpoint, type Site, type SiteState } from '../../src/domain/index.js';
import { createModeTable, guardManualKw, memoryModeLog, planModes, type EffectiveMode } from '../../src/runtime/index.js';
import { batteryHeadroom } from '../../src/core/index.js';
import { TEST_ASSET_BASE, testBattery } from '../helpers/assets.js';

const T0 = Date.parse('2026-01-05T10:00:00Z');

const site: Site = {
  id: 'plant',
  name: 'plant',
  timezone: 'Europe/Berlin',
  gridImportLimitKw: 400,
  gridExportLimitKw: 100,
  peakTargetKw: 300,
  assets: [{ ...TEST_ASSET_BASE, id: 'grid', kind: 'meter' }, testBattery('b1'), testBattery('b2', { capacityKwh: 1000 })],
};

const change = (over: Partial<ModeChange>): ModeChange => ({ siteId: 'plant', assetId: null, mode: 'auto', manualKw: null, who: 'test', why: 'because', atMs: T0, ...over });

describe('mode table', () => {
  it('defaults to auto, takes the config modes, and resolves an asset to its own mode else its site\u2019s', async () => {
    const t = (await createModeTable([{ ...site, mode: 'shadow', assets: site.assets.map((a) => (a.id === 'b2' ? { ...a, mode: 'off' as const } : a)) }], memoryModeLog()));
    expect(t.siteMode('plant')).toEqual({ mode: 'shadow', manualKw: null });
    expect(t.effective('plant', 'b1')).toEqual({ mode: 'shadow', manualKw: null, source: 'site' });
    expect(t.effective('plant', 'b2')).toEqual({ mode: 'off', manualKw: null, source: 'asset' });
    expect((await createModeTable([site], memoryModeLog())).effective('plant', 'b1').mode).toBe('auto');
  });

  it('applies asset changes over the site mode; a site change clears the asset modes', async () => {
    const log = memoryModeLog();
    const t = (await createModeTable([site], log));
    await t.setMode(change({ assetId: 'b1', mode: 'manual', manualKw: -50, atMs: T0 + 1 }));
    expect(t.effective('plant', 'b1')).toEqual({ mode: 'manual', manualKw: -50, source: 'asset' });
    expect(t.effective('plant', 'b2')).toEqual({ mode: 'auto', manualKw: null, source: 'site' });
    await t.setMode(change({ mode: 'off', why: '  storm warning ', atMs: T0 + 2 }));
    expect(t.effective('plant', 'b1')).toEqual({ mode: 'off', manualKw: null, source: 'site' });
    const view = await t.view('plant');
    expect(view?.assets.map((a) => `${a.assetId}:${a.mode}:${a.source}`)).toEqual(['grid:off:site', 'b1:off:site', 'b2:off:site']);
    // Newest first, reason trimmed as recorded.
    expect(view?.changes.map((c) => [c.mode, c.why])).toEqual([['off', 'storm warning'], ['manual', 'because']]);
    expect(await t.view('nowhere')).toBeUndefined();
  });

  it('rebuilds from the log at start, so a kill switch survives a restart (log over config)', async () => {
    const log = memoryModeLog();
    await (await createModeTable([site], log)).setMode(change({ mode: 'off', who: 'ops-1', why: 'fire drill' }));
    await (await createModeTable([site], log)).setMode(change({ assetId: 'b2', mode: 'shadow', atMs: T0 + 5 }));
    const restarted = (await createModeTable([{ ...site, mode: 'auto' }], log));
    expect(restarted.effective('plant', 'b1')).toEqual({ mode: 'off', manualKw: null, source: 'site' });
    expect(restarted.effective('plant', 'b2').mode).toBe('shadow');
    // An entry for a site no longer configured is skipped, not fatal.
    await log.append(change({ siteId: 'gone' }));
    expect((await createModeTable([site], log)).siteMode('plant').mode).toBe('off');
  });

  it('memoryModeLog answers newest first, by site, with a limit', async () => {
    const log = memoryModeLog([change({ atMs: 3 }), change({ atMs: 1, siteId: 'other' }), change({ atMs: 2 })]);
    await log.append(change({ atMs: 4, mode: 'off' }));
    expect((await log.history()).map((c) => c.atMs)).toEqual([4, 3, 2, 1]);
    expect((await log.history({ siteId: 'plant', limit: 2 })).map((c) => c.atMs)).toEqual([4, 3]);
  });

  it.each([
    [change({ siteId: 'nope' }), "MODE_UNKNOWN_SITE: siteId: no site 'nope'"],
    [change({ assetId: 'b9' }), "MODE_UNKNOWN_ASSET: assetId: site 'plant' has no asset 'b9'"],
    [change({ mode: 'manual' }), 'MODE_INVALID: manualKw: is required with mode manual'],
    [change({ mode: 'manual', manualKw: Number.NaN }), 'MODE_INVALID: manualKw: must be a finite number, got NaN'],
    [change({ mode: 'manual', manualKw: Number.POSITIVE_INFINITY }), 'MODE_INVALID: manualKw: must be a finite number, got Infinity'],
    [change({ mode: 'off', manualKw: 5 }), 'MODE_INVALID: manualKw: only with mode manual, got 5 with mode off'],
    [change({ why: '   ' }), 'MODE_INVALID: why: a reason is required, got an empty one'],
    [change({ mode: 'turbo' as never }), 'MODE_INVALID: mode: must be one of auto, shadow, manual, off, got "turbo"'],
    [change({ assetId: 'grid', mode: 'manual', manualKw: 1 }), "MODE_INVALID: assetId: manual needs a battery, 'grid' is a meter"],
  ])('refuses %o naming the field, and records nothing', async (c, expected) => {
    const log = memoryModeLog();
    const table = await createModeTable([site], log);
    const refused = await table.setMode(c).then(() => 'no error', (err: unknown) => (err instanceof VppError ? `${err.code}: ${err.message}` : String(err)));
    expect(refused).toBe(expected);
    expect(await log.history()).toEqual([]);
  });
});

const good = (value: number) => ({ value, quality: 'good' as const, atMs: T0 });
function battery(id: string, powerKw: number, socPct: number, extra: Partial<AssetState['readings']> = {}): AssetState {
  return { assetId: id, kind: 'battery', available: true, readings: { powerKw: good(powerKw), socPct: good(socPct), ...extra } };
}
function state(gridKw: number | null, assets: AssetState[]): SiteState {
  return {
    siteId: 'plant',
    atMs: T0,
    gridPowerKw: gridKw === null ? { value: null, quality: 'bad', atMs: T0 } : good(gridKw),
    flexibility: { decreaseKw: 0, decreaseDurationS: 0, increaseKw: 0, increaseDurationS: 0 },
    assets: Object.fromEntries(assets.map((a) => [a.assetId, a])),
  };
}
const b1 = testBattery('b1');
const noGrid = { baseKw: 0, othersMaxKw: 0, othersMinKw: 0 };

describe('manual setpoints pass the same guards', () => {
  // The battery's own limits are checked on a site whose grid limits are far away.
  const wide: Site = { ...site, gridImportLimitKw: 10_000, gridExportLimitKw: 10_000 };
  const guard = (s: AssetState, wantedKw: number, grid: typeof noGrid) => {
    const h = batteryHeadroom(b1, s);
    if (h === undefined) throw new Error('unavailable');
    return guardManualKw(grid === noGrid ? wide : site, b1, h, wantedKw, grid);
  };
  it.each([
    ['within every limit', battery('b1', 0, 50), -80, noGrid, -80, []],
    ['discharge power limit', battery('b1', 0, 50), -300, noGrid, -250, ['discharge limit 250.0 kW']],
    ['charge power limit', battery('b1', 0, 50), 300, noGrid, 250, ['charge limit 250.0 kW']],
    ['BMS available discharge narrows it', battery('b1', 0, 50, { availableDischargeKw: good(40) }), -80, noGrid, -40, ['discharge limit 40.0 kW']],
    ['SoC floor', battery('b1', 0, 10), -80, noGrid, 0, ['soc floor 10.0 % <= 10 %']],
    ['SoC ceiling', battery('b1', 0, 95), 80, noGrid, 0, ['soc ceiling 95.0 % >= 95 %']],
    ['import limit with the others\u2019 contribution', battery('b1', 0, 50), 200, { baseKw: 250, othersMaxKw: 60, othersMinKw: 60 }, 90, ['grid import limit 400 kW']],
    ['export limit with the others\u2019 contribution', battery('b1', 0, 50), -200, { baseKw: -20, othersMaxKw: -30, othersMinKw: -30 }, -50, ['grid export limit 100 kW']],
    ['never flips to the other direction', battery('b1', 0, 50), 50, { baseKw: 450, othersMaxKw: 0, othersMinKw: 0 }, 0, ['grid import limit 400 kW']],
  ] as const)('%s', (_name, s, wantedKw, grid, expectedKw, cuts) => {
    expect(guard(s, wantedKw, grid)).toEqual({ powerKw: expectedKw, cuts });
  });
});

const sp = (assetId: string, powerKw: number, reason = 'peak-shaving: x'): Setpoint => ({ siteId: 'plant', assetId, powerKw, reason, atMs: T0 });
const modesOf = (m: Record<string, EffectiveMode>) => new Map(Object.entries(m));
const AUTO: EffectiveMode = { mode: 'auto', manualKw: null, source: 'site' };

describe('planModes: what each mode makes of the controller\u2019s output', () => {
  it('writes auto, records shadow with its prefix, writes nothing for off', async () => {
    const plan = planModes({
      site,
      state: state(350, [battery('b1', 0, 50), battery('b2', 0, 50)]),
      nowMs: T0,
      modes: modesOf({ grid: AUTO, b1: AUTO, b2: { mode: 'shadow', manualKw: null, source: 'asset' } }),
      autoSetpoints: [sp('b1', -50)],
      shadowSetpoints: [sp('b1', -17), sp('b2', -33)],
    });
    expect(plan.write).toEqual([sp('b1', -50)]);
    expect(plan.shadow).toEqual([sp('b2', -33, 'shadow: peak-shaving: x')]);
    const off = planModes({ site, state: state(350, []), nowMs: T0, modes: modesOf({ b1: { mode: 'off', manualKw: null, source: 'site' } }), autoSetpoints: [sp('b1', -50)], shadowSetpoints: [] });
    expect(off.write).toEqual([]);
  });

  it('cuts a manual setpoint by the import limit counting the auto battery\u2019s setpoint, and says so', async () => {
    // Grid 300 with both idle; b2 (auto) is told +60: b1 may charge at most 400 - 300 - 60 = 40.
    const plan = planModes({
      site,
      state: state(300, [battery('b1', 0, 50), battery('b2', 0, 50)]),
      nowMs: T0,
      modes: modesOf({ b1: { mode: 'manual', manualKw: 100, source: 'asset' }, b2: AUTO }),
      autoSetpoints: [sp('b2', 60)],
      shadowSetpoints: [],
    });
    expect(plan.write).toEqual([
      sp('b2', 60),
      sp('b1', 40, 'manual: operator setpoint 100.0 kW; cut to 40.0 kW by grid import limit 400 kW'),
    ]);
  });

  it('splits a site manual setpoint by energy left, then guards each share (SoC floor)', async () => {
    const manual: EffectiveMode = { mode: 'manual', manualKw: -90, source: 'site' };
    const plan = planModes({
      site: { ...site, gridExportLimitKw: undefined },
      state: state(100, [battery('b1', 0, 10), battery('b2', 0, 55)]),
      nowMs: T0,
      modes: modesOf({ b1: manual, b2: manual }),
      autoSetpoints: [],
      shadowSetpoints: [],
    });
    // b1 sits at its floor: it gets no share; b2 (room to spare) takes all 90 kW.
    expect(plan.write.map((s) => [s.assetId, s.powerKw])).toEqual([['b1', 0], ['b2', -90]]);
    expect(plan.write[1]?.reason).toBe('manual: site setpoint -90.0 kW, share -90.0 kW');
  });

  it('writes no manual setpoint without a good grid reading or battery reading', async () => {
    const manual: EffectiveMode = { mode: 'manual', manualKw: -50, source: 'asset' };
    const noMeter = planModes({ site, state: state(null, [battery('b1', 0, 50)]), nowMs: T0, modes: modesOf({ b1: manual }), autoSetpoints: [], shadowSetpoints: [] });
    expect(noMeter.write).toEqual([]);
    expect(noMeter.notes[0]).toMatch(/grid meter reading is bad/);
    const noBattery = planModes({ site, state: state(200, []), nowMs: T0, modes: modesOf({ b1: manual }), autoSetpoints: [], shadowSetpoints: [] });
    expect(noBattery.write).toEqual([]);
    expect(noBattery.notes[0]).toMatch(/b1: manual, but unavailable/);
  });
});

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
