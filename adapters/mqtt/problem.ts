import { loadProfile } from '../profile.js';
import { parseMqttUrl } from './binding.js';
import { checkMqttProfile } from './profile.js';

/**
 * Why an `mqtt://` binding cannot be used, or null when it can: the URL, and the profile it
 * names (found, for mqtt, and a valid `mqtt:` section), checked before any broker is touched.
 */
export function mqttBindingProblem(binding: string, profileDir?: URL): string | null {
  try {
    const b = parseMqttUrl(binding);
    const head = loadProfile(b.profile, profileDir);
    if (head.protocol !== 'mqtt') return `profile ${head.name} is for protocol ${head.protocol}, not mqtt (in ${JSON.stringify(binding)})`;
    checkMqttProfile(head.file, head.body);
    return null;
  } catch (err) {
    return `${(err as Error).message.replace(/^binding '.*?': /, '')} (in ${JSON.stringify(binding)})`;
  }
}
