import type { Observable } from 'rxjs';
import type { AssetKind } from './asset.js';
import type { Setpoint } from './setpoint.js';
import type { Telemetry } from './telemetry.js';

/** What an adapter needs to know of the asset behind a binding. */
export interface AdapterTarget {
  readonly siteId: string;
  readonly assetId: string;
  readonly kind: AssetKind;
  /** Device binding URL, e.g. `modbus://127.0.0.1:15020/3`. */
  readonly binding: string;
  readonly pollIntervalS: number;
  /**
   * Device-side revert timer for setpoints, seconds: if the controller stops refreshing, the
   * device falls back to its safe state after this long. Refreshed on every write.
   */
  readonly revertS: number;
  /**
   * The meter is mounted the other way round (CT reversed): its power sign flips and its
   * import and export energies swap, at the edge. Meters and loads only; default false.
   */
  readonly invert?: boolean;
  /**
   * Batteries: may charge from the grid (SunSpec 124 ChaGriSet = GRID); false = from on-site
   * PV only (ChaGriSet = PV). Default true: valley filling needs grid charging.
   */
  readonly gridChargingAllowed?: boolean;
}

export interface AdapterHealth {
  readonly connected: boolean;
  readonly lastOkAtMs: number | null;
  readonly consecutiveErrors: number;
  readonly lastError: string | null;
  /**
   * Failed attempts (read, write, decode, connect) since the adapter was made: one for every
   * increment of consecutiveErrors, never reset. Monotonic, so /metrics can export it exactly
   * rather than infer it from samples of consecutiveErrors.
   */
  readonly errorsTotal: number;
  /**
   * Times the device link came back after having been up and then lost (Modbus: the device
   * answers again; OPC UA: the session is re-established or values flow again; MQTT: the broker
   * connection is back and this device's topics are subscribed again). The first connect is not
   * one. Monotonic, never reset.
   */
  readonly reconnectsTotal: number;
}

/** Outcome of a write, verified by reading the device back. */
export interface WriteResult {
  readonly ok: boolean;
  /** The power the device reports it was told, load convention, when read back. */
  readonly readBackKw: number | null;
  readonly detail: string | null;
}

/**
 * One field device, whatever the protocol. Readings come out in canonical metrics and the
 * load sign convention; vendor signs and scale factors are converted inside, once. A failed
 * read emits `bad` readings at once: never the last value forever, never 0.
 */
export interface DeviceAdapter {
  readonly target: AdapterTarget;
  /** Hot stream of readings; completes after close(). */
  readonly telemetry$: Observable<Telemetry>;
  /** Connects and starts polling/subscribing. Rejects with a VppError when the device is unreachable. */
  connect(): Promise<void>;
  write(setpoint: Setpoint): Promise<WriteResult>;
  /**
   * Hands the device back to its own control (SunSpec: StorCtl_Mod 0, WMaxLim_Ena 0, WSetEna 0).
   * Adapters without it are released by no longer writing: their revert timers expire.
   */
  release?(): Promise<WriteResult>;
  health(): AdapterHealth;
  close(): Promise<void>;
}
