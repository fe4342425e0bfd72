import {
  type PosthogUser,
  type UserProperties,
  userDistinctId,
  userProperties,
} from '../core/attribution/user.js';
import type { IdentifyMode } from '../core/config/types.js';

/** Server-evaluated flags to bootstrap in the browser, keyed by flag. */
export type BootstrapFlags = Readonly<Record<string, boolean | string>>;

/**
 * What the snippet tells the browser about who is looking (docs/observability.md, "What the snippet does in the browser"):
 * - `anonymous`: a visitor with no user; a browser identified as someone is reset;
 * - `user`: a logged-in user, with the properties the mode allows;
 * - `withheld`: a page a shared cache may store, or mode `none`: change nothing.
 */
export type SnippetIdentity =
  | { readonly state: 'anonymous'; readonly flags?: BootstrapFlags }
  | {
      readonly state: 'user';
      readonly id: string;
      readonly props: UserProperties;
      readonly flags?: BootstrapFlags;
    }
  | { readonly state: 'withheld' };

/** The identity of a page that a shared cache may hand to anyone. */
export const WITHHELD: SnippetIdentity = Object.freeze({ state: 'withheld' });
/** The identity of a page served to a visitor with no user. */
export const ANONYMOUS: SnippetIdentity = Object.freeze({ state: 'anonymous' });

/**
 * Decides the identity block of one response.
 *
 * @param user - the request's user, if any.
 * @param mode - the identify mode.
 * @param sharedCacheable - the response is `public` or has `s-maxage`: a shared cache may
 *   give it to anyone, so it carries no user data and no reset, and no per-user flags. The
 *   snippet also passes true for a user whose consent forbids an identity (`pageMayCarryIdentity`).
 * @param flags - server-evaluated flags for this user, to bootstrap.
 */
export function snippetIdentity(
  user: PosthogUser | undefined,
  mode: IdentifyMode,
  sharedCacheable: boolean,
  flags?: BootstrapFlags,
): SnippetIdentity {
  if (sharedCacheable) return WITHHELD;
  const id = userDistinctId(user, mode);
  if (user !== undefined && id === undefined) return WITHHELD;
  const withFlags = flags && Object.keys(flags).length > 0 ? { flags } : {};
  if (id === undefined)
    return Object.keys(withFlags).length ? { state: 'anonymous', ...withFlags } : ANONYMOUS;
  return { state: 'user', id, props: userProperties(user, mode), ...withFlags };
}
