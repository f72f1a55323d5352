import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/index.js';

/** The simulators know a device by its id alone: two simulated sites may not share an asset id. */
const config = (secondBess: string, simulated: boolean): string => `
${simulated ? 'simulation: {startAt: "2025-07-15T10:45:00+08:00"}' : ''}
sites:
${['plant-a', 'plant-b']
  .map(
    (site, i) => `  - id: ${site}
    timezone: Asia/Shanghai
    gridImportLimitKw: 450
    assets:
      - {id: ${site}-grid, type: meter, binding: "modbus://127.0.0.1:${15020 + i}/1"}
      - id: ${i === 0 ? 'bess' : secondBess}
        type: battery
        binding: modbus://127.0.0.1:${15020 + i}/2
        capacityKwh: 100
        maxChargeKw: 50
        maxDischargeKw: 50
        minSocPct: 10
        maxSocPct: 95
        simulate: {socPct: 50}`,
  )
  .join('\n')}
`;

describe('simulated configs', () => {
  it('refuse an asset id used by two sites, naming both places', () => {
    let err: unknown;
    try {
      parseConfig(config('bess', true), 'two.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toMatch(/sites\[1\]\.assets\[1\]\.id: must be unique across the sites of a simulated config .*'bess' \(also sites\[0\]\.assets\[1\]\)/);
  });

  it('accept distinct ids, and real devices may repeat ids per site', () => {
    expect(parseConfig(config('bess-b', true), 'two.yaml').sites).toHaveLength(2);
    const real = config('bess', false).replace(/\n\s+simulate: \{socPct: 50\}/g, '');
    expect(parseConfig(real, 'two.yaml').sites).toHaveLength(2);
  });
});
