/**
 * Neumaier's compensated summation: a year of 1-second energy increments added to a counter
 * of 10^6 kWh would otherwise lose digits at every step. Error stays O(eps), not O(n·eps).
 */
export class CompensatedSum {
  private sum: number;
  private compensation = 0;

  constructor(initial = 0) {
    this.sum = initial;
  }

  add(x: number): void {
    const t = this.sum + x;
    if (Math.abs(this.sum) >= Math.abs(x)) this.compensation += this.sum - t + x;
    else this.compensation += x - t + this.sum;
    this.sum = t;
  }

  /** Replaces the running value (e.g. snapping a state of charge onto its bound). */
  set(value: number): void {
    this.sum = value;
    this.compensation = 0;
  }

  value(): number {
    return this.sum + this.compensation;
  }
}
