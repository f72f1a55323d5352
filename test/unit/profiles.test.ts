import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bindingProblem, loadProfile } from '../../adapters/index.js';

/** STYLE.md: one test walks every profile in config/devices and validates it. */
const NAMES = readdirSync('config/devices').filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, ''));

const BINDING: Readonly<Record<string, (name: string) => string>> = {
  modbus: (name) => `modbus://127.0.0.1:502/1?profile=${name}`,
  mqtt: (name) => `mqtt://127.0.0.1:1883/vpp-sim/site-1?profile=${name}`,
  opcua: (name) => `opc.tcp://127.0.0.1:4840?profile=${name}`,
};

describe('device profiles in config/devices', () => {
  it('has profiles to check', () => {
    expect(NAMES.length).toBeGreaterThanOrEqual(3);
  });

  it.each(NAMES)('%s loads, names its source, and its protocol section is valid', (name) => {
    const profile = loadProfile(name);
    expect(profile.name).toBe(name);
    expect(profile.source.length).toBeGreaterThan(0);
    const binding = BINDING[profile.protocol];
    expect(binding, `no binding template for protocol ${profile.protocol}`).toBeDefined();
    expect(bindingProblem(binding?.(name) ?? '')).toBeNull();
  });

  it('rejects an unknown profile naming the file', () => {
    expect(bindingProblem('mqtt://127.0.0.1:1883/x?profile=no-such-device')).toMatch(/config\/devices\/no-such-device\.yaml/);
  });
});
