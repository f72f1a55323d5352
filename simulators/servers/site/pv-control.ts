import { ENA_DISABLED, ENA_ENABLED } from '../../../src/domain/sunspec/index.js';
import type { PvModel } from '../../models/index.js';

/**
 * The active power limit of SunSpec model 123 in front of a PV model: WMaxLimPct applies
 * while WMaxLim_Ena is ENABLED, and a write of either while enabled is a fresh command that
 * restarts the revert timer WMaxLimPct_RvrtTms (0 = none). When the timer runs out the
 * inverter releases the limit and WMaxLim_Ena reads DISABLED.
 */
export class PvLimitControl {
  private pct = 100;
  private enabled = false;
  private revertS = 0;

  constructor(readonly pv: PvModel) {}

  values(): Record<string, number | null> {
    return {
      Conn: 1,
      WMaxLimPct: this.pct,
      WMaxLimPct_RvrtTms: this.revertS,
      WMaxLim_Ena: this.enabled && !this.pv.reverted() ? ENA_ENABLED : ENA_DISABLED,
    };
  }

  write(point: string, value: number): void {
    switch (point) {
      case 'WMaxLimPct':
        if (!Number.isFinite(value) || value < 0 || value > 100) throw new RangeError(`WMaxLimPct must be within [0, 100] %, got ${value}`);
        this.pct = value;
        break;
      case 'WMaxLimPct_RvrtTms':
        if (!Number.isInteger(value) || value < 0) throw new RangeError(`WMaxLimPct_RvrtTms must be a whole number of seconds >= 0, got ${value}`);
        this.revertS = value;
        return;
      case 'WMaxLim_Ena':
        if (value !== ENA_DISABLED && value !== ENA_ENABLED) throw new RangeError(`WMaxLim_Ena must be 0 (DISABLED) or 1 (ENABLED), got ${value}`);
        this.enabled = value === ENA_ENABLED;
        break;
      default:
        throw new RangeError(`${point} is not writable on this inverter`);
    }
    if (this.enabled) this.pv.setLimitPct(this.pct, this.revertS > 0 ? this.revertS : null);
    else this.pv.setLimitPct(100, null);
  }

  /** A device reboot: limit released, registers at power-on values. */
  reset(): void {
    this.pct = 100;
    this.enabled = false;
    this.revertS = 0;
    this.pv.setLimitPct(100, null);
  }
}
