import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/layering', import.meta.url));
const DEPCRUISE = `${ROOT}node_modules/.bin/depcruise`;

function depcruise(cwd: string, ...targets: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(DEPCRUISE, ['--config', `${ROOT}.dependency-cruiser.cjs`, ...targets], { cwd }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : Number((err as { code?: number }).code ?? 1), output: stdout + stderr });
    });
  });
}

describe('dependency direction (npm run lint)', () => {
  it('fails on every import that points outward', async () => {
    const { code, output } = await depcruise(FIXTURE, 'src', 'adapters', 'simulators');
    expect(code).not.toBe(0);
    for (const line of [
      'domain-is-pure: src/domain/index.ts → src/core/index.ts',
      'inner-layers-stay-inside: src/control/index.ts → src/store/sqlite/db.ts',
      'store-internals-private: src/control/index.ts → src/store/sqlite/db.ts',
      'inner-layers-use-public-index: src/control/index.ts → src/core/internal.ts',
      'adapters-see-domain-only: adapters/modbus.ts → src/control/index.ts',
      'simulators-see-domain-only: simulators/site.ts → adapters/modbus.ts',
    ]) {
      expect(output).toContain(line);
    }
  }, 60_000);

  it('passes on the repository itself', async () => {
    const { code, output } = await depcruise(ROOT, 'src', 'adapters', 'simulators');
    expect(output).toContain('no dependency violations found');
    expect(code).toBe(0);
  }, 60_000);
});
