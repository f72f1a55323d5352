import { VppError } from '../../src/domain/errors.js';
import { END_MODEL_ID, MODEL_HEADER_REGISTERS, SUNS_BASE_ADDRESSES, SUNS_MARKER } from '../../src/domain/sunspec/index.js';
import { exceptionCodeOf } from './errors.js';

export interface SunSpecModelLocation {
  readonly id: number;
  /** Address of the model's ID register; its points start 2 registers later. */
  readonly address: number;
  /** L: registers after the header. */
  readonly length: number;
}

export interface SunSpecMap {
  readonly baseAddress: number;
  readonly models: readonly SunSpecModelLocation[];
}

export type ReadRegisters = (address: number, count: number) => Promise<Uint16Array>;

/** A device's chain is short; this only stops a device that never sends the end marker. */
const MAX_MODELS = 100;

/**
 * Finds 'SunS' at 40000, then 0, then 50000 (SunSpec Device Information Model Specification,
 * "Base register") and walks the model chain to the end marker. A Modbus exception at a base
 * means "not here"; a timeout or socket error is passed on (the device is unreachable).
 */
export async function discoverSunSpec(read: ReadRegisters, where: string): Promise<SunSpecMap> {
  for (const base of SUNS_BASE_ADDRESSES) {
    let marker: Uint16Array;
    try {
      marker = await read(base, 2);
    } catch (e) {
      if (exceptionCodeOf(e) !== null) continue;
      throw e;
    }
    if (marker[0] !== SUNS_MARKER[0] || marker[1] !== SUNS_MARKER[1]) continue;
    const models: SunSpecModelLocation[] = [];
    let address = base + SUNS_MARKER.length;
    for (;;) {
      if (models.length >= MAX_MODELS || address + MODEL_HEADER_REGISTERS > 0x10000) {
        throw new VppError('NOT_SUNSPEC', `${where}: no end marker after ${models.length} models (address ${address})`);
      }
      const [id, length] = await read(address, MODEL_HEADER_REGISTERS);
      if (id === undefined || length === undefined || id === END_MODEL_ID) break;
      models.push({ id, address, length });
      address += MODEL_HEADER_REGISTERS + length;
    }
    return { baseAddress: base, models };
  }
  throw new VppError('NOT_SUNSPEC', `${where}: no 'SunS' marker at ${SUNS_BASE_ADDRESSES.join(', ')}`);
}
