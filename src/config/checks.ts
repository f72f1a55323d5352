/** Checks beyond what a JSON schema can say. Each returns a reason, or null when fine. */

export function checkTimezone(tz: string): string | null {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return null;
  } catch {
    return `not an IANA time zone (e.g. Asia/Shanghai), got ${JSON.stringify(tz)}`;
  }
}

const SCHEMES = ['modbus:', 'modbus-rtu:', 'opc.tcp:', 'mqtt:'];

export function checkBinding(binding: string): string | null {
  let url: URL;
  try {
    url = new URL(binding);
  } catch {
    return `not a URL (e.g. modbus://127.0.0.1:502/1), got ${JSON.stringify(binding)}`;
  }
  if (!SCHEMES.includes(url.protocol)) {
    return `unsupported scheme '${url.protocol}' (one of ${SCHEMES.map((s) => s.slice(0, -1)).join(', ')}), got ${JSON.stringify(binding)}`;
  }
  return null;
}
