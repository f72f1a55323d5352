import { bindingProblem } from '../../adapters/index.js';
import type { AssetKind } from '../domain/index.js';

/** Checks beyond what a JSON schema can say. Each returns a reason, or null when fine. */

export function checkTimezone(tz: string): string | null {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return null;
  } catch {
    return `not an IANA time zone (e.g. Asia/Shanghai), got ${JSON.stringify(tz)}`;
  }
}

/**
 * A binding the adapters can use. With a `simulation` section a port of 0 is allowed: the
 * simulated devices then listen on any free port and the bindings are resolved to it.
 */
export function checkBinding(binding: string, simulated: boolean, kind?: AssetKind): string | null {
  // The asset's kind lets a profile for another kind of device (a meter's map on a battery) be refused here.
  return bindingProblem(simulated ? binding.replace(/^((?:modbus|opc\.tcp|mqtt):\/\/[^/:?]+):0(?=[/?]|$)/, '$1:1') : binding, kind);
}
