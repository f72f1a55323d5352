import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfigFile } from '../../src/config/index.js';

/**
 * No Docker engine runs here, so the compose stack is kept honest by checking what `docker
 * compose up` would depend on: the images, the files it mounts, and the controller's config.
 */
interface Service {
  image?: string;
  build?: string;
  hostname?: string;
  healthcheck?: { test: string[] };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as { services: Record<string, Service> };
const dockerfile = readFileSync('Dockerfile', 'utf8');

describe('docker compose stack', () => {
  it('runs InfluxDB 1.8, Mosquitto, the simulators and the controller built from the Dockerfile', () => {
    const { influxdb, mosquitto, controller, sim } = compose.services;
    expect(influxdb?.image).toBe('influxdb:1.8');
    expect(mosquitto?.image).toMatch(/^eclipse-mosquitto:2/);
    expect(controller?.build).toBe('.');
    expect(sim?.build).toBe('.');
    expect(sim?.command?.[0]).toBe('sim');
    expect(Object.keys(controller?.depends_on ?? {}).sort()).toEqual(['influxdb', 'mosquitto', 'sim']);
  });

  it("gives the controller a config that passes `vpp config check` and stores into the compose InfluxDB", () => {
    const controller = compose.services.controller;
    const args = controller?.command ?? [];
    const file = args[args.indexOf('--config') + 1];
    expect(file).toBeDefined();
    const cfg = loadConfigFile(file ?? '', controller?.environment ?? {});
    expect(cfg.store).toEqual({ kind: 'influx', url: 'http://influxdb:8086', database: 'vpp' });
    expect(cfg.http.host).toBe('0.0.0.0');
    expect(controller?.ports).toContain(`127.0.0.1:${cfg.http.port}:${cfg.http.port}`);
    // The image's default command starts the same config.
    expect(dockerfile).toContain(`"--config", "${file}"`);
  });

  it('mounts only files that exist in the repository', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const volume of svc.volumes ?? []) {
        const [source] = volume.split(':');
        if (source?.startsWith('./')) expect(existsSync(source), `${name}: ${volume}`).toBe(true);
      }
    }
  });

  it('builds on a maintained Node LTS and copies every source folder the controller runs from', () => {
    const bases = [...dockerfile.matchAll(/^FROM node:(\d+)/gm)].map((m) => Number(m[1]));
    expect(bases.length).toBeGreaterThan(0);
    for (const major of bases) {
      expect(major % 2, 'even majors are the LTS lines').toBe(0);
      expect(major).toBeGreaterThanOrEqual(22);
    }
    for (const dir of ['bin', 'src', 'adapters', 'simulators', 'config']) {
      expect(dockerfile).toMatch(new RegExp(`^COPY ${dir} \\./${dir}$`, 'm'));
      expect(existsSync(dir), dir).toBe(true);
    }
    expect(dockerfile).toContain('COPY package.json package-lock.json');
  });
});

const arg = (args: readonly string[], flag: string): string | undefined => {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
};

