import type { Registry } from '../../store/index.js';

/**
 * Runs `write` while no other queued write runs on `registry`, in this process or (PostgreSQL)
 * any other controller sharing it: see Registry.exclusive. The registry used to answer
 * synchronously, so a handler's read, check and write could not interleave with another
 * request's; with async I/O and a cluster they can, so handlers that check before they write
 * (a started event may only shorten, a program with live events is not deleted, an enrolment
 * names resources of its ven) queue here.
 */
export function queuedWrite<T>(registry: Registry, write: () => Promise<T>): Promise<T> {
  return registry.exclusive(write);
}
