import type { OpenAdrProgram, Program, ProgramRate } from '../domain/index.js';
import { formatDateTime, parseDateTimeMs } from './iso.js';
import { atLeastAt, finiteAt, invalid, objectAt, optional, stringAt } from './validate.js';

/**
 * OpenADR 3 `program` <-> Program. OpenADR has no rate: ours travels beside the program (the
 * registry keeps it with the body) and is validated by parseProgramRate. Fields we do not use
 * (retailer, country, descriptions…) stay in the stored body, not here.
 */
export function fromOpenAdrProgram(json: unknown, options: { readonly receivedAtMs?: number; readonly rate?: unknown } = {}): Program {
  const o = objectAt('program', json);
  const longName = optional(o.programLongName, (v) => stringAt('programLongName', v));
  const programType = optional(o.programType, (v) => stringAt('programType', v));
  const rate = optional(options.rate, parseProgramRate);
  const createdAtMs =
    optional(o.createdDateTime, (v) => parseDateTimeMs('createdDateTime', v)) ??
    options.receivedAtMs ??
    (() => { throw invalid('createdDateTime', 'is required (or receivedAtMs)', o.createdDateTime); })();
  return {
    id: stringAt('id', o.id),
    name: stringAt('programName', o.programName),
    ...(longName === undefined ? {} : { longName }),
    ...(programType === undefined ? {} : { programType }),
    ...(rate === undefined ? {} : { rate }),
    createdAtMs,
    modifiedAtMs: optional(o.modificationDateTime, (v) => parseDateTimeMs('modificationDateTime', v)) ?? createdAtMs,
  };
}

export function toOpenAdrProgram(p: Program): OpenAdrProgram {
  return {
    id: p.id,
    objectType: 'PROGRAM',
    createdDateTime: formatDateTime(p.createdAtMs),
    modificationDateTime: formatDateTime(p.modifiedAtMs),
    programName: p.name,
    ...(p.longName === undefined ? {} : { programLongName: p.longName }),
    ...(p.programType === undefined ? {} : { programType: p.programType }),
  };
}

/** `{kind: 'energy', pricePerKwh, penaltyPerKwh?}` or `{kind: 'capacity', pricePerKw, penaltyPerKw?}`. */
export function parseProgramRate(json: unknown): ProgramRate {
  const o = objectAt('rate', json);
  if (o.kind === 'energy') {
    const penaltyPerKwh = optional(o.penaltyPerKwh, (v) => atLeastAt('rate.penaltyPerKwh', v, 0));
    return { kind: 'energy', pricePerKwh: finiteAt('rate.pricePerKwh', o.pricePerKwh), ...(penaltyPerKwh === undefined ? {} : { penaltyPerKwh }) };
  }
  if (o.kind === 'capacity') {
    const penaltyPerKw = optional(o.penaltyPerKw, (v) => atLeastAt('rate.penaltyPerKw', v, 0));
    return { kind: 'capacity', pricePerKw: finiteAt('rate.pricePerKw', o.pricePerKw), ...(penaltyPerKw === undefined ? {} : { penaltyPerKw }) };
  }
  throw invalid('rate.kind', 'must be energy or capacity', o.kind);
}
