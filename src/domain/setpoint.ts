/**
 * A power setpoint for one asset, load convention: a battery told +50 charges at 50 kW,
 * told -50 discharges at 50 kW. Every setpoint says why it was given.
 */
export interface Setpoint {
  readonly siteId: string;
  readonly assetId: string;
  readonly powerKw: number;
  /**
   * For an HVAC unit: the thermostat setpoint to write, °C (what the unit takes); powerKw is
   * then the power the controller expects from it (0 held off, ratedKw running). Absent for
   * every other asset.
   */
  readonly setpointC?: number;
  readonly reason: string;
  readonly atMs: number;
}
