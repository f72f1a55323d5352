import type { Site } from '../domain/index.js';
import type { ControlObligations } from './types.js';

/** The bounds and reasons of planFollowing (plan-following.ts), kept apart to keep that file short. */

const kw = (x: number): string => `${x.toFixed(1)} kW`;
const INF = Number.POSITIVE_INFINITY;

/**
 * The import ceiling: the site's limit, or a lower DR cap. A cap that asks for more export than
 * gridExportLimitKw allows is held at the export limit (the hard limit wins over a DR bound).
 */
export function importCeiling(site: Site, o: ControlObligations): { kw: number; name: string } {
  const hardFloorKw = site.gridExportLimitKw === undefined ? -INF : -site.gridExportLimitKw;
  if (o.importCapKw === undefined || o.importCapKw >= site.gridImportLimitKw) return { kw: site.gridImportLimitKw, name: '' };
  const src = o.sources?.importCap === undefined ? '' : ` (${o.sources.importCap})`;
  const held = o.importCapKw < hardFloorKw ? `, held at the grid export limit ${site.gridExportLimitKw ?? ''} kW` : '';
  return { kw: Math.max(o.importCapKw, hardFloorKw), name: `dr import cap ${o.importCapKw} kW${src}${held}` };
}

export interface ReasonInput {
  netKw: number; upperKw: number; importCeilKw: number; targetKw: number; wantedKw: number; totalKw: number; loKw: number; why: string; slotK: number | undefined;
  ceilName: string; floorKw: number; exportCeilKw: number;
}

export function reasonOf(r: ReasonInput, o: ControlObligations): string {
  const wantedNote = r.slotK === undefined ? '' : `; slot ${r.slotK} SoC path wants ${kw(r.wantedKw)}`;
  const floorBinds = r.floorKw > -INF && r.totalKw <= r.floorKw - r.netKw + 1e-9 && r.totalKw > r.wantedKw + 1e-9;
  if (r.totalKw < r.wantedKw - 1e-9 && r.netKw + r.wantedKw > Math.max(r.upperKw, r.floorKw)) {
    const ceiling = `safety: import ceiling ${kw(r.importCeilKw)}${r.ceilName === '' ? '' : ` (${r.ceilName})`}`;
    const rule = r.upperKw < r.targetKw ? ceiling : `peak-shaving: ${r.why}`;
    return `${rule}: import without batteries ${kw(r.netKw)}${wantedNote}`;
  }
  if (floorBinds) {
    const src = o.sources?.importFloor === undefined ? '' : ` (${o.sources.importFloor})`;
    return `dr: import floor ${kw(r.floorKw)}${src}: import without batteries ${kw(r.netKw)}${wantedNote}`;
  }
  if (r.totalKw > r.wantedKw + 1e-9 && r.totalKw <= r.loKw + 1e-9) {
    const src = o.exportCapKw !== undefined && o.exportCapKw === r.exportCeilKw && o.sources?.exportCap !== undefined ? ` (${o.sources.exportCap})` : '';
    return `safety: export ceiling ${kw(r.exportCeilKw)}${src}: import without batteries ${kw(r.netKw)}${wantedNote}`;
  }
  return r.slotK === undefined ? `idle: ${r.why}` : `plan: ${r.why}${wantedNote}`;
}
