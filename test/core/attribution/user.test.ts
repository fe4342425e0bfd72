import { describe, expect, it } from 'vitest';
import { browserIds, requestProperties } from '../../../src/core/attribution/request-info.js';
import { getRequestUser, setRequestUser } from '../../../src/core/attribution/request-user.js';
import {
  normalizeUser,
  userDistinctId,
  userProperties,
} from '../../../src/core/attribution/user.js';

describe('normalizeUser', () => {
  it.each([
    [
      { id: 7, email: 'a@x.io', name: 'A' },
      { id: '7', email: 'a@x.io', name: 'A' },
    ],
    [
      { user_id: 'u1', full_name: 'Full' },
      { id: 'u1', name: 'Full' },
    ],
    [
      { email: 'only@x.io', displayName: 'Disp' },
      { id: 'only@x.io', email: 'only@x.io', name: 'Disp' },
    ],
    [
      { id: '  ', email: ' e@x.io ' },
      { id: 'e@x.io', email: 'e@x.io' },
    ],
  ])('normalises %j to %j', (raw, expected) => {
    expect(normalizeUser(raw)).toEqual(expected);
  });

  it.each([[undefined], [null], ['ada'], [{}], [{ name: 'no id' }], [{ id: {} }]])(
    'treats %j as no user',
    (raw) => {
      expect(normalizeUser(raw)).toBeUndefined();
    },
  );
});

describe('userProperties and userDistinctId', () => {
  const user = { id: 'u1', email: 'a@x.io', name: 'Ada' };
  it('gives each identify mode exactly its properties', () => {
    expect(userProperties(user, 'none')).toEqual({});
    expect(userProperties(user, 'id')).toEqual({ user_id: 'u1' });
    expect(userProperties(user, 'email')).toEqual({ user_id: 'u1', user_email: 'a@x.io' });
    expect(userProperties(user, 'full')).toEqual({
      user_id: 'u1',
      user_email: 'a@x.io',
      user_name: 'Ada',
    });
    expect(userProperties(undefined, 'full')).toEqual({});
  });

  it('sends no user distinct id in mode none', () => {
    expect(userDistinctId(user, 'none')).toBeUndefined();
    expect(userDistinctId(user, 'id')).toBe('u1');
  });
});

describe('request helpers', () => {
  it('reads path, method and request id, preferring req.id over X-Request-Id', () => {
    expect(
      requestProperties({
        method: 'GET',
        url: '/a?b=1',
        headers: { 'x-request-id': 'hdr' },
        id: 'own',
      }),
    ).toEqual({ path: '/a', method: 'GET', request_id: 'own' });
    expect(
      requestProperties({ method: 'GET', url: '/a', headers: { 'x-request-id': 'hdr' } }),
    ).toEqual({
      path: '/a',
      method: 'GET',
      request_id: 'hdr',
    });
  });

  it('reads only id-shaped tracing headers', () => {
    expect(
      browserIds({ 'x-posthog-session-id': '0190-ab', 'x-posthog-distinct-id': 'a b <c>' }),
    ).toEqual({
      sessionId: '0190-ab',
    });
  });

  it('prefers the user posthogUser stored, and remembers an explicit anonymous', () => {
    const req = { user: { id: 'from-auth' } };
    expect(getRequestUser(req)?.id).toBe('from-auth');
    setRequestUser(req, { id: 'stored' });
    expect(getRequestUser(req)?.id).toBe('stored');
    setRequestUser(req, undefined);
    expect(getRequestUser(req)).toBeUndefined();
  });
});
