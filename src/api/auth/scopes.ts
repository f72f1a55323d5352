import type { ClientRole } from '../../store/index.js';

/** OpenADR 3.0.1's OAuth2 scopes (openadr3.yaml, securitySchemes.oAuth2ClientCredentials). */
export const SCOPES = ['read_all', 'write_programs', 'write_events', 'write_reports', 'write_subscriptions', 'write_vens'] as const;
export type Scope = (typeof SCOPES)[number];

/*
 * Roles onto OpenADR's scopes: the operator is OpenADR's business logic (BL: programs,
 * events), a site is a VEN (reports; its own ven and resources), a viewer only reads. A site's
 * read_all and write_vens are narrowed to its own site by requireSiteAccess.
 */
const ROLE_SCOPES: Readonly<Record<ClientRole, readonly Scope[]>> = {
  operator: ['read_all', 'write_programs', 'write_events', 'write_subscriptions', 'write_vens'],
  site: ['read_all', 'write_reports', 'write_subscriptions', 'write_vens'],
  viewer: ['read_all'],
};

export function roleScopes(role: ClientRole): readonly Scope[] {
  return ROLE_SCOPES[role];
}

export function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s);
}

/** Who is calling, from a valid bearer token; null on requests without one. */
export interface Principal {
  readonly clientId: string;
  readonly role: ClientRole;
  /** The only site a `site` client may see or change; null for operator and viewer. */
  readonly siteId: string | null;
  readonly scopes: readonly Scope[];
}
