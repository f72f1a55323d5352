/** One measured figure; `baseline` names what it is compared with in the same run. */
export interface BenchFigure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline?: string;
}
