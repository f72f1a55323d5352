/** The kinds of simulated asset a site's physics holds. */
export type PowerModelKind = 'load' | 'pv' | 'battery' | 'hvac' | 'evCharger';

/**
 * What every simulated asset offers the site: the power flowing now and a step that moves its
 * own sim time forward. Powers are kW in the load convention (drawing from the bus > 0).
 * No timers and no wall clock here: time moves only through step().
 */
export interface PowerModel {
  readonly id: string;
  readonly kind: PowerModelKind;
  /** The sim time (epoch ms, UTC) the model's state refers to. */
  nowMs(): number;
  /** Power flowing at nowMs(), kW, load convention. */
  powerKw(): number;
  /** Advances nowMs() by dtS seconds and returns the mean power over that step, kW. */
  step(dtS: number): number;
}
