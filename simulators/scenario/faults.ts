import type { Scenario, ScenarioFault } from './types.js';

/**
 * When which fault acts on which device: built once from a scenario, then only queried. Times
 * are half-open, [atMs, untilMs): a fault is active from its start up to, not including, its end.
 */
export type ActiveFault = ScenarioFault;

export interface FaultTransition {
  readonly phase: 'start' | 'end';
  readonly atMs: number;
  readonly fault: ScenarioFault;
}

/** Instant faults (a reboot without downtime) start and end at one time: keep start first. */
function phaseRank(t: FaultTransition): number {
  const instant = t.fault.untilMs === t.fault.atMs;
  if (instant) return t.phase === 'start' ? 1 : 2;
  // At one instant, what ends goes before what starts: a device is never in two states at once.
  return t.phase === 'end' ? 0 : 3;
}

export class FaultTimeline {
  readonly faults: readonly ScenarioFault[];
  private readonly byDevice = new Map<string, ScenarioFault[]>();
  private readonly ordered: readonly FaultTransition[];

  /**
   * `mqttDevicesBySite` lists, per site, the device ids served over MQTT: a site-level
   * brokerDisconnect acts on each of them (and on nothing served over Modbus or OPC UA).
   */
  constructor(faults: readonly ScenarioFault[], mqttDevicesBySite: ReadonlyMap<string, readonly string[]> = new Map()) {
    this.faults = [...faults].sort((a, b) => a.atMs - b.atMs || a.index - b.index);
    for (const f of this.faults) {
      const targets = f.kind === 'brokerDisconnect' && f.assetId === null ? (mqttDevicesBySite.get(f.siteId) ?? []) : [f.assetId ?? ''];
      for (const id of targets) {
        const list = this.byDevice.get(id) ?? [];
        list.push(f);
        this.byDevice.set(id, list);
      }
    }
    const transitions: FaultTransition[] = [];
    for (const fault of this.faults) {
      transitions.push({ phase: 'start', atMs: fault.atMs, fault }, { phase: 'end', atMs: fault.untilMs, fault });
    }
    this.ordered = transitions.sort((a, b) => a.atMs - b.atMs || phaseRank(a) - phaseRank(b) || a.fault.index - b.fault.index);
  }

  static fromScenario(s: Scenario): FaultTimeline {
    const mqtt = new Map<string, string[]>();
    for (const site of s.sites) {
      const ids = [site.meter, ...site.assets].filter((d) => d.serve === 'mqtt').map((d) => d.id);
      mqtt.set(site.id, ids);
    }
    return new FaultTimeline(s.faults, mqtt);
  }

  /** Faults acting on `deviceId` (asset or meter id) at `atMs`, in start order. */
  active(deviceId: string, atMs: number): ActiveFault[] {
    return (this.byDevice.get(deviceId) ?? []).filter((f) => f.atMs <= atMs && atMs < f.untilMs);
  }

  /** Whether `deviceId` answers at all at `atMs`: not during commLoss or a reboot's downtime. */
  answers(deviceId: string, atMs: number): boolean {
    return !this.active(deviceId, atMs).some((f) => f.kind === 'commLoss' || f.kind === 'deviceReboot');
  }

  /**
   * Starts and ends within [fromMs, toMs), in time order. Stepping a run with consecutive
   * windows [t, t + dt) sees every transition exactly once, so a reboot is applied once.
   */
  transitions(fromMs: number, toMs: number): FaultTransition[] {
    return this.ordered.filter((t) => t.atMs >= fromMs && t.atMs < toMs);
  }
}
