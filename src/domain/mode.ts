/**
 * Operating modes of a site or an asset (issue 6). `shadow` computes and records setpoints but
 * writes nothing: how a site is commissioned. `off` is the kill switch: the assets go back to
 * their own control.
 */
export const OPERATING_MODES = ['auto', 'shadow', 'manual', 'off'] as const;
export type OperatingMode = (typeof OPERATING_MODES)[number];

export interface ModeChange {
  readonly siteId: string;
  /** null: the whole site. */
  readonly assetId: string | null;
  readonly mode: OperatingMode;
  /** Manual only: operator setpoint, load convention (asset: its power; site: total battery power). */
  readonly manualKw: number | null;
  /** The API client id, 'cli:<user>' or 'config'. */
  readonly who: string;
  /** Required, non-empty. */
  readonly why: string;
  readonly atMs: number;
}

/** Persisted by the registry (SQLite); append-only, so who switched what and why is never lost. */
export interface ModeLog {
  append(change: ModeChange): Promise<void>;
  /** Newest first. */
  history(filter?: { siteId?: string; limit?: number }): Promise<ModeChange[]>;
}

/** One asset's effective mode and where it comes from (its own setting or its site's). */
export interface AssetModeView {
  readonly assetId: string;
  readonly kind: string;
  readonly mode: OperatingMode;
  /** Manual only: the operator setpoint in force, kW (its own, or the site's total when inherited). */
  readonly manualKw: number | null;
  readonly source: 'asset' | 'site';
}

/** A site's modes now, plus its latest changes (newest first). */
export interface SiteModes {
  readonly siteId: string;
  readonly mode: OperatingMode;
  readonly manualKw: number | null;
  readonly assets: readonly AssetModeView[];
  readonly changes: readonly ModeChange[];
}
