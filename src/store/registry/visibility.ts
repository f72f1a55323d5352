import type { OpenAdrBody } from './openadr-table.js';

/**
 * Whether a site's ven may see a program or event: one of its VEN_NAME targets names the ven,
 * or it has no VEN_NAME or GROUP target at all (addressed to every enrolled site). The same
 * rule as the `visibleToVen` list filter of the OpenADR tables, for one object in hand.
 */
export function visibleToVen(body: OpenAdrBody, venName: string): boolean {
  const targets = Array.isArray(body['targets']) ? (body['targets'] as unknown[]) : [];
  const maps = targets.filter((t): t is { type: unknown; values: unknown } => typeof t === 'object' && t !== null);
  const addressed = maps.filter((t) => t.type === 'VEN_NAME' || t.type === 'GROUP');
  return addressed.length === 0 || addressed.some((t) => t.type === 'VEN_NAME' && Array.isArray(t.values) && t.values.includes(venName));
}
