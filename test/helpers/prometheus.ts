/**
 * Reads Prometheus text exposition (format 0.0.4) into `name{label="v",...}` → value, label
 * pairs sorted by name so a test can look a series up without caring about their order.
 */
export function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (m === null) throw new Error(`not an exposition line: ${JSON.stringify(line)}`);
    const labels = [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => `${l[1]}="${l[2]}"`).sort();
    out.set(labels.length === 0 ? (m[1] ?? '') : `${m[1]}{${labels.join(',')}}`, Number(m[3]));
  }
  return out;
}

/** `series('vpp_adapter_up', {site: 'a', asset: 'b'})` → the key parseExposition uses. */
export function series(name: string, labels: Readonly<Record<string, string>> = {}): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort();
  return pairs.length === 0 ? name : `${name}{${pairs.join(',')}}`;
}
