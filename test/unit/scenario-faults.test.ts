import { describe, expect, it } from 'vitest';
import { FaultTimeline, type ScenarioFault } from '../../simulators/scenario/index.js';
import { variant, type Doc } from '../fixtures/scenarios/variant.js';

const at = (hhmmss: string): number => Date.parse(`2025-07-15T${hhmmss}+08:00`);

const FAULTS = [
  { at: '2025-07-15T15:00:00+08:00', asset: 'bess', kind: 'commLoss', durationS: 900 },
  { at: '2025-07-15T10:00:00+08:00', asset: 'roof', kind: 'stuckValue', durationS: 600 },
  { at: '2025-07-15T09:00:00+08:00', asset: 'base', kind: 'noise', pct: 5 },
  { at: '2025-07-15T15:10:00+08:00', asset: 'bess', kind: 'slowResponse', delayMs: 2000, durationS: 600 },
  { at: '2025-07-15T16:00:00+08:00', asset: 'bess', kind: 'deviceReboot' },
  { at: '2025-07-15T12:00:00+08:00', asset: 'roof', kind: 'deviceReboot', durationS: 120 },
  { at: '2025-07-15T13:00:00+08:00', site: 'plant-1', kind: 'brokerDisconnect', durationS: 300 },
  { at: '2025-07-15T14:00:00+08:00', asset: 'ev-1', kind: 'brokerDisconnect', durationS: 60 },
];

const withFaults = (seed = 1) => variant((d: Doc) => ((d.faults = FAULTS), (d.seed = seed)));
const scenario = withFaults();
const timeline = FaultTimeline.fromScenario(scenario);

describe('fault timeline built from a scenario', () => {
  it('turns durations into [atMs, untilMs): open-ended to the end, an instant reboot at one time', () => {
    const byIndex = new Map(scenario.faults.map((f) => [f.index, f]));
    expect(byIndex.get(2)).toMatchObject({ kind: 'noise', assetId: 'base', atMs: at('09:00:00'), untilMs: scenario.endMs, pct: 5 });
    expect(byIndex.get(4)).toMatchObject({ kind: 'deviceReboot', atMs: at('16:00:00'), untilMs: at('16:00:00') });
    expect(byIndex.get(6)).toMatchObject({ kind: 'brokerDisconnect', siteId: 'plant-1', assetId: null });
    expect(byIndex.get(3)).toMatchObject({ kind: 'slowResponse', delayMs: 2000 });
  });

  it.each([
    ['bess', '14:59:59', []],
    ['bess', '15:00:00', ['commLoss']],
    ['bess', '15:10:00', ['commLoss', 'slowResponse']],
    ['bess', '15:15:00', ['slowResponse']],
    ['bess', '15:20:00', []],
    ['bess', '16:00:00', []],
    ['roof', '10:05:00', ['stuckValue']],
    ['roof', '12:01:59', ['deviceReboot']],
    ['roof', '12:02:00', []],
    ['base', '08:59:59', []],
    ['base', '23:59:59', ['noise']],
    ['ev-1', '13:02:00', ['brokerDisconnect']],
    ['ev-1', '14:00:30', ['brokerDisconnect']],
    ['ev-1', '14:01:00', []],
    ['bess', '13:02:00', []],
    ['plant-1-meter', '15:05:00', []],
    ['nobody', '15:05:00', []],
  ] as const)('active(%s, %s) = %j', (device, time, kinds) => {
    expect(timeline.active(device, at(time)).map((f) => f.kind)).toEqual(kinds);
  });

  it.each([
    ['bess', '15:05:00', false],
    ['bess', '15:14:59', false],
    ['bess', '15:16:00', true],
    ['roof', '12:01:00', false],
    ['roof', '10:05:00', true],
    ['ev-1', '13:02:00', true],
  ] as const)('answers(%s, %s) = %s', (device, time, expected) => {
    expect(timeline.answers(device, at(time))).toBe(expected);
  });

  it('lists starts and ends in time order; what lasts to the end never ends inside the run', () => {
    const seen = timeline.transitions(scenario.startMs, scenario.endMs).map((t) => `${new Date(t.atMs + 8 * 3600_000).toISOString().slice(11, 16)} ${t.phase} ${t.fault.kind} ${t.fault.assetId ?? t.fault.siteId}`);
    expect(seen).toEqual([
      '09:00 start noise base',
      '10:00 start stuckValue roof',
      '10:10 end stuckValue roof',
      '12:00 start deviceReboot roof',
      '12:02 end deviceReboot roof',
      '13:00 start brokerDisconnect plant-1',
      '13:05 end brokerDisconnect plant-1',
      '14:00 start brokerDisconnect ev-1',
      '14:01 end brokerDisconnect ev-1',
      '15:00 start commLoss bess',
      '15:10 start slowResponse bess',
      '15:15 end commLoss bess',
      '15:20 end slowResponse bess',
      '16:00 start deviceReboot bess',
      '16:00 end deviceReboot bess',
    ]);
  });

  it('stepping in windows of one step sees every transition exactly once', () => {
    const stepMs = scenario.stepS * 1000;
    const stepped = [];
    for (let t = scenario.startMs; t < scenario.endMs; t += stepMs) stepped.push(...timeline.transitions(t, t + stepMs));
    expect(stepped).toEqual(timeline.transitions(scenario.startMs, scenario.endMs));
    expect(timeline.transitions(at('16:00:00'), at('16:01:00')).map((t) => t.phase)).toEqual(['start', 'end']);
    expect(timeline.transitions(at('16:00:01'), at('16:01:00'))).toEqual([]);
  });

  it('seeds noise faults from the scenario seed, the asset and the fault', () => {
    const noiseSeed = (s: typeof scenario): number => {
      const n = s.faults.find((x) => x.kind === 'noise');
      if (n?.kind !== 'noise') throw new Error('no noise fault');
      return n.seed;
    };
    expect(noiseSeed(withFaults())).toBe(noiseSeed(scenario));
    expect(noiseSeed(withFaults(2))).not.toBe(noiseSeed(scenario));
  });
});

describe('fault timeline order at one instant', () => {
  const f = (index: number, kind: 'commLoss' | 'stuckValue' | 'deviceReboot', atMs: number, untilMs: number): ScenarioFault => ({ index, kind, siteId: 's', assetId: 'a', atMs, untilMs });

  it.each([
    {
      name: 'what ends goes first, an instant reboot starts and ends before what starts',
      faults: [f(0, 'stuckValue', 100, 200), f(1, 'deviceReboot', 100, 100), f(2, 'commLoss', 0, 100)],
      expected: ['end commLoss', 'start deviceReboot', 'end deviceReboot', 'start stuckValue'],
    },
    {
      name: 'ties keep file order',
      faults: [f(1, 'stuckValue', 100, 150), f(0, 'commLoss', 100, 150)],
      expected: ['start commLoss', 'start stuckValue'],
    },
  ])('$name', ({ faults, expected }) => {
    const t = new FaultTimeline(faults);
    expect(t.transitions(100, 101).map((x) => `${x.phase} ${x.fault.kind}`)).toEqual(expected);
  });
});
