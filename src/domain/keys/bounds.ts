import type { Scope } from '../../ports/key-store.js';
import type { RateTier } from '../../profiles.js';
import type { Principal } from './key-service.js';

/** What a key may do: the dimensions an admin key bounds the keys it mints and manages by. */
export interface KeyGrant {
  scopes: readonly Scope[];
  rateTier: RateTier;
  /** `null` means every site. */
  siteAllowlist: readonly string[] | null;
  /** `null` means the key never expires. */
  expiresAt: Date | null;
}

/** True when a tier never allows more than another one (every rate class's limit is at most its limit). */
export type TierWithin = (tier: RateTier, bound: RateTier) => boolean;

/**
 * An unrestricted admin holds the `admin` scope with no site list (the bootstrap key, the control socket):
 * the root of trust, bounded by nothing. Only such a key mints or manages admin keys.
 */
export function isUnrestrictedAdmin(principal: Principal): boolean {
  return principal.siteAllowlist === null && principal.scopes.includes('admin');
}

/**
 * Why `grant` exceeds what `creator` may give (empty when within bounds): scopes, sites, tier and lifetime
 * must all be within the creator's own; the `admin` scope only from an unrestricted admin.
 */
export function grantViolations(creator: Principal, grant: KeyGrant, tierWithin: TierWithin): string[] {
  if (isUnrestrictedAdmin(creator)) return [];
  const violations: string[] = [];
  const extraScopes = grant.scopes.filter((scope) => !creator.scopes.includes(scope));
  if (extraScopes.length > 0) violations.push(`scopes beyond this key's: ${extraScopes.join(', ')}`);
  if (grant.scopes.includes('admin'))
    violations.push('only an unrestricted admin key may grant the admin scope');
  if (creator.siteAllowlist !== null) {
    const allowed = creator.siteAllowlist;
    if (grant.siteAllowlist === null) violations.push(`sites must be a subset of ${allowed.join(', ')}`);
    else {
      const extraSites = grant.siteAllowlist.filter((site) => !allowed.includes(site));
      if (extraSites.length > 0) violations.push(`sites beyond this key's: ${extraSites.join(', ')}`);
    }
  }
  if (!tierWithin(grant.rateTier, creator.rateTier))
    violations.push(`rate tier ${grant.rateTier} exceeds this key's ${creator.rateTier}`);
  const creatorExpiry = creator.expiresAt ?? null;
  if (creatorExpiry !== null && (grant.expiresAt === null || grant.expiresAt > creatorExpiry))
    violations.push(`the key must expire by ${creatorExpiry.toISOString()}`);
  return violations;
}

/**
 * True when `manager` may see, revoke or rotate the key `grant`: an unrestricted admin manages every key;
 * a restricted one only non-admin keys within its own scopes, sites and tier.
 */
export function mayManage(
  manager: Principal,
  grant: Omit<KeyGrant, 'expiresAt'>,
  tierWithin: TierWithin,
): boolean {
  if (isUnrestrictedAdmin(manager)) return true;
  if (grant.scopes.includes('admin')) return false;
  return (
    grantViolations(manager, { ...grant, expiresAt: manager.expiresAt ?? null }, tierWithin).length === 0
  );
}
