import { VppError } from '../../src/domain/errors.js';
import { loadProfile } from '../profile.js';
import { parseOpcuaBinding } from './binding.js';
import { parseOpcuaSection } from './profile.js';

/**
 * Why an `opc.tcp://` binding cannot be used, or null when it can: the URL, its profile file
 * and the profile's `opcua:` section are checked before any server is dialled.
 */
export function opcuaBindingProblem(binding: string): string | null {
  try {
    const b = parseOpcuaBinding(binding);
    const profile = loadProfile(b.profile);
    if (profile.protocol !== 'opcua') return `profile ${b.profile}: protocol must be opcua, got ${profile.protocol} (in ${JSON.stringify(binding)})`;
    parseOpcuaSection(profile.body, profile.file);
    return null;
  } catch (err) {
    if (!(err instanceof VppError)) throw err;
    return `${err.message.replace(/^binding '.*?': /, '')} (in ${JSON.stringify(binding)})`;
  }
}
