/**
 * The fleet of api-events-fleet.ts: its config, the config pointed at the simulator's endpoints,
 * and the hook that notes when each simulated battery receives a command.
 */
import { BatteryModel, type SimRun } from '../simulators/index.js';
import type { VppConfig } from '../src/config/index.js';

export const SITES = Number(process.env.VPP_BENCH_API_SITES ?? '20');
export const PER_SITE = Number(process.env.VPP_BENCH_API_BATTERIES ?? '50');
export const REPEATS = Number(process.env.VPP_BENCH_API_REPEATS ?? '20');
const LOAD_KW = 1500;
/** Each battery sheds 6 kW (of its 20): the split is by energy left, and every battery is alike. */
export const SHED_PER_BATTERY_KW = 6;
export const LIMIT_KW = LOAD_KW - SHED_PER_BATTERY_KW * PER_SITE;
export const CYCLE_MS = 1000;
export const WAIT_MS = 30_000;

const pad = (i: number): string => String(i).padStart(3, '0');
const siteId = (s: number): string => `s${pad(s)}`;
const batteryId = (s: number, b: number): string => `s${pad(s)}-b${pad(b)}`;

export function configText(): string {
  const sites = Array.from({ length: SITES }, (_, s) => {
    const id = siteId(s);
    const batteries = Array.from({ length: PER_SITE }, (_, b) =>
      `      - {id: ${batteryId(s, b)}, type: battery, capacityKwh: 100, maxChargeKw: 20, maxDischargeKw: 20, revertS: 60, binding: modbus://127.0.0.1:0/${b + 3}, simulate: {socPct: 60}}`,
    );
    return [
      `  - id: ${id}`,
      '    timezone: Asia/Shanghai',
      '    gridImportLimitKw: 5000',
      '    assets:',
      `      - {id: ${id}-grid, type: meter, binding: modbus://127.0.0.1:0/1}`,
      `      - {id: ${id}-load, type: load, binding: modbus://127.0.0.1:0/2, simulate: {profile: {constantKw: ${LOAD_KW}}}}`,
      ...batteries,
    ].join('\n');
  });
  return `http: {host: 127.0.0.1, port: 0}\ncontrol: {cycleS: 1}\nsimulation: {startAt: 2025-07-15T10:45:00+08:00, speed: 1}\nsites:\n${sites.join('\n')}\n`;
}

/** The config as for real devices: no simulation section, every binding at the runner's endpoint. */
export function onServedDevices(cfg: VppConfig, run: SimRun): VppConfig {
  const served = new Map(run.endpoints.map((e) => [`${e.site}/${e.asset}`, new URL(e.url)]));
  return {
    ...cfg,
    simulation: null,
    sites: cfg.sites.map((cs) => ({
      ...cs,
      site: {
        ...cs.site,
        assets: cs.site.assets.map((a) => {
          const at = served.get(`${cs.site.id}/${a.id}`);
          if (at === undefined) throw new Error(`bench: the simulator serves no ${cs.site.id}/${a.id}`);
          const url = new URL(a.binding);
          url.host = at.host;
          return { ...a, binding: url.toString() };
        }),
      },
    })),
  };
}

/** Notes, per battery, the wall time of the first command that moves it away from `fromKw`. */
export class Landing {
  private readonly at = new Map<string, number>();
  private fromKw = 0;
  private waiter: (() => void) | null = null;
  constructor(readonly total: number) {}
  arm(fromKw: number): void {
    this.at.clear();
    this.fromKw = fromKw;
  }
  note(id: string, kw: number): void {
    if (this.at.has(id) || Math.abs(kw - this.fromKw) < 0.5) return;
    this.at.set(id, performance.now());
    if (this.at.size === this.total) this.waiter?.();
  }
  /** Resolves with the time the last battery got its new command (null: not all within WAIT_MS), and the first. */
  async all(): Promise<{ lastMs: number | null; firstMs: number; landed: number }> {
    if (this.at.size < this.total) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, WAIT_MS);
        this.waiter = () => (clearTimeout(timer), resolve());
      });
      this.waiter = null;
    }
    const times = [...this.at.values()];
    return { lastMs: this.at.size === this.total ? Math.max(...times) : null, firstMs: Math.min(...times), landed: this.at.size };
  }
}

export function hookBatteries(run: SimRun, landing: Landing): BatteryModel[] {
  const batteries: BatteryModel[] = [];
  for (const b of run.sites) {
    for (const [id, model] of b.models) {
      if (!(model instanceof BatteryModel)) continue;
      const command = model.command.bind(model);
      model.command = (powerKw: number, revertS?: number | null) => {
        command(powerKw, revertS ?? null);
        landing.note(id, powerKw);
      };
      batteries.push(model);
    }
  }
  return batteries;
}
