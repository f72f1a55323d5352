import { describe, expect, it } from 'vitest';
import { parseModeArgs } from '../../src/cli/mode.js';

describe('vpp mode arguments', () => {
  it('reads SITE/ASSET, mode, a negative --kw, and the URL and token from the environment', () => {
    expect(parseModeArgs(['plant-1/bess', 'manual', '--kw', '-40', '--reason', 'test'], { VPP_HTTP_PORT: '9090', VPP_TOKEN: 'tok' })).toEqual({
      siteId: 'plant-1', assetId: 'bess', mode: 'manual', reason: 'test', kw: -40, url: 'http://127.0.0.1:9090', token: 'tok', json: false,
    });
    expect(parseModeArgs(['plant-1', '--json', '--url', 'http://10.0.0.5:8080/', '--token', 'x'], {})).toMatchObject({
      siteId: 'plant-1', assetId: null, mode: null, url: 'http://10.0.0.5:8080', token: 'x', json: true,
    });
    expect(parseModeArgs(['plant-1'], {})).toMatchObject({ url: 'http://127.0.0.1:8080', token: null });
  });

  it.each([
    [[], /expected: vpp mode SITE/],
    [['a', 'b', 'c'], /expected: vpp mode SITE/],
    [['plant 1'], /SITE\[\/ASSET\]: expected ids like/],
    [['plant-1', 'turbo', '--reason', 'x'], /mode must be one of auto, shadow, manual, off, got "turbo"/],
    [['plant-1', 'off'], /--reason is required/],
    [['plant-1', 'off', '--reason', '  '], /--reason is required/],
    [['plant-1/bess', 'manual', '--reason', 'x'], /--kw is required with manual/],
    [['plant-1/bess', 'manual', '--reason', 'x', '--kw', 'lots'], /--kw must be a number of kW, got "lots"/],
    [['plant-1/bess', 'manual', '--reason', 'x', '--kw', ''], /--kw must be a number of kW/],
    [['plant-1', 'auto', '--reason', 'x', '--kw', '5'], /--kw is only for manual/],
    [['plant-1', '--reason', 'x'], /--reason is only for setting a mode/],
    [['plant-1', '--url', 'ftp://x'], /--url must be http/],
    [['plant-1', '--bogus'], /Unknown option '--bogus'/],
  ])('%o is refused', (args, message) => {
    const r = parseModeArgs(args, {});
    expect(typeof r).toBe('string');
    expect(r).toMatch(message);
  });
});
