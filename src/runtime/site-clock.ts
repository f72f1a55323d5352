/**
 * The clock a site's calendar runs on: tariff periods, load profiles and the sun. For a real
 * site it is the wall clock. For the demo it is the simulation's clock (`simulation.startAt`,
 * `speed`), so that the planner forecasts the simulated July morning the devices live in, not
 * the wall clock's date; the control loop, the store and the plan it follows stay in wall time.
 */
export interface SiteClock {
  toSiteMs(wallMs: number): number;
  toWallMs(siteMs: number): number;
  /** Site seconds per wall second. */
  readonly speed: number;
}

export const WALL_CLOCK: SiteClock = Object.freeze({ toSiteMs: (ms: number) => ms, toWallMs: (ms: number) => ms, speed: 1 });

/** A clock that reads siteStartMs at wallStartMs and runs `speed` times as fast as the wall. */
export function simulatedClock(siteStartMs: number, wallStartMs: number, speed: number): SiteClock {
  return {
    toSiteMs: (wallMs) => siteStartMs + (wallMs - wallStartMs) * speed,
    toWallMs: (siteMs) => wallStartMs + (siteMs - siteStartMs) / speed,
    speed,
  };
}
