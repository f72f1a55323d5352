import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSiteOwnership, type SiteOwnership } from '../../src/store/index.js';
import { startCluster, type SiteUnit } from '../../src/runtime/cluster.js';
import { silentLogger } from '../../src/runtime/index.js';
import { postgresAvailable, startPostgres, type PostgresHandle } from '../helpers/postgres.js';

const ready = await postgresAvailable();

describe.skipIf(!ready)('site ownership through PostgreSQL (real server)', () => {
  let server: PostgresHandle;
  const open: SiteOwnership[] = [];
  const session = async (controllerId: string) => {
    const s = await openSiteOwnership({ connectionString: server.url, controllerId });
    open.push(s);
    return s;
  };

  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(open.map((s) => s.close()));
    await server?.stop();
  });

  it('gives each site to one controller at a time, with an epoch bumped at every change of owner', async () => {
    const a = await session('own-a');
    const b = await session('own-b');
    expect(await a.claim(['x1', 'x2', 'x3'], 2)).toEqual([
      { siteId: 'x1', epoch: 1 },
      { siteId: 'x2', epoch: 1 },
    ]);
    // b cannot take what a holds, only the free one, whatever its budget.
    expect(await b.claim(['x1', 'x2', 'x3'], 10)).toEqual([{ siteId: 'x3', epoch: 1 }]);
    expect((await a.aliveControllers()).filter((c) => c.startsWith('own-'))).toEqual(['own-a', 'own-b']);
    await a.release('x2');
    expect(await b.claim(['x2'], 1)).toEqual([{ siteId: 'x2', epoch: 2 }]);
    const owners = await b.owners();
    expect(owners.filter((o) => o.siteId.startsWith('x')).map((o) => [o.siteId, o.controllerId, o.epoch])).toEqual([
      ['x1', 'own-a', 1],
      ['x2', 'own-b', 2],
      ['x3', 'own-b', 1],
    ]);
  });

  it('frees a dead controller’s sites at once, and fences a controller whose site moved on', async () => {
    const a = await session('dead-a');
    const b = await session('dead-b');
    const lost: string[] = [];
    a.onLost((err) => lost.push(err.message));
    expect(await a.claim(['y1', 'y2'], 2)).toHaveLength(2);
    // The server ends a's session (as it does when the process dies): the locks go with it.
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'vpp-controller:dead-a'");
    await admin.end();
    await expect.poll(() => lost.length, { timeout: 5000 }).toBe(1);
    expect(a.owned().size).toBe(0);
    await expect(a.claim(['y1'], 1)).rejects.toThrow(/session lost/);
    expect(await b.claim(['y1', 'y2'], 2)).toEqual([
      { siteId: 'y1', epoch: 2 },
      { siteId: 'y2', epoch: 2 },
    ]);
    expect(await b.aliveControllers()).not.toContain('dead-a');

    // Fencing: c holds z1; its owner row is moved to another epoch behind its back.
    const c = await session('fence-c');
    expect(await c.claim(['z1'], 1)).toEqual([{ siteId: 'z1', epoch: 1 }]);
    const admin2 = new pg.Client({ connectionString: server.url });
    await admin2.connect();
    await admin2.query("UPDATE site_owners SET controller_id = 'someone-else', epoch = epoch + 1 WHERE site_id = 'z1'");
    await admin2.end();
    expect(await c.fenced()).toEqual(['z1']);
    expect(c.owned().has('z1')).toBe(false);
  });

  it('refuses a controller id that is not a plain name', async () => {
    await expect(openSiteOwnership({ connectionString: server.url, controllerId: 'a b' })).rejects.toThrow(/controllerId/);
  });

  it('cluster rounds share the sites fairly, hand the excess to a newcomer and take a dead one’s sites', async () => {
    // Only these two controllers alive: the sessions of the tests above end first.
    await Promise.all(open.splice(0).map((s) => s.close()));
    const sites = Array.from({ length: 9 }, (_, i) => `c${i}`);
    const running = new Map<string, Set<string>>();
    const unitsOf = (id: string) => {
      const set = running.get(id) ?? new Set<string>();
      running.set(id, set);
      return set;
    };
    const mk = (id: string) =>
      startCluster({
        open: () => session(id),
        siteIds: sites,
        startSite: async (siteId): Promise<SiteUnit> => {
          unitsOf(id).add(siteId);
          return { stop: async () => void unitsOf(id).delete(siteId) };
        },
        log: silentLogger(),
        claimIntervalMs: 60_000, // rounds driven by the test
      });
    const one = mk('fair-1');
    await one.tick();
    await one.tick();
    expect(one.owned().sort()).toEqual(sites);
    const two = mk('fair-2');
    await two.tick(); // sees two controllers: share 5, nothing free yet
    await one.tick(); // gives back 4
    await two.tick(); // takes them
    expect(one.owned()).toHaveLength(5);
    expect(two.owned()).toHaveLength(4);
    expect(new Set([...one.owned(), ...two.owned()]).size).toBe(9);
    expect([...unitsOf('fair-1')].sort()).toEqual(one.owned().sort());
    // two stops (its session closes, as when a process dies): one takes everything back.
    await two.stop();
    await one.tick();
    expect(one.owned().sort()).toEqual(sites);
    expect(one.history().filter((c) => c.change === 'released')).toHaveLength(4);
    await one.stop();
    expect(unitsOf('fair-1').size).toBe(0);
  });
});
