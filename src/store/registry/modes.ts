import type Database from 'better-sqlite3';
import { VppError } from '../../domain/index.js';
import type { ModeChange, ModeLog, OperatingMode } from '../../domain/index.js';

const MODES: readonly OperatingMode[] = ['auto', 'shadow', 'manual', 'off'];

interface ModeRow {
  site_id: string;
  asset_id: string | null;
  mode: string;
  manual_kw: number | null;
  who: string;
  why: string;
  at_ms: number;
}

/** Who switched which site or asset to which mode, when and why; newest first when read. */
export class SqliteModeLog implements ModeLog {
  private readonly insert: Database.Statement;
  private readonly selectAll: Database.Statement;
  private readonly selectSite: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly file: string,
  ) {
    this.insert = db.prepare('INSERT INTO mode_changes (site_id, asset_id, mode, manual_kw, who, why, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const columns = 'SELECT site_id, asset_id, mode, manual_kw, who, why, at_ms FROM mode_changes';
    // id breaks ties between changes in the same millisecond: the later insert is the newer.
    this.selectAll = db.prepare(`${columns} ORDER BY at_ms DESC, id DESC LIMIT ?`);
    this.selectSite = db.prepare(`${columns} WHERE site_id = ? ORDER BY at_ms DESC, id DESC LIMIT ?`);
  }

  async append(change: ModeChange): Promise<void> {
    checkModeChange(change);
    this.insert.run(change.siteId, change.assetId, change.mode, change.manualKw, change.who, change.why, change.atMs);
  }

  async history(filter: { siteId?: string; limit?: number } = {}): Promise<ModeChange[]> {
    const limit = filter.limit ?? -1;
    if (filter.limit !== undefined && !(Number.isInteger(filter.limit) && filter.limit > 0)) fail('limit', filter.limit, 'must be a positive integer');
    const rows = (filter.siteId !== undefined ? this.selectSite.all(filter.siteId, limit) : this.selectAll.all(limit)) as ModeRow[];
    return rows.map((r) => {
      if (!(MODES as readonly string[]).includes(r.mode)) {
        throw new VppError('REGISTRY_DATA_CORRUPT', `${this.file}: mode_changes.mode is invalid, got ${JSON.stringify(r.mode)}`);
      }
      return { siteId: r.site_id, assetId: r.asset_id, mode: r.mode as OperatingMode, manualKw: r.manual_kw, who: r.who, why: r.why, atMs: r.at_ms };
    });
  }
}

/** The fields a stored mode change must have (every backend checks the same). */
export function checkModeChange(change: ModeChange): void {
  if (typeof change.siteId !== 'string' || change.siteId === '') fail('siteId', change.siteId);
  if (change.assetId !== null && (typeof change.assetId !== 'string' || change.assetId === '')) fail('assetId', change.assetId);
  if (!MODES.includes(change.mode)) fail('mode', change.mode);
  if (change.manualKw !== null && !Number.isFinite(change.manualKw)) fail('manualKw', change.manualKw);
  if (change.mode === 'manual' && change.manualKw === null) fail('manualKw', change.manualKw, "is required for mode 'manual'");
  if (typeof change.who !== 'string' || change.who === '') fail('who', change.who);
  if (typeof change.why !== 'string') fail('why', change.why);
  if (!Number.isSafeInteger(change.atMs)) fail('atMs', change.atMs);
}

function fail(field: string, value: unknown, why = 'is invalid'): never {
  throw new VppError('MODE_CHANGE_INVALID', `modeChange.${field} ${why}, got ${JSON.stringify(value)}`);
}
