import { CLIENT_ROLES, openPgRegistry, openRegistry, type ClientRole, type Registry } from '../store/index.js';

export interface ClientsCommand {
  readonly sub: string | undefined;
  readonly args: readonly string[];
  readonly role?: string;
  readonly site?: string;
  readonly json: boolean;
  /** $VPP_DATA_DIR or ./data: the same directory `npm start` uses. */
  readonly dataDir: string;
}

/**
 * `vpp clients add|list|disable`: API credentials in the registry. The secret is printed once,
 * by `add`, and exists nowhere afterwards (only its hash is stored). Exit 2 on bad arguments.
 */
export async function runClients(cmd: ClientsCommand): Promise<number> {
  switch (cmd.sub) {
    case 'add': {
      if (cmd.args.length > 0) return bad(`clients add takes no positional arguments, got ${JSON.stringify(cmd.args)}`);
      const role = CLIENT_ROLES.find((r) => r === cmd.role);
      if (role === undefined) return bad(`--role must be one of ${CLIENT_ROLES.join(', ')}, got ${JSON.stringify(cmd.role)}`);
      if (role === 'site' && (cmd.site === undefined || cmd.site === '')) return bad('--site ID is required with --role site');
      if (role !== 'site' && cmd.site !== undefined) return bad(`--site is only for --role site, got --role ${role}`);
      return withRegistry(cmd.dataDir, async (registry) => {
        const c = await registry.clients.add({ role: role as ClientRole, siteId: cmd.site ?? null });
        if (cmd.json) {
          process.stdout.write(`${JSON.stringify({ clientId: c.clientId, clientSecret: c.clientSecret })}\n`);
        } else {
          process.stdout.write(`clientId:     ${c.clientId}\nclientSecret: ${c.clientSecret}\n`);
          process.stderr.write(`Role ${c.role}${c.siteId !== null ? ` for site ${c.siteId}` : ''}. Store the secret now: it is shown only this once and cannot be recovered.\n`);
        }
        return 0;
      });
    }
    case 'list': {
      if (cmd.args.length > 0 || cmd.role !== undefined || cmd.site !== undefined) return bad('expected: vpp clients list [--json]');
      return withRegistry(cmd.dataDir, async (registry) => {
        const clients = (await registry.clients.list()).map((c) => ({
          clientId: c.clientId,
          role: c.role,
          siteId: c.siteId,
          createdAt: new Date(c.createdAtMs).toISOString(),
          disabled: c.disabled,
        }));
        if (cmd.json) process.stdout.write(`${JSON.stringify(clients)}\n`);
        else for (const c of clients) process.stdout.write(`${c.clientId}\t${c.role}\t${c.siteId ?? '-'}\t${c.createdAt}${c.disabled ? '\tdisabled' : ''}\n`);
        return 0;
      });
    }
    case 'disable': {
      const [id, ...extra] = cmd.args;
      if (id === undefined || extra.length > 0 || cmd.role !== undefined || cmd.site !== undefined) return bad('expected: vpp clients disable ID');
      return withRegistry(cmd.dataDir, async (registry) => {
        if (!(await registry.clients.disable(id))) {
          process.stderr.write(`vpp: no client '${id}' in ${registry.file}\n`);
          return 2;
        }
        if (cmd.json) process.stdout.write(`${JSON.stringify({ clientId: id, disabled: true })}\n`);
        else process.stdout.write(`${id} disabled\n`);
        return 0;
      });
    }
    default:
      return bad(`expected: vpp clients add|list|disable, got ${JSON.stringify(cmd.sub ?? '')}`);
  }
}

/** The cluster's registry in PostgreSQL when VPP_POSTGRES_URL is set (as `vpp start` reads it), else the data dir's. */
async function withRegistry(dataDir: string, fn: (registry: Registry) => Promise<number>): Promise<number> {
  const url = process.env.VPP_POSTGRES_URL;
  const registry = url !== undefined && url !== '' ? await openPgRegistry({ url }) : openRegistry({ dataDir });
  try {
    return await fn(registry);
  } finally {
    await registry.close();
  }
}

function bad(problem: string): number {
  process.stderr.write(`vpp: ${problem}\n`);
  return 2;
}
