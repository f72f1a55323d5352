import { readFileSync } from 'node:fs';
import { ConfigError, loadConfigFile } from '../config/index.js';
import { createLogger, startController } from '../runtime/index.js';

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
  const log = createLogger();
  const controller = await startController(cfg, { log, version: version() });
  const devices = cfg.sites.reduce((n, s) => n + s.site.assets.length, 0);
  log.info({ url: controller.url, sites: cfg.sites.length, devices, store: cfg.store }, 'controller running');
  process.stderr.write(`VPP controller listening on ${controller.url} (${cfg.sites.length} site(s), ${devices} devices, store ${cfg.store.kind}). Ctrl-C stops.\n`);

  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      log.info({ signal }, 'stopping');
      const deadline = setTimeout(() => {
        process.stderr.write(`vpp: did not stop within ${STOP_DEADLINE_MS / 1000} s; exiting\n`);
        resolve(1);
      }, STOP_DEADLINE_MS);
      deadline.unref();
      controller.stop().then(
        () => {
          clearTimeout(deadline);
          log.info('stopped; store flushed');
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
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
