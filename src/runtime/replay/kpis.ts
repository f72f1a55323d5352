import { BatteryModel, EvChargerModel, HvacModel, LoadModel, PvModel, type Scenario } from '../../../simulators/index.js';
import type { ControlledSite } from './controlled.js';
import type { UncontrolledSite } from './forecast.js';
import { carbonAt, importPriceAt } from './tariff.js';
import type { ReplayEventResult, ReplaySiteResult } from './types.js';
import { ImportIntegral } from './windows.js';

/** The CONTRACTS.md KPIs of one site, every number computed from the run. */
export function siteKpis(s: Scenario, c: ControlledSite, u: UncontrolledSite): ReplaySiteResult {
  const spec = c.built.spec;
  const window = s.tariff?.demandWindow ?? 'block';
  const controlled = new ImportIntegral(s.startMs, s.stepS, c.gridKw);
  const uncontrolled = new ImportIntegral(s.startMs, s.stepS, u.gridKw);
  const peakImportKw = controlled.peakKw(window, s.startOffsetMin);
  let energyCost = 0;
  let co2Kg = 0;
  c.gridKw.forEach((g, i) => {
    const atMs = s.startMs + i * s.stepS * 1000;
    const importKwh = (Math.max(0, g) * s.stepS) / 3600;
    const exportKwh = (Math.max(0, -g) * s.stepS) / 3600;
    if (s.tariff !== undefined) energyCost += importKwh * importPriceAt(s.tariff, spec.timezone, atMs) - exportKwh * (s.tariff.exportPricePerKwh ?? 0);
    if (s.carbon !== undefined) co2Kg += importKwh * carbonAt(s.carbon, atMs);
  });
  const minutes = controlled.alignedMeans(60, s.startOffsetMin);
  const minSocPct: Record<string, number> = {};
  const endSocPct: Record<string, number> = {};
  for (const [id, b] of c.batteries) {
    minSocPct[id] = b.minSocPct;
    endSocPct[id] = b.model.socPct();
  }
  let comfortViolationMinutes = 0;
  let evEnergyShortKwh = 0;
  for (const m of c.built.models.values()) {
    if (m instanceof HvacModel) comfortViolationMinutes += m.comfortViolationMinutes();
    if (m instanceof EvChargerModel) evEnergyShortKwh += m.energyShortKwh();
  }
  return {
    id: spec.id,
    peakImportKw,
    uncontrolledPeakImportKw: uncontrolled.peakKw(window, s.startOffsetMin),
    peakImportInstantKw: Math.max(0, ...c.gridKw),
    importKwh: c.built.physics.meter.energyImportKwh(),
    exportKwh: c.built.physics.meter.energyExportKwh(),
    cost: energyCost + (s.tariff?.demandChargePerKw ?? 0) * peakImportKw,
    co2Kg,
    limitViolationMinutes: minutes.filter((m) => m.meanKw > spec.gridImportLimitKw).length,
    minSocPct,
    endSocPct,
    comfortViolationMinutes,
    evEnergyShortKwh,
  };
}

/**
 * Per event and site: baseline = the uncontrolled run's mean import over the window, compliance
 * = share of the window's clock minutes whose mean import is at most valueKw × 1.01. For an
 * EXPORT_CAPACITY_LIMIT the minutes are judged on export instead; the import figures stay import.
 */
export function eventKpis(s: Scenario, controlled: readonly ControlledSite[], uncontrolled: ReadonlyMap<string, UncontrolledSite>): ReplayEventResult[] {
  const out: ReplayEventResult[] = [];
  for (const e of s.events) {
    for (const siteId of e.siteIds) {
      const c = controlled.find((x) => x.built.spec.id === siteId);
      const u = uncontrolled.get(siteId);
      if (c === undefined || u === undefined) continue;
      const fromMs = Math.max(e.startMs, s.startMs);
      const toMs = Math.min(e.endMs, s.endMs);
      const imp = new ImportIntegral(s.startMs, s.stepS, c.gridKw);
      const exp = new ImportIntegral(s.startMs, s.stepS, c.gridKw.map((g) => -g));
      const judged = e.type === 'IMPORT_CAPACITY_LIMIT' ? imp : exp;
      let minutes = 0;
      let compliant = 0;
      let maxImportKw = 0;
      for (let t = fromMs; t < toMs; t += 60_000) {
        const end = Math.min(t + 60_000, toMs);
        maxImportKw = Math.max(maxImportKw, imp.meanKw(t, end));
        minutes++;
        if (judged.meanKw(t, end) <= e.valueKw * 1.01) compliant++;
      }
      out.push({
        id: e.id,
        site: siteId,
        requestedKw: e.valueKw,
        baselineKw: new ImportIntegral(s.startMs, s.stepS, u.gridKw).meanKw(fromMs, toMs),
        meanImportKw: imp.meanKw(fromMs, toMs),
        maxImportKw,
        compliantPct: minutes === 0 ? 100 : (100 * compliant) / minutes,
      });
    }
  }
  return out;
}

/**
 * Relative energy-balance error of a site: the meter's import − export against the sum of the
 * assets' own energy counters, over the meter's throughput.
 */
export function balanceError(c: ControlledSite): number {
  const meter = c.built.physics.meter;
  let assetsKwh = 0;
  for (const m of c.built.models.values()) {
    if (m instanceof LoadModel) assetsKwh += m.energyImportKwh();
    else if (m instanceof PvModel) assetsKwh -= m.energyExportKwh();
    else if (m instanceof BatteryModel) assetsKwh += m.energyChargedKwh() - m.energyDischargedKwh();
    else if (m instanceof HvacModel) assetsKwh += m.energyImportKwh();
    else if (m instanceof EvChargerModel) assetsKwh += m.energyDeliveredKwh();
  }
  const throughput = meter.energyImportKwh() + meter.energyExportKwh();
  const diff = Math.abs(meter.energyImportKwh() - meter.energyExportKwh() - assetsKwh);
  return throughput > 0 ? diff / throughput : diff;
}
