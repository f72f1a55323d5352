import {
  OPERATING_MODES,
  VppError,
  type AssetModeView,
  type ModeChange,
  type ModeLog,
  type OperatingMode,
  type Site,
  type SiteModes,
} from '../domain/index.js';
import type { Logger } from './logger.js';

/** A mode with the operator setpoint that goes with `manual`. */
export interface ModeSetting {
  readonly mode: OperatingMode;
  readonly manualKw: number | null;
}

/** An asset's effective mode and whether it is its own or its site's. */
export interface EffectiveMode extends ModeSetting {
  readonly source: 'asset' | 'site';
}

/** The controller's table of operating modes: read every cycle, changed through the API and CLI. */
export interface ModeTable {
  siteMode(siteId: string): ModeSetting;
  /** The asset's own mode if set, else its site's. Throws MODE_UNKNOWN_* for an unknown id. */
  effective(siteId: string, assetId: string): EffectiveMode;
  /** Validates, appends to the log, then applies (not when the log refused it); returns the change as recorded. */
  setMode(change: ModeChange): Promise<ModeChange>;
  /** The site's modes and its last `changes` changes (default 10); undefined for an unknown site. */
  view(siteId: string, changes?: number): Promise<SiteModes | undefined>;
  /**
   * Applies the log's changes this table has not seen (made by another controller sharing the
   * log, a PostgreSQL registry), oldest first; returns how many. Reads the last `limit` (200).
   */
  refresh(limit?: number): Promise<number>;
}

const AUTO: ModeSetting = Object.freeze({ mode: 'auto', manualKw: null });

/** An append-only ModeLog in memory (replay, tests, and the default without a registry). */
export function memoryModeLog(initial: readonly ModeChange[] = []): ModeLog {
  // Kept oldest first; history() answers newest first.
  const entries: ModeChange[] = [...initial].sort((a, b) => a.atMs - b.atMs);
  return {
    append: async (change) => void entries.push(Object.freeze({ ...change })),
    history: async (filter = {}) => {
      const out: ModeChange[] = [];
      for (let i = entries.length - 1; i >= 0 && (filter.limit === undefined || out.length < filter.limit); i--) {
        const e = entries[i] as ModeChange;
        if (filter.siteId === undefined || e.siteId === filter.siteId) out.push(e);
      }
      return out;
    },
  };
}

/** Checks a change against the configured sites; throws a VppError naming the field. */
export function validateModeChange(sites: readonly Site[], c: ModeChange): void {
  const site = sites.find((s) => s.id === c.siteId);
  if (site === undefined) throw new VppError('MODE_UNKNOWN_SITE', `siteId: no site '${c.siteId}'`);
  const asset = c.assetId === null ? undefined : site.assets.find((a) => a.id === c.assetId);
  if (c.assetId !== null && asset === undefined) throw new VppError('MODE_UNKNOWN_ASSET', `assetId: site '${c.siteId}' has no asset '${c.assetId}'`);
  if (!(OPERATING_MODES as readonly string[]).includes(c.mode)) {
    throw new VppError('MODE_INVALID', `mode: must be one of ${OPERATING_MODES.join(', ')}, got ${JSON.stringify(c.mode)}`);
  }
  if (c.mode === 'manual') {
    if (c.manualKw === null) throw new VppError('MODE_INVALID', 'manualKw: is required with mode manual');
    if (typeof c.manualKw !== 'number' || !Number.isFinite(c.manualKw)) throw new VppError('MODE_INVALID', `manualKw: must be a finite number, got ${String(c.manualKw)}`);
    // Only batteries take power setpoints today; a manual meter or PV would silently do nothing.
    if (asset !== undefined && asset.kind !== 'battery') throw new VppError('MODE_INVALID', `assetId: manual needs a battery, '${asset.id}' is a ${asset.kind}`);
  } else if (c.manualKw !== null) {
    throw new VppError('MODE_INVALID', `manualKw: only with mode manual, got ${String(c.manualKw)} with mode ${c.mode}`);
  }
  if (typeof c.why !== 'string' || c.why.trim() === '') throw new VppError('MODE_INVALID', 'why: a reason is required, got an empty one');
  if (typeof c.who !== 'string' || c.who.trim() === '') throw new VppError('MODE_INVALID', 'who: is required, got an empty one');
  if (!Number.isFinite(c.atMs)) throw new VppError('MODE_INVALID', `atMs: must be a finite time, got ${String(c.atMs)}`);
}

