import { describe, expect, it } from 'vitest';
import {
  getRequestUser,
  keepOrSetRequestUser,
  readAppUser,
  setRequestUser,
} from '../../../src/core/attribution/request-user.js';

const LOCALS_USER = { id: 'u-locals', email: 'grace@example.com' };

/** A request as Express builds it: `req.res.locals` is the response's locals. */
function requestWith(user: unknown, localsUser?: unknown): object {
  return { user, res: { locals: localsUser === undefined ? {} : { user: localsUser } } };
}

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({ id: 'gone' }, {});
  revoke();
  return proxy;
}

describe('readAppUser and getRequestUser', () => {
  it.each([
    ['an empty object', {}],
    ['an object without id or email', { name: 'Nobody' }],
    ['null', null],
    ['a string', 'ada'],
  ])('take res.locals.user when req.user is %s', (_what, user) => {
    const req = requestWith(user, LOCALS_USER);
    expect(readAppUser(req)).toEqual({ ok: true, user: LOCALS_USER });
    expect(getRequestUser(req)).toEqual(LOCALS_USER);
  });

  it('are anonymous when req.user = {} and res.locals.user is not set', () => {
    const req = requestWith({});
    expect(readAppUser(req)).toEqual({ ok: true, user: undefined });
    expect(getRequestUser(req)).toBeUndefined();
  });

  it('prefer req.user when it is a user', () => {
    const req = requestWith({ user_id: 7 }, LOCALS_USER);
    expect(getRequestUser(req)).toEqual({ id: '7' });
  });

  it('make the request anonymous when req.user throws when read, whatever res.locals.user says', () => {
    const req = requestWith(revokedProxy(), LOCALS_USER);
    const reading = readAppUser(req);
    expect(reading.ok).toBe(false);
    expect(getRequestUser(req)).toBeUndefined();
    const throwingReq = Object.defineProperty({ res: { locals: { user: LOCALS_USER } } }, 'user', {
      get() {
        throw new Error('lazy user');
      },
    });
    expect(readAppUser(throwingReq)).toMatchObject({ ok: false });
    expect(getRequestUser(throwingReq)).toBeUndefined();
  });

  it('read the response given over req.res', () => {
    const req = requestWith({});
    expect(readAppUser(req, { locals: { user: LOCALS_USER } })).toEqual({
      ok: true,
      user: LOCALS_USER,
    });
  });
});

describe('keepOrSetRequestUser', () => {
  it('keeps the user already stored', () => {
    const req = requestWith(undefined);
    setRequestUser(req, { id: 'resolved' });
    keepOrSetRequestUser(req, { id: 'other' });
    expect(getRequestUser(req)).toEqual({ id: 'resolved' });
  });

  it('stores the user when none was resolved, or the request was resolved anonymous', () => {
    const fresh = requestWith(undefined);
    keepOrSetRequestUser(fresh, { id: 'found' });
    expect(getRequestUser(fresh)).toEqual({ id: 'found' });
    const anonymous = requestWith(undefined);
    setRequestUser(anonymous, undefined);
    keepOrSetRequestUser(anonymous, { id: 'found' });
    expect(getRequestUser(anonymous)).toEqual({ id: 'found' });
    keepOrSetRequestUser(anonymous, undefined);
    expect(getRequestUser(anonymous)).toEqual({ id: 'found' });
  });
});
