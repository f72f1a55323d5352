/**
 * Polls every `intervalMs`, measured from one poll's start to the next, never two at once.
 * A setInterval would clamp an interval of 0 to 1 ms and skip ticks that land while a poll is
 * in flight, so a fast device could not be polled back to back; here the next poll is armed
 * when the previous one ends (on the next turn of the event loop when it is already due).
 */
export interface PollLoop {
  /** Starts polling (the first poll one interval from now); no-op when running. */
  start(): void;
  /** Stops polling; a poll in flight finishes but arms no next one. */
  stop(): void;
}

export function createPollLoop(intervalMs: number, poll: () => Promise<unknown>): PollLoop {
  let timer: NodeJS.Timeout | null = null;
  let immediate: NodeJS.Immediate | null = null;
  // A stop() then start() while a poll is in flight must not leave two chains running.
  let generation = 0;
  let running = false;

  function arm(delayMs: number, gen: number): void {
    if (delayMs <= 0) immediate = setImmediate(() => void tick(gen));
    else timer = setTimeout(() => void tick(gen), delayMs);
  }

  async function tick(gen: number): Promise<void> {
    timer = null;
    immediate = null;
    const startedMs = performance.now();
    await poll().catch(() => undefined);
    if (running && gen === generation) arm(intervalMs - (performance.now() - startedMs), gen);
  }

  return {
    start() {
      if (running) return;
      running = true;
      arm(intervalMs, ++generation);
    },
    stop() {
      running = false;
      generation++;
      if (timer !== null) clearTimeout(timer);
      if (immediate !== null) clearImmediate(immediate);
      timer = null;
      immediate = null;
    },
  };
}