/**
 * Builds the mode table: the config's `mode:` fields first, then the log's history replayed
 * oldest first, so an operator's last word (a kill switch above all) survives a restart.
 * A site-wide change clears the site's asset overrides: "site off" means every asset.
 */
export async function createModeTable(sites: readonly Site[], log: ModeLog, logger?: Logger): Promise<ModeTable> {
  const siteModes = new Map<string, ModeSetting>();
  const assetModes = new Map<string, ModeSetting>();
  const key = (siteId: string, assetId: string) => `${siteId}/${assetId}`;
  for (const s of sites) {
    siteModes.set(s.id, s.mode === undefined ? AUTO : { mode: s.mode, manualKw: null });
    for (const a of s.assets) if (a.mode !== undefined) assetModes.set(key(s.id, a.id), { mode: a.mode, manualKw: null });
  }
  const apply = (c: ModeChange) => {
    const setting: ModeSetting = { mode: c.mode, manualKw: c.manualKw };
    if (c.assetId !== null) return void assetModes.set(key(c.siteId, c.assetId), setting);
    siteModes.set(c.siteId, setting);
    for (const a of sites.find((s) => s.id === c.siteId)?.assets ?? []) assetModes.delete(key(c.siteId, a.id));
  };
  // Changes applied (replayed, set here, or refreshed), so a refresh applies each change once.
  const seen = new Set<string>();
  const identity = (c: ModeChange) => JSON.stringify([c.atMs, c.siteId, c.assetId, c.mode, c.manualKw, c.who, c.why]);
  const replay = (c: ModeChange): boolean => {
    const id = identity(c);
    if (seen.has(id)) return false;
    seen.add(id);
    try {
      validateModeChange(sites, c);
      apply(c);
      return true;
    } catch (err) {
      // A site or asset removed from the config since: its history stays in the log.
      logger?.warn({ site: c.siteId, asset: c.assetId, err: (err as Error).message }, 'mode log entry ignored');
      return false;
    }
  };
  for (const c of (await log.history()).reverse()) replay(c);

  const siteMode = (siteId: string): ModeSetting => {
    const m = siteModes.get(siteId);
    if (m === undefined) throw new VppError('MODE_UNKNOWN_SITE', `siteId: no site '${siteId}'`);
    return m;
  };
  const effective = (siteId: string, assetId: string): EffectiveMode => {
    const site = siteMode(siteId);
    if (!sites.some((s) => s.id === siteId && s.assets.some((a) => a.id === assetId))) {
      throw new VppError('MODE_UNKNOWN_ASSET', `assetId: site '${siteId}' has no asset '${assetId}'`);
    }
    const own = assetModes.get(key(siteId, assetId));
    return own !== undefined ? { ...own, source: 'asset' } : { ...site, source: 'site' };
  };

  return {
    siteMode,
    effective,
    setMode: async (change) => {
      validateModeChange(sites, change);
      const recorded: ModeChange = Object.freeze({ ...change, why: change.why.trim() });
      await log.append(recorded);
      seen.add(identity(recorded));
      apply(recorded);
      logger?.info(
        { site: recorded.siteId, asset: recorded.assetId, mode: recorded.mode, manualKw: recorded.manualKw, who: recorded.who, why: recorded.why },
        'operating mode changed',
      );
      return recorded;
    },
    refresh: async (limit = 200) => {
      let applied = 0;
      for (const c of (await log.history({ limit })).reverse()) {
        if (!replay(c)) continue;
        applied += 1;
        logger?.info({ site: c.siteId, asset: c.assetId, mode: c.mode, manualKw: c.manualKw, who: c.who, why: c.why }, 'operating mode changed (by another controller)');
      }
      return applied;
    },
    view: async (siteId, changes = 10) => {
      const site = sites.find((s) => s.id === siteId);
      if (site === undefined) return undefined;
      const assets: AssetModeView[] = site.assets.map((a) => {
        const e = effective(siteId, a.id);
        return { assetId: a.id, kind: a.kind, mode: e.mode, manualKw: e.manualKw, source: e.source };
      });
      const m = siteMode(siteId);
      return { siteId, mode: m.mode, manualKw: m.manualKw, assets, changes: await log.history({ siteId, limit: changes }) };
    },
  };
}
