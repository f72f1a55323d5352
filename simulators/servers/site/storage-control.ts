import type { BatteryModel } from '../../models/index.js';

/** StorCtl_Mod bits of SunSpec model 124 (symbols CHARGE = bit 0, DISCHARGE = bit 1). */
const CHARGE_BIT = 0b01;
const DISCHARGE_BIT = 0b10;

/** Points of model 124 a client may write that change nothing in this simulator; kept so they read back. */
const ACCEPTED_ONLY = ['WChaGra', 'WDisChaGra', 'VAChaMax', 'InOutWRte_WinTms', 'InOutWRte_RmpTms'] as const;
/** ChaGriSet symbols: PV (0) = charge only from the site's PV surplus, GRID (1) = from the grid too. */
const CHA_GRI_SET_PV = 0;
const CHA_GRI_SET_GRID = 1;

/**
 * The control registers of SunSpec model 124 in front of a battery model, with the semantics
 * this project agreed (src/domain/sunspec/model-124.ts): charge = InWRte % × WChaMax when bit 0
 * of StorCtl_Mod is set, discharge = OutWRte % × WChaMax when bit 1 is set, neither = idle
 * (both = their difference). Every accepted write is a fresh command and restarts the revert
 * timer InOutWRte_RvrtTms (s, 0 = none); when it runs out the battery idles and StorCtl_Mod
 * reads 0 until the next write.
 */
export class StorageControl {
  private mod = 0;
  private inWRtePct = 0;
  private outWRtePct = 0;
  private revertS = 0;
  /** Power-on value GRID: a battery charges from the grid unless told otherwise. */
  private chaGriSet = CHA_GRI_SET_GRID;
  private readonly accepted = new Map<string, number>();

  /**
   * `pvSurplusKw` tells the battery how much PV the site exports now (kW >= 0). With ChaGriSet =
   * PV a charge command is capped at it when the command arrives (each write or refresh: the
   * inverter re-evaluates on command, not continuously); without it a PV-only battery sees no
   * surplus and does not charge, rather than charge from the grid.
   */
  constructor(
    readonly battery: BatteryModel,
    private readonly pvSurplusKw: () => number = () => 0,
  ) {}

  /** The model 124 values as the battery stands now (engineering units). */
  values(): Record<string, number | null> {
    const b = this.battery;
    const p = b.powerKw();
    const soc = b.socPct();
    let chaSt = 6; // HOLDING
    if (p > 0) chaSt = 4; // CHARGING
    else if (p < 0) chaSt = 3; // DISCHARGING
    else if (soc >= b.maxSocPct) chaSt = 5; // FULL
    else if (soc <= b.minSocPct) chaSt = 2; // EMPTY
    const out: Record<string, number | null> = {
      WChaMax: b.maxChargeKw * 1000,
      StorCtl_Mod: b.reverted() ? 0 : this.mod,
      MinRsvPct: b.minSocPct,
      ChaState: soc,
      ChaSt: chaSt,
      OutWRte: this.outWRtePct,
      InWRte: this.inWRtePct,
      InOutWRte_RvrtTms: this.revertS,
      ChaGriSet: this.chaGriSet,
    };
    for (const name of ACCEPTED_ONLY) out[name] = this.accepted.get(name) ?? null;
    return out;
  }

  /** A device reboot: control registers back to power-on values, the battery idle. */
  reset(): void {
    this.mod = 0;
    this.inWRtePct = 0;
    this.outWRtePct = 0;
    this.revertS = 0;
    this.chaGriSet = CHA_GRI_SET_GRID;
    this.accepted.clear();
    this.battery.command(0, null);
  }

  /** One point written by a client, engineering units. Throws (→ Modbus exception 03) on a value it cannot take. */
  write(point: string, value: number): void {
    if (this.battery.reverted()) this.mod = 0;
    switch (point) {
      case 'StorCtl_Mod':
        if (!Number.isInteger(value) || (value & ~(CHARGE_BIT | DISCHARGE_BIT)) !== 0) {
          throw new RangeError(`StorCtl_Mod must use bits 0 (CHARGE) and 1 (DISCHARGE) only, got ${value}`);
        }
        this.mod = value;
        break;
      case 'InWRte':
        this.inWRtePct = percent('InWRte', value);
        break;
      case 'OutWRte':
        this.outWRtePct = percent('OutWRte', value);
        break;
      case 'InOutWRte_RvrtTms':
        if (!Number.isInteger(value) || value < 0) throw new RangeError(`InOutWRte_RvrtTms must be a whole number of seconds >= 0, got ${value}`);
        this.revertS = value;
        break;
      case 'ChaGriSet':
        if (value !== CHA_GRI_SET_PV && value !== CHA_GRI_SET_GRID) throw new RangeError(`ChaGriSet must be 0 (PV) or 1 (GRID), got ${value}`);
        this.chaGriSet = value;
        return;
      case 'WChaMax':
      case 'MinRsvPct': {
        // Fixed by the scenario: a controller may write the same value back, not change it.
        const current = point === 'WChaMax' ? this.battery.maxChargeKw * 1000 : this.battery.minSocPct;
        if (Math.abs(value - current) > 1e-6 * Math.max(1, Math.abs(current))) {
          throw new RangeError(`${point} is fixed at ${current} in this simulator, got ${value}`);
        }
        return;
      }
      default:
        if ((ACCEPTED_ONLY as readonly string[]).includes(point)) {
          this.accepted.set(point, value);
          return;
        }
        throw new RangeError(`${point} is not writable on this battery`);
    }
    this.apply();
  }

  private apply(): void {
    const maxKw = this.battery.maxChargeKw;
    let chargeKw = (this.mod & CHARGE_BIT) !== 0 ? (this.inWRtePct / 100) * maxKw : 0;
    if (this.chaGriSet === CHA_GRI_SET_PV) chargeKw = Math.min(chargeKw, Math.max(0, this.pvSurplusKw()));
    const dischargeKw = (this.mod & DISCHARGE_BIT) !== 0 ? (this.outWRtePct / 100) * maxKw : 0;
    this.battery.command(chargeKw - dischargeKw, this.revertS > 0 ? this.revertS : null);
  }
}

function percent(point: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 100) throw new RangeError(`${point} must be within [0, 100] %, got ${value}`);
  return value;
}
