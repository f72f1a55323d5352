import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runVpp } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'vpp-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vpp config check', () => {
  it('accepts the shipped configs', async () => {
    for (const file of ['config/default.yaml', 'config/compose.yaml']) {
      const r = await runVpp(['config', 'check', file]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^${file.replace('.', '\\.')}: ok \\(1 site, 6 assets, store (sqlite|influx)\\)\\n$`));
    }
  });

  it('prints one line per problem on stderr and exits 2', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'sites:',
        '  - id: s1',
        '    timezone: Asia/Shanghai',
        '    gridImportLimitKw: 100',
        '    assets:',
        '      - {id: grid, type: meter, binding: "modbus://127.0.0.1:1502/1"}',
        '      - {id: pv, type: pv, kwp: 10, binding: "modbus://127.0.0.1:1502/2"}',
        '      - {id: bess, type: battery, capacityKwh: 0, maxChargeKw: 5, maxDischargeKw: 5, binding: "modbus://127.0.0.1:1502/3"}',
        '',
      ].join('\n'),
    );
    const r = await runVpp(['config', 'check', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${file}: sites[0].assets[2].capacityKwh: must be > 0, got 0\n`);
  });

  it('refuses to start on an invalid config with exit 2 and touches nothing', async () => {
    const file = join(dir, 'bad-start.yaml');
    writeFileSync(file, 'sites: []\n');
    const r = await runVpp(['start', '--config', file], { VPP_DATA_DIR: join(dir, 'never') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad-start\.yaml: sites: must not have fewer than 1 items/);
  });

  it('answers unknown commands and bad options with usage and exit 2', async () => {
    const unknown = await runVpp(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    const badOption = await runVpp(['start', '--nope']);
    expect(badOption.code).toBe(2);
    const help = await runVpp(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/config check FILE/);
  });
});
