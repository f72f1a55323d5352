import { Actuator } from './actuator.js';
import { CompensatedSum } from './compensated-sum.js';
import { checkTimeZone, localTimeParts } from './local-time.js';
import { QUARTER_HOUR_MS, nextQuarterHourMs } from './piecewise.js';
import type { PowerModel } from './power-model.js';
import { hoursAbove, hoursBelow, hoursToReach, temperatureAfter, type ThermalPath } from './thermal.js';
import type { Tmy3Weather } from './tmy3.js';
import { finiteNumber, invalidOption, nonEmptyString, nonNegativeNumber, numberInRange, positiveNumber } from './validate.js';

export interface HvacModelOptions {
  readonly id: string;
  readonly timezone: string;
  readonly startMs: number;
  /** Electric power of the unit when it runs, kW. */
  readonly ratedKw: number;
  /** The nominal thermostat setpoint, °C; the comfort band is centred on it. */
  readonly setpointC: number;
  /** Comfort band half-width around the nominal setpoint, °C. Default 2. */
  readonly comfortBandC?: number;
  /** Thermostat hysteresis (full width around the setpoint), °C, > 0. Default 1. */
  readonly hysteresisC?: number;
  /** 'cooling' (a chiller, default) or 'heating' (a heat pump heating). */
  readonly mode?: 'cooling' | 'heating';
  /** Thermal kW delivered per electric kW. Default 3. */
  readonly cop?: number;
  /** Outdoor temperature from TMY3 rows (hour-ending, site local time, as PV) ... */
  readonly weather?: Tmy3Weather;
  /** ... or a constant outdoor temperature, °C. Exactly one of the two. */
  readonly outdoorC?: number;
  /** R, °C/kW. Default: designDeltaC / (0.8 × cop × ratedKw), see below. */
  readonly thermalResistanceCPerKw?: number;
  /** C, kWh/°C. Default: timeConstantH / R. */
  readonly thermalCapacityKwhPerC?: number;
  /** τ = R·C used for the default C, hours. Default 4. */
  readonly timeConstantH?: number;
  /** Outdoor design temperature for the default R, °C. Default 35 (cool) or −5 (heat). */
  readonly designOutdoorC?: number;
  /** Heat from people, lights and equipment, thermal kW. Default 0. */
  readonly internalGainsKw?: number;
  /** Indoor temperature at the start, °C. Default setpointC. */
  readonly initialTempC?: number;
  /** Seconds from a setpoint command until the thermostat uses it. Default 0. */
  readonly responseDelayS?: number;
  readonly field?: string;
}

/**
 * An HVAC unit on a 1R1C room (thermal.ts), integrated in closed form: the thermostat switches
 * at the exact instant the temperature crosses setpoint ± hysteresis/2, wherever it falls in a
 * step. Cooling: on at sp + h/2, off at sp − h/2; heating the mirror image.
 * Default sizing: R makes the unit run at 80 % of its thermal capacity to hold the setpoint at
 * the design outdoor temperature (designDeltaC = max(5, |design − setpoint|)), so it has
 * headroom, and C gives a 4 h time constant (a light commercial building).
 */
export class HvacModel implements PowerModel {
  readonly id: string;
  readonly kind = 'hvac' as const;
  readonly timezone: string;
  readonly ratedKw: number;
  readonly nominalSetpointC: number;
  readonly comfortBandC: number;
  readonly hysteresisC: number;
  readonly mode: 'cooling' | 'heating';
  readonly cop: number;
  readonly thermalResistanceCPerKw: number;
  readonly thermalCapacityKwhPerC: number;
  readonly internalGainsKw: number;
  private readonly weather: Tmy3Weather | null;
  private readonly constantOutdoorC: number;
  private readonly setpoint: Actuator;
  private atMs: number;
  private tempC: number;
  private on: boolean;
  private cachedQuarter = NaN;
  private cachedOutdoorC = NaN;
  private readonly imported = new CompensatedSum();
  private readonly violationH = new CompensatedSum();

  constructor(opts: HvacModelOptions) {
    const f = opts.field ?? 'hvac';
    this.id = nonEmptyString(`${f}.id`, opts.id);
    this.timezone = checkTimeZone(`${f}.timezone`, opts.timezone);
    this.atMs = finiteNumber(`${f}.startMs`, opts.startMs);
    this.ratedKw = positiveNumber(`${f}.ratedKw`, opts.ratedKw);
    this.nominalSetpointC = numberInRange(`${f}.setpointC`, opts.setpointC, -20, 60);
    this.comfortBandC = nonNegativeNumber(`${f}.comfortBandC`, opts.comfortBandC ?? 2);
    this.hysteresisC = positiveNumber(`${f}.hysteresisC`, opts.hysteresisC ?? 1);
    this.mode = opts.mode ?? 'cooling';
    if (this.mode !== 'cooling' && this.mode !== 'heating') throw invalidOption(`${f}.mode`, 'must be cooling or heating', opts.mode);
    this.cop = positiveNumber(`${f}.cop`, opts.cop ?? 3);
    if ((opts.weather === undefined) === (opts.outdoorC === undefined)) {
      throw invalidOption(`${f}.weather`, 'or outdoorC must be given, exactly one of them', opts.outdoorC);
    }
    this.weather = opts.weather ?? null;
    this.constantOutdoorC = opts.outdoorC === undefined ? NaN : finiteNumber(`${f}.outdoorC`, opts.outdoorC);
    const designC = finiteNumber(`${f}.designOutdoorC`, opts.designOutdoorC ?? (this.mode === 'cooling' ? 35 : -5));
    const designDeltaC = Math.max(5, Math.abs(designC - this.nominalSetpointC));
    this.thermalResistanceCPerKw = positiveNumber(`${f}.thermalResistanceCPerKw`, opts.thermalResistanceCPerKw ?? designDeltaC / (0.8 * this.cop * this.ratedKw));
    const tauH = positiveNumber(`${f}.timeConstantH`, opts.timeConstantH ?? 4);
    this.thermalCapacityKwhPerC = positiveNumber(`${f}.thermalCapacityKwhPerC`, opts.thermalCapacityKwhPerC ?? tauH / this.thermalResistanceCPerKw);
    this.internalGainsKw = finiteNumber(`${f}.internalGainsKw`, opts.internalGainsKw ?? 0);
    this.tempC = numberInRange(`${f}.initialTempC`, opts.initialTempC ?? this.nominalSetpointC, -50, 80);
    this.setpoint = new Actuator(this.atMs, this.nominalSetpointC, { responseDelayS: opts.responseDelayS ?? 0 }, f);
    this.on = this.mode === 'cooling' ? this.tempC >= this.onThresholdC() : this.tempC <= this.onThresholdC();
  }

