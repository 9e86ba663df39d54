/**
 * GitHub members (CC6.1, CC6.2), one org per scope: what the collector declares and the data
 * its snapshots hold (its code: collector.ts).
 */
import { GITHUB_SECRET_VARIABLES, type GitHubScope, githubScopes } from '../github/declaration.js';
import type { Collector } from '../types.js';

export interface GitHubMember {
  login: string;
  /** ADMIN (owner) or MEMBER; null when GitHub did not say. */
  role: string | null;
  /** Whether the member has two-factor authentication on; null when the credentials cannot see it (only owners can). */
  twoFactorEnabled: boolean | null;
  /** The IdP's name id of the member's linked SAML identity; null when none is linked (or the org has no SAML SSO). */
  samlNameId: string | null;
}

export interface GitHubSamlIdentity {
  /** The IdP's name id (for Okta: the user's login or e-mail, as the SAML app sends it). */
  nameId: string | null;
  /** The SAML `username` attribute, when the IdP sends one. */
  username: string | null;
  /** The GitHub login linked to it; null when no GitHub account is linked. */
  login: string | null;
}

export interface GitHubOutsideCollaborator {
  login: string;
  /** Every repository of the org the collaborator was added to, with the permission there. */
  repositories: { repository: string; permission: string }[];
}

export interface GitHubMembersData {
  org: string;
  apiUrl: string;
  /** null when the credentials cannot see it (only organization owners can). */
  requiresTwoFactorAuthentication: boolean | null;
  /** Members GitHub reports for the org, and whether the list was read to the end. */
  totalMembers: number;
  membersComplete: boolean;
  members: GitHubMember[];
  /**
   * The org's SAML single sign-on: null when the org does not use it (or the credentials
   * cannot see it); else every external identity, linked or not.
   */
  saml: { ssoUrl: string | null; complete: boolean; identities: GitHubSamlIdentity[] } | null;
  /** Outside collaborators (not members) on any of the org's repositories, archived ones included. */
  outsideCollaborators: GitHubOutsideCollaborator[];
  /** False when some repository's collaborators could not be read (the snapshot is then partial). */
  outsideCollaboratorsComplete: boolean;
  /** Repositories whose collaborators were read. */
  repositories: number;
  /** GraphQL points spent and left after the last request. */
  rateLimit: { cost: number; remaining: number | null; resetAt: string | null };
}

export const githubMembers: Collector<GitHubScope, GitHubMembersData> = {
  id: 'github-members',
  source: 'github',
  controls: ['CC6.1', 'CC6.2'],
  scopePattern: 'github-<org>',
  secrets: GITHUB_SECRET_VARIABLES,
  description:
    "every organization member with role, two-factor status and linked SAML identity, the org's 2FA requirement, and every outside collaborator with repositories and permission",
  scopes: githubScopes,
};

export default githubMembers;
