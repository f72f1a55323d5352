/**
 * Every reading carries a quality. A value that is missing, 'not implemented', NaN or older
 * than its stale limit is never treated as 0: it makes the asset unavailable for dispatch.
 */
export const QUALITIES = ['good', 'stale', 'bad'] as const;
export type Quality = (typeof QUALITIES)[number];
