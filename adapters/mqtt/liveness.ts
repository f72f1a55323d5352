import type { MqttProfile } from './profile.js';
import { fillTopic } from './profile.js';

/**
 * Whether the device is reachable, from retained status messages: its own status topic and,
 * when the profile has `gateways`, the status of every gateway connection that lists it (the
 * gateway's last will says `offline` for all its devices at once when its connection drops).
 * Unknown counts as online; silence is watched separately by the adapter.
 */
export interface Liveness {
  /** Topics to subscribe to (with `+` for the gateway level). */
  readonly topics: readonly string[];
  /** Feeds a message; returns true when it was a liveness topic. */
  accept(topic: string, payload: Buffer): boolean;
  /** Null when online, else why not. */
  offlineReason(): string | null;
}

function matcher(template: string): { subscribe: string; gatewayOf: (topic: string) => string | null } {
  const [before, after] = template.split('{gateway}') as [string, string];
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`^${escape(before)}([^/]+)${escape(after)}$`);
  return { subscribe: `${before}+${after}`, gatewayOf: (topic) => re.exec(topic)?.[1] ?? null };
}

export function createLiveness(p: MqttProfile, vars: Readonly<Record<string, string>>): Liveness {
  const statusTopic = p.status === undefined ? null : fillTopic(p.status.topic, vars);
  let deviceStatus: string | null = null;
  const g = p.gateways;
  const gwStatus = g === undefined ? null : matcher(fillTopic(g.status, vars));
  const gwDevices = g === undefined ? null : matcher(fillTopic(g.devices, vars));
  const member = g === undefined ? '' : fillTopic(g.member, vars);
  const carrying = new Set<string>();
  const gatewayStatus = new Map<string, string>();

  return {
    topics: [statusTopic, gwStatus?.subscribe, gwDevices?.subscribe].filter((t): t is string => typeof t === 'string'),
    accept(topic, payload) {
      if (topic === statusTopic) {
        deviceStatus = payload.toString('utf8').trim();
        return true;
      }
      const statusOf = gwStatus?.gatewayOf(topic) ?? null;
      if (statusOf !== null) {
        gatewayStatus.set(statusOf, payload.toString('utf8').trim());
        return true;
      }
      const listOf = gwDevices?.gatewayOf(topic) ?? null;
      if (listOf !== null) {
        let list: unknown;
        try {
          list = JSON.parse(payload.toString('utf8'));
        } catch {
          list = null;
        }
        // A list we cannot read says nothing about this device: forget the gateway, do not guess.
        if (Array.isArray(list) && list.includes(member)) carrying.add(listOf);
        else carrying.delete(listOf);
        return true;
      }
      return false;
    },
    offlineReason() {
      if (p.status !== undefined && deviceStatus !== null && deviceStatus !== p.status.online) {
        return `status ${statusTopic ?? ''}: ${JSON.stringify(deviceStatus)}`;
      }
      if (g !== undefined) {
        for (const gw of carrying) {
          const s = gatewayStatus.get(gw);
          if (s !== undefined && s !== g.online) return `gateway ${gw} status: ${JSON.stringify(s)}`;
        }
      }
      return null;
    },
  };
}
