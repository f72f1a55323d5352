import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventStatusChange } from '../../src/api/index.js';
import { startDrEvents, type DrEvents } from '../../src/runtime/dr-events.js';
import { openRegistry, type Registry } from '../../src/store/index.js';

/** The runtime's DR events over a real registry (temp dir), driven by poll(nowMs) on a test clock. */
const T0 = Date.parse('2025-07-15T06:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

let dir: string;
let registry: Registry;
let dr: DrEvents;
let seen: EventStatusChange[];
const logLines: Array<Record<string, unknown>> = [];
const log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });

function event(id: string, sites: readonly string[], startMs: number, durationS: number, limitKw = 300): Record<string, unknown> {
  return {
    id, objectType: 'EVENT', createdDateTime: iso(T0 - 3_600_000), programID: 'p1',
    targets: [{ type: 'VEN_NAME', values: sites }],
    intervalPeriod: { start: iso(startMs), duration: `PT${durationS}S` },
    intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [limitKw] }] }],
  };
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vpp-dr-events-'));
  registry = openRegistry({ dataDir: dir });
  await registry.programs.create({ id: 'p1', objectType: 'PROGRAM', createdDateTime: iso(T0 - 7_200_000), programName: 'peak' }, T0 - 7_200_000);
  dr = startDrEvents({ events: registry.events, log, tickMs: 0, refreshMs: 5000 });
  seen = [];
  dr.changes$.subscribe((c) => seen.push(c));
  logLines.length = 0;
});

afterEach(async () => {
  dr.stop();
  await registry.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('DR events in the runtime', () => {
  it('reports pending, active and completed as time passes, with the named sites', async () => {
    await registry.events.create(event('e1', ['plant-1', 'plant-2'], T0 + 10_000, 60), T0);
    await dr.poll(T0);
    await dr.poll(T0 + 5_000); // no change: nothing emitted
    await dr.poll(T0 + 10_000);
    await dr.poll(T0 + 69_999);
    await dr.poll(T0 + 70_000);
    expect(seen).toEqual([
      { eventId: 'e1', status: 'pending', atMs: T0, siteIds: ['plant-1', 'plant-2'] },
      { eventId: 'e1', status: 'active', atMs: T0 + 10_000, siteIds: ['plant-1', 'plant-2'] },
      { eventId: 'e1', status: 'completed', atMs: T0 + 70_000, siteIds: ['plant-1', 'plant-2'] },
    ]);
  });

  it('gives signals only to the targeted sites, only while active', async () => {
    await registry.events.create(event('e1', ['plant-1'], T0 + 10_000, 60, 280), T0);
    await dr.poll(T0);
    expect(dr.signals('plant-1', T0)).toEqual([]);
    expect(dr.signals('plant-1', T0 + 20_000)).toEqual([{ type: 'IMPORT_CAPACITY_LIMIT', valueKw: 280, eventId: 'e1' }]);
    expect(dr.signals('plant-2', T0 + 20_000)).toEqual([]);
    expect(dr.signals('plant-1', T0 + 70_000)).toEqual([]);
  });

  it('re-reads the registry at once after markChanged, else only every refreshMs', async () => {
    await dr.poll(T0);
    await registry.events.create(event('e1', ['plant-1'], T0 + 10_000, 60), T0 + 1000);
    await dr.poll(T0 + 1000);
    expect(dr.events()).toEqual([]);
    dr.markChanged();
    await dr.poll(T0 + 1001);
    expect(dr.events().map((e) => e.id)).toEqual(['e1']);
    await registry.events.create(event('e2', ['plant-2'], T0 + 10_000, 60), T0 + 2000);
    await dr.poll(T0 + 5000);
    expect(dr.events().map((e) => e.id)).toEqual(['e1']);
    await dr.poll(T0 + 6001);
    expect(dr.events().map((e) => e.id)).toEqual(['e1', 'e2']);
  });

  it('a cancelled event stops: cancelled on the stream, no more signals', async () => {
    await registry.events.create(event('e1', ['plant-1'], T0 + 10_000, 600), T0);
    await dr.poll(T0 + 20_000);
    expect(dr.signals('plant-1', T0 + 20_000)).toHaveLength(1);
    await registry.events.cancel('e1', T0 + 30_000);
    dr.markChanged();
    await dr.poll(T0 + 30_000);
    expect(dr.signals('plant-1', T0 + 30_000)).toEqual([]);
    expect(seen.map((c) => c.status)).toEqual(['active', 'cancelled']);
    expect(seen[1]).toMatchObject({ eventId: 'e1', atMs: T0 + 30_000, siteIds: ['plant-1'] });
  });

  it('a pending event deleted is reported cancelled', async () => {
    await registry.events.create(event('e1', ['plant-1'], T0 + 60_000, 60), T0);
    await dr.poll(T0);
    await registry.events.delete('e1');
    dr.markChanged();
    await dr.poll(T0 + 1000);
    expect(seen.map((c) => `${c.eventId}:${c.status}`)).toEqual(['e1:pending', 'e1:cancelled']);
  });

  it('skips a stored event that does not map, logs it once, and keeps the others', async () => {
    // Valid for the registry, not for the controller: a payload type it does not act on.
    const bad = { ...event('bad', ['plant-1'], T0 + 10_000, 60), intervals: [{ id: 0, payloads: [{ type: 'CURTAIL_PERCENT', values: [10] }] }] };
    await registry.events.create(bad, T0);
    await registry.events.create(event('good', ['plant-1'], T0 + 10_000, 60), T0);
    await dr.poll(T0 + 20_000);
    dr.markChanged();
    await dr.poll(T0 + 21_000);
    expect(dr.events().map((e) => e.id)).toEqual(['good']);
    expect(dr.signals('plant-1', T0 + 20_000)).toEqual([{ type: 'IMPORT_CAPACITY_LIMIT', valueKw: 300, eventId: 'good' }]);
    const warnings = logLines.filter((l) => l.msg === 'stored DR event skipped: it does not map onto a DrEvent');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ event: 'bad' });
    expect(String(warnings[0]?.err)).toMatch(/intervals\[0\]\.payloads\[0\]\.type/);
  });

  it('an event already over when first read is history: nothing emitted', async () => {
    await registry.events.create(event('old', ['plant-1'], T0 - 600_000, 60), T0);
    await dr.poll(T0);
    expect(seen).toEqual([]);
  });
});
