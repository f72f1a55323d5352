import { existsSync, readFileSync } from 'node:fs';
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
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as { services: Record<string, Service> };
const dockerfile = readFileSync('Dockerfile', 'utf8');

describe('docker compose stack', () => {
  it('runs InfluxDB 1.8, Mosquitto and the controller built from the Dockerfile', () => {
    const { influxdb, mosquitto, controller } = compose.services;
    expect(influxdb?.image).toBe('influxdb:1.8');
    expect(mosquitto?.image).toMatch(/^eclipse-mosquitto:2/);
    expect(controller?.build).toBe('.');
    expect(Object.keys(controller?.depends_on ?? {}).sort()).toEqual(['influxdb', 'mosquitto']);
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
