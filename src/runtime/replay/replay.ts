import type { Scenario } from '../../../simulators/index.js';
import { runControlled } from './controlled.js';
import { controllerFor, type SiteController } from './controllers.js';
import { forecastBase, runUncontrolled } from './forecast.js';
import { balanceError, eventKpis, siteKpis } from './kpis.js';
import type { ReplayOptions, ReplayResult, ReplaySeries, ReplaySiteSeries } from './types.js';
import { ImportIntegral } from './windows.js';

/**
 * `vpp replay`: the scenario in closed loop on simulated physics and clock. No network, no
 * timers, no wall-clock waits: time moves only as the loop steps it. First the uncontrolled run
 * (the counterfactual: uncontrolled peak, event baselines, the perfect forecast), then the
 * controlled run, then the CONTRACTS.md KPIs of both.
 */
export async function replayScenario(scenario: Scenario, options: ReplayOptions = {}): Promise<ReplayResult> {
  const t0 = performance.now();
  const s = scenario;
  const name = options.controller ?? 'plan';
  const window = s.tariff?.demandWindow ?? 'block';
  const uncontrolled = runUncontrolled(s);
  const controllers = new Map<string, SiteController | null>();
  for (const site of s.sites) {
    const u = uncontrolled.get(site.id)?.gridKw ?? [];
    const peakKw = new ImportIntegral(s.startMs, s.stepS, u).peakKw(window, s.startOffsetMin);
    controllers.set(site.id, controllerFor(name, site.id, options, peakKw, window, s.stepS));
  }
  const forecasts = name === 'plan' ? forecastBase(s, uncontrolled) : null;
  const controlled = await runControlled({ scenario: s, controllers, forecasts, ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}) });

  const sites = controlled.map((c) => {
    const u = uncontrolled.get(c.built.spec.id);
    if (u === undefined) throw new Error(`replay: no uncontrolled run for site ${c.built.spec.id}`);
    return siteKpis(s, c, u);
  });
  const result: ReplayResult = {
    scenario: s.name,
    steps: s.steps,
    wallMs: 0,
    sites,
    events: eventKpis(s, controlled, uncontrolled),
    balanceError: Math.max(0, ...controlled.map(balanceError)),
  };
  if (options.collectSeries === true) {
    const seriesSites: Record<string, ReplaySiteSeries> = {};
    for (const c of controlled) {
      const batteries: ReplaySiteSeries['batteries'] = {};
      for (const [id, b] of c.batteries) batteries[id] = { powerKw: b.powerKw, socPct: b.socPct };
      seriesSites[c.built.spec.id] = {
        gridKw: c.gridKw,
        uncontrolledGridKw: uncontrolled.get(c.built.spec.id)?.gridKw ?? [],
        gridImportLimitKw: c.built.spec.gridImportLimitKw,
        importCapKw: c.importCapKw,
        planPeakKw: c.planPeakKw,
        batteries,
      };
    }
    const series: ReplaySeries = { stepS: s.stepS, timesMs: Array.from({ length: s.steps }, (_, i) => s.startMs + i * s.stepS * 1000), sites: seriesSites };
    result.series = series;
  }
  result.wallMs = Math.round(performance.now() - t0);
  return result;
}
