// The part of qlobber (the MQTT topic matcher aedes uses) that adapters/mqtt/broker-link.ts needs; it ships no types.
declare module 'qlobber' {
  export interface QlobberOptions {
    readonly separator?: string;
    readonly wildcard_one?: string;
    readonly wildcard_some?: string;
    readonly match_empty_levels?: boolean;
  }
  /** Values by topic filter; match() gives each value once however many of its filters match. */
  export class QlobberDedup<V> {
    constructor(options?: QlobberOptions);
    add(filter: string, value: V): this;
    remove(filter: string, value?: V): this;
    match(topic: string): Set<V>;
  }
}
