/**
 * SunSpec information model definitions as data. Offsets count from the first register after
 * a model's header (ID, L), as the SunSpec Information Model Reference does, so a model's
 * length L is the sum of its points' sizes.
 */
export const POINT_TYPES = [
  'uint16',
  'int16',
  'acc32',
  'uint32',
  'int32',
  'float32',
  'enum16',
  'bitfield16',
  'bitfield32',
  'sunssf',
  'string',
  'pad',
] as const;
export type PointType = (typeof POINT_TYPES)[number];

export interface PointDef {
  readonly name: string;
  /** Register offset from the first register after the model header (ID, L). */
  readonly offset: number;
  /** Size in 16-bit registers. */
  readonly size: number;
  readonly type: PointType;
  /** Name of the scale-factor point that applies to this one, if any. */
  readonly sf?: string;
  readonly units?: string;
  readonly writable: boolean;
}

export interface ModelDef {
  readonly id: number;
  readonly name: string;
  /** Value of L: registers after the header. */
  readonly length: number;
  readonly points: readonly PointDef[];
  readonly byName: ReadonlyMap<string, PointDef>;
}

/** One point as written in a model file: the offset follows from the order, as in the official JSON. */
export interface PointSpec {
  readonly name: string;
  readonly type: PointType;
  /** Registers; defaults to the type's fixed size (strings must say it). */
  readonly size?: number;
  readonly sf?: string;
  readonly units?: string;
  readonly writable?: boolean;
}

/** Engineering values by point name; null = 'not implemented'. */
export type SunSpecValues = Readonly<Record<string, number | string | null>>;
