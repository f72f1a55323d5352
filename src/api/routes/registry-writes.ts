// The last write queued per registry; it never rejects, so one failed write does not stop the next.
const tails = new WeakMap<object, Promise<void>>();

/**
 * Runs `write` once every write queued before it on `registry` in this process has settled.
 * The registry used to answer synchronously, so a handler's read, check and write could not
 * interleave with another request's; with async I/O they can, so handlers that check before
 * they write (a started event may only shorten, a program with live events is not deleted, an
 * enrolment names resources of its ven) queue here. Other processes sharing a PostgreSQL
 * registry are not held back by this.
 */
export function queuedWrite<T>(registry: object, write: () => Promise<T>): Promise<T> {
  const run = (tails.get(registry) ?? Promise.resolve()).then(write);
  tails.set(registry, run.then(() => undefined, () => undefined));
  return run;
}
