import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { openStore } from '../src/store/index.js';
import type { MetricPoint, TimeSeriesStore } from '../src/store/index.js';
import { Spool } from '../src/store/spool/spool.js';
import { startRestartableInfluxd } from '../test/helpers/influxd.js';
import type { BenchFigure } from './figure.js';

const TOTAL_POINTS = 200_000;
const CALL_SIZE = 1_000;
const SERIES = 20; // 20 series × 10,000 points: one series is the 10,000-point query
const QUERY_RUNS = 5;
const T0 = Date.UTC(2025, 6, 15);
const BATCH = 5_000;

function makeCalls(): MetricPoint[][] {
  const calls: MetricPoint[][] = [];
  for (let start = 0; start < TOTAL_POINTS; start += CALL_SIZE) {
    const call: MetricPoint[] = [];
    for (let i = start; i < start + CALL_SIZE; i++) {
      const series = i % SERIES;
      const step = Math.floor(i / SERIES);
      call.push({
        siteId: 'bench-site',
        assetId: `asset-${series}`,
        metric: 'powerKw',
        atMs: T0 + step * 1_000,
        value: Math.sin(step / 60) * 100 + series,
        quality: 'good',
      });
    }
    calls.push(call);
  }
  return calls;
}

/**
 * The same points through bare better-sqlite3 (same table shape, one transaction per 5,000,
 * no validation, no queue): what the store's own work is compared with.
 */
