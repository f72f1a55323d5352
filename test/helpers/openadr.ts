/**
 * OpenADR 3.0.1 conformance checks for tests: call `expectOpenAdr` on every program, event,
 * report, subscription, ven, resource and notification the API returns.
 */
import { expect } from 'vitest';
import { openAdrJsonSchemas, openAdrSchemaIds, validateOpenAdr, type OpenAdrKind } from '../../src/api/openadr/index.js';
import type { OpenAdrObjects, OpenAdrReturned } from '../../src/domain/index.js';

export interface ExpectOpenAdrOptions {
  /**
   * `returned` (default): the spec schema plus the fields CONTRACTS.md says the server fills in
   * (`id`, `createdDateTime`, `objectType`). `spec`: the 3.0.1 schema alone, e.g. for a body
   * a test is about to send.
   */
  readonly variant?: 'returned' | 'spec';
}

/** Fails the test, listing every problem with its path, unless `value` is a valid `kind`. */
export function expectOpenAdr<K extends OpenAdrKind>(kind: K, value: unknown, options: ExpectOpenAdrOptions = {}): asserts value is OpenAdrObjects[K] {
  const variant = options.variant ?? 'returned';
  const problems = validateOpenAdr(kind, value, variant);
  if (problems.length > 0) {
    const shown = JSON.stringify(value);
    expect.fail(
      `not a valid OpenADR 3.0.1 ${kind} (${variant}): ${problems.length} problem(s)\n  ${problems.join('\n  ')}\n` +
        `value: ${shown === undefined ? String(value) : shown.length > 2000 ? `${shown.slice(0, 2000)}...` : shown}`,
    );
  }
}

/** For list endpoints: a JSON array whose every element is a valid `kind`. */
export function expectOpenAdrList<K extends OpenAdrKind>(kind: K, value: unknown, options: ExpectOpenAdrOptions = {}): asserts value is OpenAdrObjects[K][] {
  if (!Array.isArray(value)) expect.fail(`expected a JSON array of OpenADR ${kind}s, got ${JSON.stringify(value)?.slice(0, 200) ?? String(value)}`);
  const problems = value.flatMap((v: unknown, i) => validateOpenAdr(kind, v, options.variant ?? 'returned').map((p) => `[${i}].${p}`));
  if (problems.length > 0) expect.fail(`list of OpenADR 3.0.1 ${kind}s: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
}

const CREATED = '2025-07-01T08:00:00+08:00';
const target = { type: 'VEN_NAME', values: ['plant-1'] };
const resource = { id: 'bess', createdDateTime: CREATED, objectType: 'RESOURCE', resourceName: 'bess', venID: 'plant-1' } as const;

/** One object of each kind as our API returns it, typed with the domain's OpenADR types. */
export const RETURNED_EXAMPLES: {
  readonly [K in Exclude<OpenAdrKind, 'notification'>]: OpenAdrReturned<OpenAdrObjects[K]>;
} & { readonly notification: OpenAdrObjects['notification'] } = {
  program: {
    id: 'peak-2025', createdDateTime: CREATED, objectType: 'PROGRAM', programName: 'peak-2025', programLongName: null,
    timeZoneOffset: 'PT8H', intervalPeriod: { start: '2025-06-01T00:00:00+08:00', duration: 'P92D' },
    programDescriptions: [{ URL: 'https://vpp.example/programs/peak-2025' }], bindingEvents: true,
    payloadDescriptors: [{ objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: 'IMPORT_CAPACITY_LIMIT', units: 'KW' }, { objectType: 'REPORT_PAYLOAD_DESCRIPTOR', payloadType: 'USAGE', units: 'KWH', confidence: 100 }],
    targets: [{ type: 'GROUP', values: ['east'] }],
  },
  event: {
    id: 'ev-0715', createdDateTime: CREATED, modificationDateTime: CREATED, objectType: 'EVENT', programID: 'peak-2025', eventName: null, priority: 0,
    targets: [target], payloadDescriptors: [{ payloadType: 'IMPORT_CAPACITY_LIMIT', units: 'KW' }],
    reportDescriptors: [{ payloadType: 'USAGE', units: 'KWH', aggregate: false, startInterval: -1, numIntervals: -1, historical: true, frequency: -1, repeat: 1 }],
    intervalPeriod: { start: '2025-07-15T14:00:00+08:00', duration: 'PT2H', randomizeStart: 'PT0S' },
    intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [450] }, { type: 'CURVE', values: [{ x: 0, y: 1.5 }, true, 'x'] }] }],
  },
  report: {
    id: 'rep-1', createdDateTime: CREATED, objectType: 'REPORT', programID: 'peak-2025', eventID: 'ev-0715', clientName: 'plant-1', reportName: null,
    payloadDescriptors: [{ payloadType: 'USAGE', readingType: 'DIRECT_READ', units: 'KWH', accuracy: 0.5, confidence: 90 }],
    resources: [{ resourceName: 'AGGREGATED_REPORT', intervalPeriod: { start: '2025-07-15T14:00:00+08:00', duration: 'PT15M' }, intervals: [{ id: 0, payloads: [{ type: 'USAGE', values: [112.4] }] }] }],
  },
  subscription: {
    id: 'sub-1', createdDateTime: CREATED, objectType: 'SUBSCRIPTION', clientName: 'plant-1', programID: 'peak-2025',
    objectOperations: [{ objects: ['EVENT', 'PROGRAM'], operations: ['CREATE', 'UPDATE', 'DELETE'], callbackUrl: 'https://ven.example/hooks/openadr', bearerToken: null }],
    targets: [target],
  },
  ven: { id: 'plant-1', createdDateTime: CREATED, objectType: 'VEN', venName: 'plant-1', attributes: [{ type: 'TIMEZONE', values: ['Asia/Shanghai'] }], targets: null, resources: [resource] },
  resource,
  notification: { objectType: 'EVENT', operation: 'POST', object: { id: 'ev-0715', createdDateTime: CREATED, objectType: 'EVENT', programID: 'peak-2025', intervals: [] }, targets: [target] },
};

type Node = { readonly [k: string]: unknown };
const schemasById = new Map<string, Node>(openAdrJsonSchemas().map((s) => [String(s['$id']), s as Node]));

function exampleOf(schema: Node): unknown {
  const s = typeof schema['$ref'] === 'string' ? (schemasById.get(schema['$ref']) ?? {}) : schema;
  if (Array.isArray(s['allOf']) && (s['allOf'] as Node[]).every((b) => b['then'] !== undefined)) {
    const branch = (s['allOf'] as Node[]).find((b) => JSON.stringify(b['if']).includes('"EVENT"')) ?? (s['allOf'] as Node[])[0];
    return { ...(exampleOf(branch?.['then'] as Node) as object), objectType: 'EVENT' };
  }
  if (Array.isArray(s['examples'])) return s['examples'][0];
  if (Array.isArray(s['enum'])) return s['enum'][0];
  if (Array.isArray(s['anyOf'])) return exampleOf(s['anyOf'][0] as Node);
  if (s['items'] !== undefined) return [exampleOf(s['items'] as Node)];
  if (s['properties'] !== undefined) {
    return Object.fromEntries(Object.entries(s['properties'] as Record<string, Node>).map(([k, p]) => [k, exampleOf(p)]));
  }
  return undefined;
}

/** An object of `kind` filled, field by field, with the 3.0.1 YAML's own `example`s. */
export function specExample(kind: OpenAdrKind): unknown {
  return JSON.parse(JSON.stringify(exampleOf({ $ref: openAdrSchemaIds[kind] }))) as unknown;
}
