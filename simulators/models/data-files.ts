import { readFileSync } from 'node:fs';
import { VppError } from '../../src/domain/index.js';
import { parseBdewCsv, type BdewProfile } from './bdew.js';
import { parseTmy3Csv, type Tmy3Weather } from './tmy3.js';

/**
 * The only I/O of the physics: reading the reference CSVs shipped in simulators/data/ (never
 * ../shared, so a checkout runs on its own). Parsed once per process.
 */
export const BDEW_PROFILE_NAMES = ['g25', 'h25', 'l25'] as const;
export type BdewProfileName = (typeof BDEW_PROFILE_NAMES)[number];
export const WEATHER_NAMES = ['tmy3-723170'] as const;
export type WeatherName = (typeof WEATHER_NAMES)[number];

const DATA_DIR = new URL('../data/', import.meta.url);
const profiles = new Map<BdewProfileName, BdewProfile>();
const weathers = new Map<WeatherName, Tmy3Weather>();

function readData(file: string): string {
  try {
    return readFileSync(new URL(file, DATA_DIR), 'utf8');
  } catch (err) {
    throw new VppError('SIM_DATA_MISSING', `simulators/data/${file} cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

export function loadBdewProfile(name: BdewProfileName): BdewProfile {
  if (!BDEW_PROFILE_NAMES.includes(name)) {
    throw new VppError('SIM_OPTION_INVALID', `profile.bdew must be one of ${BDEW_PROFILE_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
  }
  let p = profiles.get(name);
  if (p === undefined) {
    p = parseBdewCsv(readData(`${name}.csv`), `simulators/data/${name}.csv`);
    profiles.set(name, p);
  }
  return p;
}

export function loadTmy3Weather(name: WeatherName): Tmy3Weather {
  if (!WEATHER_NAMES.includes(name)) {
    throw new VppError('SIM_OPTION_INVALID', `weather must be one of ${WEATHER_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
  }
  let w = weathers.get(name);
  if (w === undefined) {
    w = parseTmy3Csv(readData(`${name}.csv`), `simulators/data/${name}.csv`);
    weathers.set(name, w);
  }
  return w;
}
