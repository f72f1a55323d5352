import { ENA_DISABLED, ENA_ENABLED, WSET_MOD_WATTS } from '../../../src/domain/sunspec/index.js';
import { BatteryModel, type PvModel } from '../../models/index.js';

/**
 * The active power setpoint of SunSpec model 704 (DERCtlAC: WSetEna, WSetMod, WSet,
 * WSetEnaRvrt, WSetRvrtTms, WSetRvrtRem) in front of a battery or PV model. WSet counts
 * generation positive (W) and applies while WSetEna = ENABLED in WSetMod = WATTS:
 * - a battery follows −WSet kW (load convention) within its charge/discharge ratings;
 * - a PV inverter caps its output at WSet (it cannot make more than the sun gives), 0..WMax.
 * Every accepted write while enabled is a fresh command that restarts WSetRvrtTms (s, 0 = none).
 * When it runs out the function reverts to WSetEnaRvrt, of which this simulator takes only
 * DISABLED (0): the DER's own behaviour (the battery's fallback, idle by default; PV uncapped),
 * and WSetEna reads DISABLED. The physics takes the last command from whichever model wrote it
 * (124, 123 or 704), as one inverter behind several control models does.
 */
export class DerControl {
  private enabled = false;
  private wsetW = 0;
  private revertS = 0;
  private commandAtMs = 0;

  constructor(readonly der: BatteryModel | PvModel) {}

  /** The WSet range the DER can follow, W (generation positive). */
  private rangeW(): readonly [number, number] {
    const d = this.der;
    return d instanceof BatteryModel ? [-d.maxChargeKw * 1000, d.maxDischargeKw * 1000] : [0, d.acKw * 1000];
  }

  private active(): boolean {
    return this.enabled && !this.der.reverted();
  }

  values(): Record<string, number | null> {
    const active = this.active();
    const elapsedS = (this.der.nowMs() - this.commandAtMs) / 1000;
    return {
      WSetEna: active ? ENA_ENABLED : ENA_DISABLED,
      WSetMod: WSET_MOD_WATTS,
      WSet: this.wsetW,
      WSetEnaRvrt: ENA_DISABLED,
      WSetRvrtTms: this.revertS,
      WSetRvrtRem: active && this.revertS > 0 ? Math.max(0, Math.ceil(this.revertS - elapsedS)) : 0,
    };
  }

  /** One point written by a client, engineering units. Throws (→ Modbus exception 03) on a value it cannot take. */
  write(point: string, value: number): void {
    if (this.enabled && this.der.reverted()) this.enabled = false;
    switch (point) {
      case 'WSetMod':
        if (value !== WSET_MOD_WATTS) throw new RangeError(`WSetMod must be 1 (WATTS) on this DER, got ${value}`);
        break;
      case 'WSet': {
        const [min, max] = this.rangeW();
        if (!Number.isFinite(value) || value < min || value > max) throw new RangeError(`WSet must be within [${min}, ${max}] W, got ${value}`);
        this.wsetW = value;
        break;
      }
      case 'WSetEnaRvrt':
        if (value !== ENA_DISABLED) throw new RangeError(`WSetEnaRvrt must be 0 (DISABLED: the DER's own behaviour) on this DER, got ${value}`);
        return;
      case 'WSetRvrtTms':
        if (!Number.isInteger(value) || value < 0) throw new RangeError(`WSetRvrtTms must be a whole number of seconds >= 0, got ${value}`);
        this.revertS = value;
        break;
      case 'WSetEna':
        if (value !== ENA_DISABLED && value !== ENA_ENABLED) throw new RangeError(`WSetEna must be 0 (DISABLED) or 1 (ENABLED), got ${value}`);
        if (value === ENA_DISABLED) {
          if (this.enabled) this.ownBehaviour();
          this.enabled = false;
          return;
        }
        this.enabled = true;
        break;
      default:
        throw new RangeError(`${point} is not writable on this DER`);
    }
    if (this.enabled) this.apply();
  }

  /** A device reboot: function disabled, registers at power-on values. */
  reset(): void {
    if (this.enabled) this.ownBehaviour();
    this.enabled = false;
    this.wsetW = 0;
    this.revertS = 0;
  }

  private apply(): void {
    const revert = this.revertS > 0 ? this.revertS : null;
    const d = this.der;
    if (d instanceof BatteryModel) d.command(-this.wsetW / 1000, revert);
    else d.setLimitPct((this.wsetW / (d.acKw * 1000)) * 100, revert);
    this.commandAtMs = d.nowMs();
  }

  private ownBehaviour(): void {
    const d = this.der;
    if (d instanceof BatteryModel) d.command(0, null);
    else d.setLimitPct(100, null);
  }
}