describe('docker compose: simulators, health, Prometheus and Grafana', () => {
  const { controller, sim, prometheus, grafana } = compose.services;
  const ctlArgs = controller?.command ?? [];
  const ctl = loadConfigFile(arg(ctlArgs, '--config') ?? '', controller?.environment ?? {});

  it('gives every service a healthcheck and depends only on services that exist', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      expect(svc.healthcheck?.test.length ?? 0, `${name}: healthcheck`).toBeGreaterThan(1);
      for (const dep of Object.keys(svc.depends_on ?? {})) expect(compose.services[dep], `${name} depends on ${dep}`).toBeDefined();
    }
    // Liveness, not readiness: a controller waiting for its devices must not be restarted.
    expect(controller?.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${ctl.http.port}/api/v1/health/live`);
  });

  it('builds a multi-stage image that runs as an unprivileged user with a liveness HEALTHCHECK', () => {
    expect([...dockerfile.matchAll(/^FROM /gm)].length).toBeGreaterThanOrEqual(2);
    const users = [...dockerfile.matchAll(/^USER (\S+)$/gm)].map((m) => m[1]);
    expect(users.at(-1)).toBe('node');
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/api\/v1\/health\/live/m);
    expect(dockerfile).toMatch(/^STOPSIGNAL SIGTERM$/m);
    const ignored = readFileSync('.dockerignore', 'utf8').split('\n');
    for (const p of ['node_modules', 'data', '.git']) expect(ignored).toContain(p);
  });

  it('serves the devices the controller binds to, at the sim service host and ports', () => {
    const args = sim?.command ?? [];
    const host = arg(args, '--host');
    const portBase = Number(arg(args, '--port-base'));
    expect(host).toBe(sim?.hostname);
    const simCfg = loadConfigFile(args[1] ?? '', {});
    expect(simCfg.simulation).not.toBeNull();
    expect(ctl.simulation).toBeNull(); // to the controller they are field devices
    const assets = (c: typeof ctl) => c.sites.flatMap((s) => s.site.assets.map((a) => `${s.site.id}/${a.id} ${a.kind} ${a.binding}`));
    expect(assets(ctl)).toEqual(assets(simCfg));
    // `vpp sim`: Modbus per site from --port-base, OPC UA on the next port, MQTT through --mqtt-url.
    const mqttUrl = new URL(arg(args, '--mqtt-url') ?? '');
    expect(compose.services[mqttUrl.hostname]).toBeDefined();
    for (const [i, { site }] of ctl.sites.entries()) {
      for (const a of site.assets) {
        const url = new URL(a.binding);
        if (url.protocol === 'modbus:') expect(url.host, a.id).toBe(`${host}:${portBase + i}`);
        if (url.protocol === 'opc.tcp:') expect(url.host, a.id).toBe(`${host}:${portBase + ctl.sites.length}`);
        if (url.protocol === 'mqtt:') expect(url.host, a.id).toBe(mqttUrl.host);
      }
    }
  });

  it('has Prometheus scrape the controller /metrics', () => {
    const mount = prometheus?.volumes?.find((v) => v.endsWith(':/etc/prometheus/prometheus.yml:ro'));
    const cfg = parse(readFileSync(mount?.split(':')[0] ?? '', 'utf8')) as {
      scrape_configs: Array<{ metrics_path?: string; static_configs: Array<{ targets: string[] }> }>;
    };
    const job = cfg.scrape_configs[0];
    expect(job?.metrics_path ?? '/metrics').toBe('/metrics');
    expect(job?.static_configs[0]?.targets).toEqual([`controller:${ctl.http.port}`]);
  });

  it('provisions Grafana with the two datasources and a dashboard that uses only them', () => {
    const source = (target: string) => (grafana?.volumes ?? []).find((v) => v.split(':')[1] === target)?.split(':')[0] ?? '';
    const provisioning = source('/etc/grafana/provisioning');
    const ds = parse(readFileSync(`${provisioning}/datasources/vpp.yaml`, 'utf8')) as {
      datasources: Array<{ uid: string; type: string; url: string; jsonData?: { dbName?: string } }>;
    };
    const influx = ds.datasources.find((d) => d.type === 'influxdb');
    const prom = ds.datasources.find((d) => d.type === 'prometheus');
    expect(influx?.url).toBe(ctl.store.kind === 'influx' ? ctl.store.url : '');
    expect(influx?.jsonData?.dbName).toBe(ctl.store.kind === 'influx' ? ctl.store.database : '');
    expect(new URL(prom?.url ?? '').hostname).toBe('prometheus');
    const providers = parse(readFileSync(`${provisioning}/dashboards/vpp.yaml`, 'utf8')) as { providers: Array<{ options: { path: string } }> };
    const dashboardsDir = providers.providers[0]?.options.path ?? '';
    const files = readdirSync(source(dashboardsDir)).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    const uids = new Set(ds.datasources.map((d) => d.uid));
    for (const file of files) {
      const dash = JSON.parse(readFileSync(`${source(dashboardsDir)}/${file}`, 'utf8')) as {
        uid: string;
        panels: Array<{ title: string; datasource?: { uid: string }; targets: Array<{ datasource?: { uid: string } }> }>;
        templating: { list: Array<{ name: string; query: string }> };
      };
      expect(dash.uid, file).toMatch(/^[\w-]{1,40}$/);
      for (const p of dash.panels) {
        expect(uids.has(p.datasource?.uid ?? ''), `${file}: ${p.title}`).toBe(true);
        for (const t of p.targets) expect(uids.has(t.datasource?.uid ?? ''), `${file}: ${p.title}`).toBe(true);
      }
      // The limit and target lines are the compose site's own.
      const site = ctl.sites[0]?.site;
      const constant = (name: string) => Number(dash.templating.list.find((v) => v.name === name)?.query);
      expect(constant('import_limit_kw')).toBe(site?.gridImportLimitKw);
      expect(constant('peak_target_kw')).toBe(site?.peakTargetKw);
    }
    expect(readFileSync(`${source(dashboardsDir)}/vpp-overview.json`, 'utf8')).toContain('vpp_control_cycle_duration_seconds_bucket');
  });
});
