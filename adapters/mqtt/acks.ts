import type { MqttClient } from 'mqtt';
import type { WriteResult } from '../../src/domain/device-adapter.js';
import { getPath, setPath, toCanonical, toDevice } from './payload.js';
import { fillTopic, type MqttProfile } from './profile.js';

type Command = NonNullable<MqttProfile['command']>;

/** Commands in flight, matched to their acknowledgements by id. */
export interface Acks {
  readonly topic: string;
  /** Feeds an ack message; returns what was wrong with it, or null. Unknown ids are not ours: ignored. */
  accept(payload: Buffer): string | null;
  /** Publishes one power command at QoS 1; resolves on its ack or after the ack timeout. */
  send(client: MqttClient, id: string, powerKw: number, revertS: number): Promise<WriteResult>;
  cancelAll(reason: string): void;
}

interface Pending {
  readonly readBackKw: number;
  readonly resolve: (r: WriteResult) => void;
  readonly timer: NodeJS.Timeout;
}

export function createAcks(cmd: Command, vars: Readonly<Record<string, string>>, binding: string): Acks {
  const commandTopic = fillTopic(cmd.topic, vars);
  const topic = fillTopic(cmd.ack.topic, vars);
  const pending = new Map<string, Pending>();

  function finish(id: string, result: WriteResult): void {
    const p = pending.get(id);
    if (p === undefined) return;
    pending.delete(id);
    clearTimeout(p.timer);
    p.resolve(result);
  }

  return {
    topic,
    accept(payload) {
      let doc: unknown;
      try {
        doc = JSON.parse(payload.toString('utf8'));
      } catch {
        return `ack is not valid JSON: ${JSON.stringify(payload.toString('utf8').slice(0, 80))}`;
      }
      const id = getPath(doc, cmd.ack.id);
      if (typeof id !== 'string') return null; // an ack to a command without an id (not ours) or someone else's garbage
      const p = pending.get(id);
      if (p === undefined) return null;
      const ok = getPath(doc, cmd.ack.ok);
      if (ok === true) {
        finish(id, { ok: true, readBackKw: p.readBackKw, detail: null });
        return null;
      }
      const error = cmd.ack.error === undefined ? undefined : getPath(doc, cmd.ack.error);
      const why = ok === false ? (typeof error === 'string' ? error : 'refused without an error text') : `${cmd.ack.ok} must be true or false, got ${JSON.stringify(ok)}`;
      finish(id, { ok: false, readBackKw: null, detail: `${binding}: command ${id}: ${why}` });
      return ok === false ? null : why;
    },
    send(client, id, powerKw, revertS) {
      if (!Number.isFinite(powerKw)) return Promise.resolve({ ok: false, readBackKw: null, detail: `${binding}: powerKw must be a finite number, got ${powerKw}` });
      const body: Record<string, unknown> = {};
      setPath(body, cmd.id, id);
      const raw = toDevice(cmd.power, powerKw);
      setPath(body, cmd.power.path, raw);
      if (cmd.revert !== undefined) setPath(body, cmd.revert.path, revertS);
      return new Promise<WriteResult>((resolve) => {
        const timer = setTimeout(() => finish(id, { ok: false, readBackKw: null, detail: `${binding}: command ${id}: no ack on ${topic} within ${cmd.ack.timeoutS} s` }), cmd.ack.timeoutS * 1000);
        // The ack confirms the command as sent, so what the device was told is the value sent,
        // after the scale round trip (a device that rounds says so in a profile with a read-back field).
        pending.set(id, { readBackKw: toCanonical(cmd.power, raw), resolve, timer });
        client.publish(commandTopic, JSON.stringify(body), { qos: 1 }, (err) => {
          if (err) finish(id, { ok: false, readBackKw: null, detail: `${binding}: command ${id}: publish to ${commandTopic} failed: ${err.message}` });
        });
      });
    },
    cancelAll(reason) {
      for (const id of [...pending.keys()]) finish(id, { ok: false, readBackKw: null, detail: reason });
    },
  };
}
