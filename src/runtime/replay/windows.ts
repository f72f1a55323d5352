/**
 * Averages of import over windows of a stepped run. Within a step the power is its step mean
 * (what the meter books), so the import energy up to any instant is a piecewise linear function
 * of time and a window of any length or alignment has an exact mean.
 */
export class ImportIntegral {
  /** cumKwh[i]: import energy from the start to the start of step i. */
  private readonly cumKwh: Float64Array;
  private readonly stepMs: number;

  constructor(
    readonly startMs: number,
    readonly stepS: number,
    /** Step means, kW (load convention); only the import side (> 0) counts. */
    readonly gridKw: readonly number[],
  ) {
    this.stepMs = stepS * 1000;
    this.cumKwh = new Float64Array(gridKw.length + 1);
    for (let i = 0; i < gridKw.length; i++) this.cumKwh[i + 1] = (this.cumKwh[i] ?? 0) + (Math.max(0, gridKw[i] ?? 0) * stepS) / 3600;
  }

  get endMs(): number {
    return this.startMs + this.gridKw.length * this.stepMs;
  }

  /** Import energy from the start up to atMs (clamped to the run), kWh. */
  energyToKwh(atMs: number): number {
    const x = Math.min(Math.max(atMs, this.startMs), this.endMs);
    const pos = (x - this.startMs) / this.stepMs;
    const i = Math.min(Math.floor(pos), this.gridKw.length - 1);
    if (i < 0) return 0;
    const frac = pos - i;
    return (this.cumKwh[i] ?? 0) + (Math.max(0, this.gridKw[i] ?? 0) * frac * this.stepS) / 3600;
  }

  /** Mean import over [fromMs, toMs) clipped to the run, kW; NaN when nothing of it lies in the run. */
  meanKw(fromMs: number, toMs: number): number {
    const a = Math.max(fromMs, this.startMs);
    const b = Math.min(toMs, this.endMs);
    if (!(b > a)) return NaN;
    return ((this.energyToKwh(b) - this.energyToKwh(a)) * 3.6e6) / (b - a);
  }

  /**
   * Means of consecutive windows of windowS, aligned so that a window starts where
   * (t + offsetMin) is a multiple of windowS (clock-aligned in the scenario's offset). Windows
   * cut by the run's edges are averaged over the part inside it.
   */
  alignedMeans(windowS: number, offsetMin: number): { startMs: number; meanKw: number }[] {
    const w = windowS * 1000;
    const shift = offsetMin * 60_000;
    const first = Math.floor((this.startMs + shift) / w) * w - shift;
    const out: { startMs: number; meanKw: number }[] = [];
    for (let t = first; t < this.endMs; t += w) out.push({ startMs: t, meanKw: this.meanKw(t, t + w) });
    return out;
  }

  /** The largest billing-window mean: block (clock-aligned 15 min) or sliding (15 min, moved each minute). */
  peakKw(window: 'block' | 'sliding', offsetMin: number, windowS = 900): number {
    if (window === 'block') return Math.max(0, ...this.alignedMeans(windowS, offsetMin).map((x) => x.meanKw));
    let peak = 0;
    const w = windowS * 1000;
    // A sliding window lies wholly inside the run; a run shorter than one window has its own mean.
    if (this.endMs - this.startMs <= w) return this.meanKw(this.startMs, this.endMs);
    for (let t = this.startMs; t + w <= this.endMs; t += 60_000) peak = Math.max(peak, this.meanKw(t, t + w));
    return peak;
  }
}