function rawSqlite(dir: string): BenchFigure {
  const db = new Database(join(dir, 'raw.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`CREATE TABLE p (site TEXT NOT NULL, asset TEXT NOT NULL, metric TEXT NOT NULL, at_ms INTEGER NOT NULL,
      value REAL NOT NULL, quality TEXT NOT NULL, PRIMARY KEY (site, asset, metric, at_ms)) WITHOUT ROWID`);
    const insert = db.prepare('INSERT OR REPLACE INTO p VALUES (?, ?, ?, ?, ?, ?)');
    const writeAll = db.transaction((points: readonly MetricPoint[]) => {
      for (const p of points) insert.run(p.siteId, p.assetId ?? '', p.metric, p.atMs, p.value, p.quality);
    });
    const points = makeCalls().flat();
    const started = performance.now();
    for (let i = 0; i < points.length; i += BATCH) writeAll(points.slice(i, i + BATCH));
    const s = (performance.now() - started) / 1_000;
    return { name: 'store.sqlite.ingest.bare-better-sqlite3', value: Math.round(TOTAL_POINTS / s), unit: 'points/s' };
  } finally {
    db.close();
  }
}

async function measure(kind: string, store: TimeSeriesStore, baselines: { ingest?: string; query?: string } = {}): Promise<BenchFigure[]> {
  const calls = makeCalls();
  const started = performance.now();
  for (const call of calls) store.writeMetrics(call);
  await store.flush();
  const ingestS = (performance.now() - started) / 1_000;

  const timesMs: number[] = [];
  let n = 0;
  for (let run = 0; run < QUERY_RUNS; run++) {
    const t = performance.now();
    const got = await store.queryMetric({
      siteId: 'bench-site',
      assetId: 'asset-7',
      metric: 'powerKw',
      fromMs: T0,
      toMs: T0 + 86_400_000,
    });
    timesMs.push(performance.now() - t);
    n = got.length;
  }
  // A benchmark that measured the wrong thing must not print a figure.
  if (n !== TOTAL_POINTS / SERIES) throw new Error(`${kind}: query returned ${n} points, expected ${TOTAL_POINTS / SERIES}`);
  timesMs.sort((a, b) => a - b);
  return [
    {
      name: `store.${kind}.ingest`,
      value: Math.round(TOTAL_POINTS / ingestS),
      unit: 'points/s',
      ...(baselines.ingest !== undefined ? { baseline: baselines.ingest } : {}),
    },
    {
      name: `store.${kind}.query10k.median`,
      value: round1(timesMs[Math.floor(QUERY_RUNS / 2)] ?? Number.NaN),
      unit: 'ms',
      ...(baselines.query !== undefined ? { baseline: baselines.query } : {}),
    },
  ];
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

const rate = (points: number, ms: number): number => Math.round(points / (ms / 1_000));
const fig = (name: string, value: number, unit: string, baseline?: BenchFigure): BenchFigure => ({
  name, value, unit, ...(baseline !== undefined ? { baseline: `${baseline.name}: ${baseline.value} ${baseline.unit}` } : {}),
});

/**
 * The spool in front of SQLite: batches appended (fdatasync each) as while a store is down,
 * then a store opened on that data dir replays them into the file.
 */
async function spoolIntoSqlite(dir: string, sqliteIngest: BenchFigure): Promise<BenchFigure[]> {
  const points = makeCalls().flat();
  const spool = new Spool({ dir: join(dir, 'spool') }, () => undefined);
  let t = performance.now();
  for (let i = 0; i < points.length; i += BATCH) await spool.append({ metrics: points.slice(i, i + BATCH), setpoints: [] });
  const appendMs = performance.now() - t;
  await spool.close();
  const store = await openStore({ kind: 'sqlite', dataDir: dir, flushIntervalMs: 3_600_000, onError: () => undefined });
  try {
    t = performance.now();
    await store.flush();
    const drainMs = performance.now() - t;
    if (store.stats().replayedPoints !== TOTAL_POINTS) throw new Error(`spool drain wrote ${store.stats().replayedPoints} points, expected ${TOTAL_POINTS}`);
    const appended = fig('store.spool.append', rate(TOTAL_POINTS, appendMs), 'points/s', sqliteIngest);
    return [appended, fig('store.sqlite.spool-drain', rate(TOTAL_POINTS, drainMs), 'points/s', sqliteIngest)];
  } finally {
    await store.close();
  }
}

/**
 * InfluxDB down mid-ingest: the same points go to the spool (spooled ingest), then influxd
 * comes back and the spool drains into it (drain). Counted, not assumed: all must arrive.
 */
async function influxOutage(influxd: Awaited<ReturnType<typeof startRestartableInfluxd>>, dir: string, influxIngest: BenchFigure): Promise<BenchFigure[]> {
  const store = await openStore({ kind: 'influx', url: influxd.url, database: 'bench_outage', flushIntervalMs: 3_600_000, spool: { dir: join(dir, 'spool-influx') }, onError: () => undefined });
  try {
    await influxd.kill('SIGKILL');
    const calls = makeCalls();
    let t = performance.now();
    for (const call of calls) store.writeMetrics(call);
    await store.flush().catch(() => undefined);
    const spoolMs = performance.now() - t;
    if (store.stats().spooledPoints !== TOTAL_POINTS) throw new Error(`spooled ${store.stats().spooledPoints} points, expected ${TOTAL_POINTS}`);
    await influxd.restart();
    t = performance.now();
    await store.flush();
    const drainMs = performance.now() - t;
    const n = (await store.queryMetric({ siteId: 'bench-site', assetId: 'asset-7', metric: 'powerKw', fromMs: T0, toMs: T0 + 86_400_000 })).length;
    if (n !== TOTAL_POINTS / SERIES) throw new Error(`after the outage a series holds ${n} points, expected ${TOTAL_POINTS / SERIES}`);
    return [
      fig('store.influx.outage.spooled-ingest', rate(TOTAL_POINTS, spoolMs), 'points/s', influxIngest),
      fig('store.influx.outage.drain', rate(TOTAL_POINTS, drainMs), 'points/s', influxIngest),
    ];
  } finally {
    await store.close();
  }
}

/**
 * Sustained ingest (200,000 points in calls of 1,000, then flushed) and a 10,000-point query,
 * into SQLite and InfluxDB; then the same through the spool (backend down: spooled ingest;
 * back up: drain), and InfluxDB with larger batches.
 */
export async function benchStoreIngest(): Promise<BenchFigure[]> {
  const results: BenchFigure[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'vpp-bench-store-'));
  try {
    const bare = rawSqlite(dir);
    results.push(bare);
    const sqlite = await openStore({ kind: 'sqlite', dataDir: join(dir, 'direct') });
    try {
      const baselines = { ingest: `${bare.name}: ${bare.value} points/s` };
      results.push(...(await measure('sqlite', sqlite, baselines)));
    } finally {
      await sqlite.close();
    }
    const sqliteIngest = results.find((r) => r.name === 'store.sqlite.ingest') as BenchFigure;
    results.push(...(await spoolIntoSqlite(join(dir, 'spooled'), sqliteIngest)));

    const influxd = await startRestartableInfluxd();
    try {
      const influx = await openStore({ kind: 'influx', url: influxd.url, database: 'bench' });
      try {
        const query = results.find((r) => r.name === 'store.sqlite.query10k.median');
        const baselines = {
          ingest: `store.sqlite.ingest: ${sqliteIngest.value} points/s`,
          query: `store.sqlite.query10k.median: ${query?.value ?? '?'} ms`,
        };
        results.push(...(await measure('influx', influx, baselines)));
      } finally {
        await influx.close();
      }
      const influxIngest = results.find((r) => r.name === 'store.influx.ingest') as BenchFigure;
      const big = await openStore({ kind: 'influx', url: influxd.url, database: 'bench_big', batchSize: 20_000 });
      try {
        const [ingest] = await measure('influx.batch20k', big);
        if (ingest !== undefined) results.push({ ...ingest, baseline: `${influxIngest.name}: ${influxIngest.value} points/s` });
      } finally {
        await big.close();
      }
      results.push(...(await influxOutage(influxd, dir, influxIngest)));
    } finally {
      await influxd.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchStoreIngest()) {
    console.log(`${r.name.padEnd(36)} ${String(r.value).padStart(10)} ${r.unit}${r.baseline ? `   (${r.baseline})` : ''}`);
  }
}
