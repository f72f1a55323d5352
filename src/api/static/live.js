/* global EventSource, setTimeout */
// The live stream (GET /api/v1/stream, Server-Sent Events): the latest view of every site and
// DR event status changes. EventSource retries on its own at a fixed pace; we close it on error
// and reconnect with exponential backoff instead, so a controller that is down is not hammered.

const MIN_DELAY_MS = 1000;
const MAX_DELAY_MS = 30000;

export class LiveStream {
  constructor(url = '/api/v1/stream') {
    this.url = url;
    this.sites = new Map();
    this.listeners = new Set();
    this.delayMs = MIN_DELAY_MS;
    this.source = null;
    this.timer = null;
    this.state = 'connecting';
  }

  /** `fn(kind, data)`: kind is 'site' (a site view), 'event-status' or 'state' ('open' | 'reconnecting'). Returns an unsubscribe. */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(kind, data) {
    for (const fn of [...this.listeners]) {
      try {
        fn(kind, data);
      } catch (err) {
        console.warn('dashboard listener failed', err);
      }
    }
  }

  start() {
    if (this.source !== null) return;
    const source = new EventSource(this.url);
    this.source = source;
    source.addEventListener('open', () => {
      this.delayMs = MIN_DELAY_MS;
      this.setState('open');
    });
    source.addEventListener('site', (e) => {
      const view = JSON.parse(e.data);
      this.sites.set(view.id, view);
      this.emit('site', view);
    });
    source.addEventListener('event-status', (e) => this.emit('event-status', JSON.parse(e.data)));
    source.addEventListener('error', () => {
      source.close();
      this.source = null;
      this.setState('reconnecting');
      const delay = this.delayMs;
      this.delayMs = Math.min(MAX_DELAY_MS, this.delayMs * 2);
      this.timer = setTimeout(() => {
        this.timer = null;
        this.start();
      }, delay);
    });
  }

  setState(state) {
    this.state = state;
    this.emit('state', state);
  }
}