  nowMs(): number {
    return this.atMs;
  }

  /** Electric power now, kW: ratedKw while the unit runs, else 0. */
  powerKw(): number {
    return this.on ? this.ratedKw : 0;
  }

  running(): boolean {
    return this.on;
  }

  /** A new thermostat setpoint (after the response delay); an offset from the nominal is the flexibility. */
  setSetpoint(c: number): void {
    numberInRange(`${this.id}: setpointC`, c, -20, 60);
    this.setpoint.command(c);
  }

  /** The setpoint the thermostat uses now, °C. */
  setpointC(): number {
    return this.setpoint.output();
  }

  temperatureC(): number {
    return this.tempC;
  }

  outdoorTemperatureC(): number {
    return this.outdoorAt(this.atMs);
  }

  /** Electric energy used, kWh. */
  energyImportKwh(): number {
    return this.imported.value();
  }

  /** Minutes (fractional, exact) the room spent outside nominal setpoint ± comfortBandC. */
  comfortViolationMinutes(): number {
    return this.violationH.value() * 60;
  }

  step(dtS: number): number {
    if (!Number.isFinite(dtS) || dtS < 0) throw invalidOption(`${this.id}: step dtS`, 'must be a finite number >= 0', dtS);
    if (dtS === 0) return this.powerKw();
    let kwh = 0;
    for (const seg of this.setpoint.advance(dtS)) {
      const endMs = seg.startMs + seg.durationS * 1000;
      for (let t = seg.startMs; t < endMs; ) {
        const next = Math.min(endMs, nextQuarterHourMs(t));
        kwh += this.run(seg.toValue, this.outdoorAt(t), (next - t) / 3_600_000);
        t = next;
      }
    }
    this.imported.add(kwh);
    this.atMs += dtS * 1000;
    return (kwh * 3600) / dtS;
  }

  /** Runs the room for `hours` at a fixed setpoint and outdoor temperature; returns electric kWh. */
  private run(setpointC: number, outdoorC: number, hours: number): number {
    const half = this.hysteresisC / 2;
    const sign = this.mode === 'cooling' ? 1 : -1;
    let kwh = 0;
    let rest = hours;
    // Each pass either ends the interval or switches the unit once; the hysteresis bounds the passes.
    for (let guard = 0; rest > 0; guard++) {
      if (guard > 1_000_000) throw invalidOption(`${this.id}: thermostat`, 'switches too often (hysteresisC too small?)', this.hysteresisC);
      const heatKw = this.internalGainsKw - (this.on ? sign * this.cop * this.ratedKw : 0);
      const path: ThermalPath = { startC: this.tempC, steadyC: outdoorC + this.thermalResistanceCPerKw * heatKw, tauH: this.thermalResistanceCPerKw * this.thermalCapacityKwhPerC };
      // Cooling switches off at sp − h/2 and on at sp + h/2; heating the other way round.
      const switchC = setpointC + (this.on ? -sign * half : sign * half);
      const passed = this.on ? sign * (this.tempC - switchC) <= 0 : sign * (this.tempC - switchC) >= 0;
      const toSwitch = passed ? 0 : hoursToReach(path, switchC);
      const d = Math.min(rest, toSwitch);
      this.violationH.add(hoursAbove(path, d, this.nominalSetpointC + this.comfortBandC) + hoursBelow(path, d, this.nominalSetpointC - this.comfortBandC));
      if (this.on) kwh += this.ratedKw * d;
      if (d === toSwitch) {
        if (!passed) this.tempC = switchC;
        this.on = !this.on;
      } else this.tempC = temperatureAfter(path, d);
      rest -= d;
    }
    return kwh;
  }

  private onThresholdC(): number {
    return this.nominalSetpointC + (this.mode === 'cooling' ? 1 : -1) * (this.hysteresisC / 2);
  }

  /** Outdoor °C at atMs: the TMY3 row of the local hour (hour_ending = hour + 1), as PvModel reads it. */
  private outdoorAt(atMs: number): number {
    if (this.weather === null) return this.constantOutdoorC;
    const q = Math.floor(atMs / QUARTER_HOUR_MS);
    if (q !== this.cachedQuarter) {
      const t = localTimeParts(atMs, this.timezone);
      this.cachedOutdoorC = this.weather.at(t.month, t.day, t.hour + 1).tempC;
      this.cachedQuarter = q;
    }
    return this.cachedOutdoorC;
  }
}
