import { describe, expect, it } from 'vitest';
import { checkMqttProfile, telemetryDecoder } from '../../adapters/mqtt/index.js';

/**
 * A device's own time stamps its readings only while its clock agrees with ours: a clock that
 * was never set (or a simulator on its own calendar) would file the readings years away.
 */
const profile = (time: Record<string, unknown>) =>
  checkMqttProfile('test.yaml', {
    telemetry: { topic: '{prefix}/{site}/{asset}/telemetry', time, fields: { powerKw: { path: 'p' } } },
  });
const ARRIVAL = Date.parse('2026-11-26T12:00:00Z');
const payload = (time: string) => Buffer.from(JSON.stringify({ time, p: 4.5 }));

describe('MQTT telemetry time', () => {
  it.each([
    ['device time 10 s before arrival: kept', '2026-11-26T11:59:50Z', { path: 'time' }, Date.parse('2026-11-26T11:59:50Z'), undefined],
    ['a clock a year behind: stamped on arrival, the skew reported', '2025-11-26T12:00:00Z', { path: 'time' }, ARRIVAL, -365 * 86_400_000],
    ['6 min ahead with the default 300 s allowance: arrival', '2026-11-26T12:06:00Z', { path: 'time' }, ARRIVAL, 360_000],
    ['6 min ahead with maxSkewS 600: kept', '2026-11-26T12:06:00Z', { path: 'time', maxSkewS: 600 }, Date.parse('2026-11-26T12:06:00Z'), undefined],
  ])('%s', (_name, time, spec, atMs, skewMs) => {
    const d = telemetryDecoder(profile(spec), ['powerKw'])(payload(time), ARRIVAL);
    expect(d.atMs).toBe(atMs);
    expect(d.clockSkewMs).toBe(skewMs);
    expect(d.values.powerKw).toBe(4.5);
  });

  it('refuses a maxSkewS that is not a positive number, naming the field', () => {
    expect(() => profile({ path: 'time', maxSkewS: 0 })).toThrow(/time\.maxSkewS|maxSkewS/);
  });
});
