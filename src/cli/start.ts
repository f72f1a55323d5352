import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { ConfigError, loadConfigFile } from '../config/index.js';
import { VppError } from '../domain/index.js';
import { createLogger, startClusterController, startController, type Logger } from '../runtime/index.js';

const STOP_DEADLINE_MS = 5000;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/** `vpp start`: runs until SIGINT/SIGTERM, then stops cleanly (store flushed) within 5 s. */
export async function runStart(file: string): Promise<number> {
  let cfg;
  try {
    cfg = loadConfigFile(file, process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.lines().join('\n')}\n`);
      return 2;
    }
    throw err;
  }
  let log: Logger;
  try {
    log = createLogger();
  } catch (err) {
    if (err instanceof VppError) {
      process.stderr.write(`vpp start: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  // With `cluster:` this process shares the sites with other controllers through PostgreSQL.
  const controller =
    cfg.cluster !== undefined
      ? await startClusterController(cfg, cfg.cluster, { log, version: version() })
      : await startController(cfg, { log, version: version() });
  const devices = cfg.sites.reduce((n, s) => n + s.site.assets.length, 0);
  log.info({ url: controller.url, sites: cfg.sites.length, devices, store: cfg.store }, 'controller running');
  process.stderr.write(`VPP controller listening on ${controller.url} (${cfg.sites.length} site(s), ${devices} devices, store ${cfg.store.kind}). Ctrl-C stops.\n`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        // A second signal: the operator does not want to wait for the flush.
        log.warn({ signal }, 'second signal: exiting now, without waiting for the store flush');
        log.flush();
        resolve(128 + (constants.signals[signal] ?? 0));
        return;
      }
      stopping = true;
      // Readiness turns 503 at once (inside stop), then requests, loop, store, adapters, registry.
      log.info({ signal }, 'stopping: not ready; closing the API, stopping the loop, flushing the store');
      const deadline = setTimeout(() => {
        process.stderr.write(`vpp: did not stop within ${STOP_DEADLINE_MS / 1000} s; exiting\n`);
        resolve(1);
      }, STOP_DEADLINE_MS);
      deadline.unref();
      controller.stop().then(
        () => {
          clearTimeout(deadline);
          // What the store did, for the record: nothing may be left queued in memory.
          const { queuedPoints, spooledPoints, writtenPoints } = controller.store.stats();
          log.info({ store: { queuedPoints, spooledPoints, writtenPoints } }, 'stopped; store flushed');
          log.flush();
          resolve(0);
        },
        (err: unknown) => {
          clearTimeout(deadline);
          log.error({ err }, 'stop failed');
          resolve(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
