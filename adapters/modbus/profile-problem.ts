import type { AssetKind } from '../../src/domain/asset.js';
import { loadRegisterMap } from './profile-adapter.js';

/**
 * Why a Modbus binding with `?profile=` cannot be used, or null when it can: the profile is
 * found, is for Modbus and its `modbus:` section is valid. Config loading calls this (through
 * bindingProblem) so a broken profile is reported before any device is touched. With `kind`,
 * a profile for another kind of asset is a problem too.
 */
export function modbusProfileProblem(binding: string, kind: AssetKind | null = null, profileDir?: URL): string | null {
  try {
    loadRegisterMap(binding, kind, profileDir);
    return null;
  } catch (err) {
    return `${(err as Error).message.replace(/^binding '.*?': /, '')} (in ${JSON.stringify(binding)})`;
  }
}
