import { VppError } from '../../../src/domain/errors.js';
import {
  END_MODEL_ID,
  MODEL_1,
  MODEL_HEADER_REGISTERS,
  SUNS_MARKER,
  applyScale,
  decodeRaw,
  encodeModel,
  sunspecModel,
  type ModelDef,
} from '../../../src/domain/sunspec/index.js';
import { MODBUS_EXCEPTION, ModbusException, type RegisterBank } from '../modbus/index.js';
import { DEFAULT_SCALE_FACTORS } from './scale-factors.js';

export interface SunSpecPointSource {
  /** Engineering values by SunSpec point name (scale factors NOT applied, e.g. { W: 12300, WH: 5.4e6 }), null = not implemented. Strings for string points. */
  read(): Readonly<Record<string, number | string | null>>;
  /** A client wrote a point; value in engineering units (scale factor applied). Throw to answer exception 03. */
  write?(point: string, value: number): void;
}

export interface SunSpecModelSpec {
  readonly id: number;
  readonly source: SunSpecPointSource;
  /** Overrides of the default scale factors (scale-factors.ts), by scale-factor point name. */
  readonly scaleFactors?: Readonly<Record<string, number>>;
}

/** Nameplate of the device, served as model 1 unless `models` brings its own model 1. */
export interface SunSpecCommon {
  readonly manufacturer: string;
  readonly model: string;
  readonly serialNumber: string;
  readonly version?: string;
  readonly options?: string;
}

export interface SunSpecDeviceSpec {
  readonly models: ReadonlyArray<SunSpecModelSpec>;
  readonly common?: SunSpecCommon;
  /** Where 'SunS' sits; default 40000. */
  readonly baseAddress?: number;
}

interface Slot {
  readonly def: ModelDef;
  /** Index into the image of the first register after ID and L. */
  readonly body: number;
  readonly source: SunSpecPointSource;
  readonly scaleFactors: Readonly<Record<string, number>>;
  /** Reused on every read so that encoding allocates nothing per point. */
  readonly scratch: Record<string, number | string | null>;
}

const DEFAULT_COMMON: SunSpecCommon = { manufacturer: 'vpp-sim', model: 'SunSpec device', serialNumber: 'SIM-0001', version: '1.0' };

function commonSource(c: SunSpecCommon): SunSpecPointSource {
  const values = { Mn: c.manufacturer, Md: c.model, Opt: c.options ?? null, Vr: c.version ?? null, SN: c.serialNumber, DA: null };
  return { read: () => values };
}

/** A RegisterBank serving one SunSpec device: 'SunS', model 1, the given models, end marker. */
export function sunspecBank(spec: SunSpecDeviceSpec): RegisterBank {
  const base = spec.baseAddress ?? 40000;
  const entries: SunSpecModelSpec[] = spec.models.some((m) => m.id === 1)
    ? [...spec.models]
    : [{ id: 1, source: commonSource(spec.common ?? DEFAULT_COMMON) }, ...spec.models];
  if (entries[0]?.id !== 1) throw new VppError('SUNSPEC_SPEC_INVALID', `sunspecBank: models[0].id must be 1 (common), got ${String(entries[0]?.id)}`);

  const slots: Slot[] = [];
  let size = SUNS_MARKER.length;
  for (const [i, m] of entries.entries()) {
    const def = m.id === 1 ? MODEL_1 : sunspecModel(m.id);
    if (def === undefined) throw new VppError('SUNSPEC_SPEC_INVALID', `sunspecBank: models[${i}].id ${m.id} is not a supported SunSpec model`);
    const scaleFactors = { ...DEFAULT_SCALE_FACTORS[m.id], ...m.scaleFactors };
    slots.push({ def, body: size + MODEL_HEADER_REGISTERS, source: m.source, scaleFactors, scratch: {} });
    size += MODEL_HEADER_REGISTERS + def.length;
  }
  const image = new Uint16Array(size + MODEL_HEADER_REGISTERS);
  image.set(SUNS_MARKER, 0);
  for (const s of slots) image.set([s.def.id, s.def.length], s.body - MODEL_HEADER_REGISTERS);
  image.set([END_MODEL_ID, 0], size);
  if (base + image.length > 0x10000) throw new VppError('SUNSPEC_SPEC_INVALID', `sunspecBank: map of ${image.length} registers at ${base} passes 65535`);

  function refresh(s: Slot): void {
    const values = s.source.read();
    for (const p of s.def.points) {
      s.scratch[p.name] = p.type === 'sunssf' ? (s.scaleFactors[p.name] ?? null) : (values[p.name] ?? null);
    }
    encodeModel(s.def, s.scratch, image, s.body);
  }

  return {
    read(address, count) {
      const from = address - base;
      if (from < 0 || from + count > image.length) {
        throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS, `registers ${address}..${address + count - 1} outside the SunSpec map ${base}..${base + image.length - 1}`);
      }
      for (const s of slots) {
        if (s.body < from + count && s.body + s.def.length > from) refresh(s);
      }
      return image.slice(from, from + count);
    },
    write(address, values) {
      const from = address - base;
      const to = from + values.length;
      const s = slots.find((x) => from >= x.body && to <= x.body + x.def.length);
      if (s === undefined) throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS, `registers ${address}..${address + values.length - 1} are not inside one model's points`);
      const regs = image.slice(s.body, s.body + s.def.length);
      regs.set(values, from - s.body);
      const writes: Array<[string, number]> = [];
      for (const p of s.def.points) {
        const pFrom = s.body + p.offset;
        if (pFrom + p.size <= from || pFrom >= to) continue;
        if (!p.writable) throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS, `model ${s.def.id} point ${p.name} is read-only`);
        if (pFrom < from || pFrom + p.size > to) throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE, `model ${s.def.id} point ${p.name} written in part`);
        const raw = decodeRaw(p, regs);
        if (typeof raw !== 'number') continue; // the 'not implemented' value: nothing to apply
        const sf = p.sf === undefined ? 0 : s.scaleFactors[p.sf];
        if (sf === undefined) throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS, `model ${s.def.id} point ${p.name} has no scale factor ${String(p.sf)}`);
        writes.push([p.name, applyScale(raw, sf)]);
      }
      const write = s.source.write?.bind(s.source);
      if (write === undefined) throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS, `model ${s.def.id} takes no writes`);
      for (const [name, value] of writes) {
        try {
          write(name, value);
        } catch (e) {
          throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE, `model ${s.def.id} point ${name} = ${value} refused: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      image.set(values, from);
    },
  };
}
