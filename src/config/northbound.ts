import Type, { type Static } from 'typebox';

/**
 * `northbound:` — this controller acts as an OpenADR 3.0.1 VEN toward an upstream utility VTN
 * (issue 7, item 4). Checked here beyond the schema: exactly one of clientSecret and
 * clientSecretEnv, the variable set, and every mapped site configured.
 */
export const NorthboundSchema = Type.Object(
  {
    /** The VTN's OpenADR base URL, e.g. https://vtn.example.com/openadr3/3.0.1 or http://host:8080/api/v1. */
    vtnUrl: Type.String({ pattern: '^https?://[^\\s]+$' }),
    /** OAuth2 client-credentials token URL; default vtnUrl + /auth/token. */
    tokenUrl: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$' })),
    clientId: Type.String({ minLength: 1, maxLength: 4096 }),
    clientSecret: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    /** Name of an environment variable holding the secret (keeps it out of the file). */
    clientSecretEnv: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' })),
    /** Our VEN's name at the VTN: reports carry it as clientName. */
    venName: Type.String({ minLength: 1, maxLength: 128 }),
    /** Poll period, s; default 30. */
    pollS: Type.Optional(Type.Number({ minimum: 0.05, maximum: 3600 })),
    /** Per-request timeout, s; default 10. */
    timeoutS: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 300 })),
    /** Only mirror these upstream programs (by programName); default all the VTN shows us. */
    programNames: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1 })),
    /** Our sites an upstream event addressed to our VEN applies to; default all configured sites. */
    sites: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    /** Also subscribe (OpenADR webhooks): a notification triggers a poll at once. */
    subscribe: Type.Optional(
      Type.Object(
        {
          /** Where our callback listens; default 127.0.0.1 (0.0.0.0 to take calls from another host). */
          listenHost: Type.Optional(Type.String({ minLength: 1 })),
          listenPort: Type.Integer({ minimum: 0, maximum: 65535 }),
          /** The URL the VTN calls (behind a proxy, say); default http://listenHost:listenPort/northbound/notify. */
          callbackUrl: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type NorthboundEntry = Static<typeof NorthboundSchema>;

/** The validated, defaulted `northbound:` section. */
export interface NorthboundConfig {
  readonly vtnUrl: string;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly venName: string;
  readonly pollS: number;
  readonly timeoutS: number;
  /** null: every program the VTN shows us. */
  readonly programNames: readonly string[] | null;
  readonly siteIds: readonly string[];
  /** Absent: poll only. */
  readonly subscribe?: { readonly listenHost: string; readonly listenPort: number; readonly callbackUrl: string | null };
}

/** Builds the section once the schema passed; pushes a problem naming the field for what the schema cannot say. */
// `problems` is typed structurally: importing ConfigProblem from types.ts would make an import cycle.
export function buildNorthbound(n: NorthboundEntry | undefined, siteIds: readonly string[], env: NodeJS.ProcessEnv, problems: Array<{ path: string; message: string }>): NorthboundConfig | undefined {
  if (n === undefined) return undefined;
  const base = n.vtnUrl.replace(/\/+$/, '');
  let secret = n.clientSecret;
  if (n.clientSecret !== undefined && n.clientSecretEnv !== undefined) {
    problems.push({ path: 'northbound.clientSecretEnv', message: 'give clientSecret or clientSecretEnv, not both' });
  } else if (n.clientSecretEnv !== undefined) {
    secret = env[n.clientSecretEnv];
    if (secret === undefined || secret === '') problems.push({ path: 'northbound.clientSecretEnv', message: `environment variable ${n.clientSecretEnv} is not set` });
  } else if (n.clientSecret === undefined) {
    problems.push({ path: 'northbound.clientSecret', message: 'is required (or clientSecretEnv naming an environment variable)' });
  }
  const known = new Set(siteIds);
  (n.sites ?? []).forEach((id, i) => {
    if (!known.has(id)) problems.push({ path: `northbound.sites[${i}]`, message: `no configured site ${JSON.stringify(id)} (sites: ${siteIds.join(', ')})` });
  });
  return {
    vtnUrl: base,
    tokenUrl: n.tokenUrl ?? `${base}/auth/token`,
    clientId: n.clientId,
    clientSecret: secret ?? '',
    venName: n.venName,
    pollS: n.pollS ?? 30,
    timeoutS: n.timeoutS ?? 10,
    programNames: n.programNames ?? null,
    siteIds: n.sites ?? siteIds,
    ...(n.subscribe === undefined ? {} : { subscribe: { listenHost: n.subscribe.listenHost ?? '127.0.0.1', listenPort: n.subscribe.listenPort, callbackUrl: n.subscribe.callbackUrl ?? null } }),
  };
}
