import { describe, expect, it } from 'vitest';
import { VppError, inputChecks } from '../../src/domain/index.js';

const c = inputChecks('TEST_INVALID', 'test');

function thrown(run: () => unknown): VppError {
  try {
    run();
  } catch (e) {
    if (e instanceof VppError) return e;
  }
  throw new Error('expected a VppError');
}

describe('domain inputChecks', () => {
  it('words every refusal with the layer code and prefix, naming field and value', () => {
    const e = thrown(() => c.finite('a.b', NaN));
    expect(e.code).toBe('TEST_INVALID');
    expect(e.message).toBe('test: a.b must be a finite number, got NaN');
    expect(thrown(() => c.finite('x', '3')).message).toBe('test: x must be a finite number, got "3"');
    expect(thrown(() => c.finite('x', undefined)).message).toBe('test: x must be a finite number, got undefined');
    expect(thrown(() => c.atLeast('x', -1, 0)).message).toBe('test: x must be >= 0, got -1');
    expect(thrown(() => c.positive('x', 0)).message).toBe('test: x must be > 0, got 0');
    expect(c.invalid('x', 'must be red', { a: 1 }).message).toBe('test: x must be red, got {"a":1}');
  });

  it('returns accepted values unchanged', () => {
    expect(c.finite('x', -2.5)).toBe(-2.5);
    expect(c.atLeast('x', 0, 0)).toBe(0);
    expect(c.positive('x', 1e-9)).toBe(1e-9);
    expect(() => c.finite('x', Infinity)).toThrow(VppError);
  });
});
