import type { IdentifyMode } from '../config/types.js';

/** A user as the package sees it, whatever shape the app's auth gives. */
export interface PosthogUser {
  readonly id: string;
  readonly email?: string;
  readonly name?: string;
}

/** The `user_*` properties an identify mode allows (SPEC §3). */
export interface UserProperties {
  user_id?: string;
  user_email?: string;
  user_name?: string;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return String(value);
  return undefined;
}

/**
 * Normalises whatever the app's auth put on the request (SPEC §7): id from
 * `id`, `user_id`, else `email`; name from `name`, `full_name`, `displayName`.
 * Returns `undefined` for anything without an id (no user, an anonymous object).
 */
export function normalizeUser(raw: unknown): PosthogUser | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const record = raw as Record<string, unknown>;
  const email = text(record.email);
  const id = text(record.id) ?? text(record.user_id) ?? email;
  if (id === undefined) return undefined;
  const name = text(record.name) ?? text(record.full_name) ?? text(record.displayName);
  return {
    id,
    ...(email !== undefined ? { email } : {}),
    ...(name !== undefined ? { name } : {}),
  };
}

/**
 * The user properties an identify mode allows: `none` → nothing; `id` →
 * `user_id`; `email` → also `user_email`; `full` → also `user_name`.
 */
export function userProperties(user: PosthogUser | undefined, mode: IdentifyMode): UserProperties {
  if (user === undefined || mode === 'none') return {};
  const props: UserProperties = { user_id: user.id };
  if ((mode === 'email' || mode === 'full') && user.email !== undefined)
    props.user_email = user.email;
  if (mode === 'full' && user.name !== undefined) props.user_name = user.name;
  return props;
}

/**
 * The distinct id a user may be sent under: their id, unless the mode is
 * `none`, where no user identity leaves the server at all.
 */
export function userDistinctId(
  user: PosthogUser | undefined,
  mode: IdentifyMode,
): string | undefined {
  return mode === 'none' ? undefined : user?.id;
}
