import type { IdentifyMode } from '../config/types.js';

/** A user as the package sees it, whatever shape the app's auth gives. */
export interface PosthogUser {
  readonly id: string;
  readonly email?: string;
  readonly name?: string;
}

/** The `user_*` properties an identify mode allows (docs/observability.md, "`posthogUser(options?)`: user propagation"). */
export interface UserProperties {
  user_id?: string;
  user_email?: string;
  user_name?: string;
}

/** What reading a user gave: the user (or `undefined`, anonymous), or the error it threw. */
export type UserReading =
  | { readonly ok: true; readonly user: PosthogUser | undefined }
  | { readonly ok: false; readonly error: unknown };

/** The reading of a value that holds no user: one frozen object, not one per request. */
export const NO_USER: UserReading = Object.freeze({ ok: true, user: undefined });

/**
 * Users whose `id` is their email because the app's object had no `id` or
 * `user_id`. Identify mode `id` never sends those (it would send the email).
 */
const ID_FROM_EMAIL = new WeakSet<PosthogUser>();

/** Users {@link normalizeUser} made: frozen, text fields only. */
const NORMALISED = new WeakSet<PosthogUser>();

function text(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return String(value);
  return undefined;
}

function normalizeFields(raw: object): PosthogUser | undefined {
  const record = raw as Record<string, unknown>;
  const email = text(record.email);
  const ownId = text(record.id) ?? text(record.user_id);
  const id = ownId ?? email;
  if (id === undefined) return undefined;
  const name = text(record.name) ?? text(record.full_name) ?? text(record.displayName);
  const user: PosthogUser = Object.freeze({
    id,
    ...(email !== undefined ? { email } : {}),
    ...(name !== undefined ? { name } : {}),
  });
  NORMALISED.add(user);
  if (ownId === undefined) ID_FROM_EMAIL.add(user);
  return user;
}

/**
 * Reads and normalises a user like {@link normalizeUser}, and says when the
 * object threw while being read (a getter that throws, a Proxy trap, a
 * revoked Proxy), so the caller can warn once. Never throws.
 *
 * @example
 * const reading = readUserObject(req.user);
 * if (!reading.ok) warn(`the user object threw: ${reading.error}`);
 */
export function readUserObject(raw: unknown): UserReading {
  if (raw === null || typeof raw !== 'object') return NO_USER;
  try {
    return { ok: true, user: normalizeFields(raw) };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * Normalises whatever the app's auth put on the request (docs/observability.md,
 * "`posthogUser(options?)`: user propagation"): id from `id`, `user_id`, else `email`; name from `name`,
 * `full_name`, `displayName`. Returns `undefined` for anything without an id
 * (no user, an anonymous object) and for an object that throws when read.
 * Never throws.
 *
 * @example
 * normalizeUser({ user_id: 7, full_name: 'Ada' }); // { id: '7', name: 'Ada' }
 */
export function normalizeUser(value: unknown): PosthogUser | undefined {
  const reading = readUserObject(value);
  return reading.ok ? reading.user : undefined;
}

/**
 * A value as a user: a user {@link normalizeUser} made is returned as it is
 * (with what it knows about where its id came from); anything else — a plain
 * `{ id }` an app stored itself, a hostile object — is normalised. Never throws.
 *
 * @example
 * asPosthogUser({ user_id: 7 }); // { id: '7' }
 */
export function asPosthogUser(value: unknown): PosthogUser | undefined {
  if (typeof value === 'object' && value !== null && NORMALISED.has(value as PosthogUser)) {
    return value as PosthogUser;
  }
  return normalizeUser(value);
}

/**
 * True when the user's id is only their email (the app's object had no `id`
 * or `user_id`): identify mode `id` withholds such a user.
 */
export function isIdFromEmail(user: PosthogUser): boolean {
  return ID_FROM_EMAIL.has(user);
}

/**
 * The user as an identify mode may send them: `undefined` for mode `none`, and for mode `id`
 * without an own id.
 * @example
 * sendableUser({ id: 'a@x.io', email: 'a@x.io' }, 'id'); // undefined (an email-only id)
 */
export function sendableUser(
  user: PosthogUser | undefined,
  mode: IdentifyMode,
): PosthogUser | undefined {
  if (user === undefined || mode === 'none') return undefined;
  if (mode === 'id' && isIdFromEmail(user)) return undefined;
  return user;
}

/**
 * The user properties an identify mode allows: `none` → nothing; `id` →
 * `user_id` (nothing when the only id is the email); `email` → also
 * `user_email`; `full` → also `user_name`.
 *
 * @example
 * userProperties({ id: 'u1', email: 'a@x.io' }, 'id'); // { user_id: 'u1' }
 */
export function userProperties(user: PosthogUser | undefined, mode: IdentifyMode): UserProperties {
  const allowed = sendableUser(user, mode);
  if (allowed === undefined) return {};
  const props: UserProperties = { user_id: allowed.id };
  if ((mode === 'email' || mode === 'full') && allowed.email !== undefined)
    props.user_email = allowed.email;
  if (mode === 'full' && allowed.name !== undefined) props.user_name = allowed.name;
  return props;
}

/**
 * The distinct id a user may be sent under: their id, unless the mode is
 * `none` (no user identity leaves the server) or `id` and the only id is the
 * email (the user is withheld rather than identified by email).
 *
 * @example
 * userDistinctId({ id: 'a@x.io', email: 'a@x.io' }, 'id'); // undefined
 */
export function userDistinctId(
  user: PosthogUser | undefined,
  mode: IdentifyMode,
): string | undefined {
  return sendableUser(user, mode)?.id;
}
