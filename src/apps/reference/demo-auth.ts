import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import cookieParser from 'cookie-parser';
import express, { type Request, type Response, type Router } from 'express';

/** The demo user kept in the signed cookie. */
export interface DemoUser {
  readonly id: string;
  readonly email: string;
  readonly name: string;
}

const COOKIE = 'demo_user';
const MAX_FIELD = 200;

function sign(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/** `base64url(JSON).signature`, for the cookie. */
export function encodeUserCookie(user: DemoUser, secret: string): string {
  const payload = Buffer.from(JSON.stringify(user)).toString('base64url');
  return `${payload}.${sign(payload, secret)}`;
}

/** The user in a cookie value, or `undefined` when it is missing, forged or malformed. */
export function decodeUserCookie(value: string | undefined, secret: string): DemoUser | undefined {
  if (!value) return undefined;
  const [payload, signature, extra] = value.split('.');
  if (!payload || !signature || extra !== undefined) return undefined;
  const expected = Buffer.from(sign(payload, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    const user = JSON.parse(
      Buffer.from(payload, 'base64url').toString('utf8'),
    ) as Partial<DemoUser>;
    if (
      typeof user.id !== 'string' ||
      typeof user.email !== 'string' ||
      typeof user.name !== 'string'
    ) {
      return undefined;
    }
    return { id: user.id, email: user.email, name: user.name };
  } catch {
    return undefined;
  }
}

/** The demo cookie as cookie-parser read it: a malformed value (`%E0%A4%A`) stays text, never throws. */
function readCookie(req: Request, name: string): string | undefined {
  const value = (req.cookies as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

function field(value: unknown): string {
  return typeof value === 'string' ? value.trim().slice(0, MAX_FIELD) : '';
}

/** Options of {@link demoAuth}. */
export interface DemoAuthOptions {
  /** Signs the cookie. @default a random secret per process (logins end on restart) */
  readonly secret?: string;
}

/**
 * Demo sign-in for the reference app: any name and email, kept in a signed,
 * HTTP-only cookie; sets `req.user`. Serves `GET /login` (the form, rendered from
 * `app/login.njk`), `POST /login` and `POST /logout`. Never for production.
 */
export function demoAuth({
  secret = randomBytes(32).toString('hex'),
}: DemoAuthOptions = {}): Router {
  const router = express.Router();
  // cookie-parser (the `cookie` package) decodes each value safely; an app's own
  // cookie-parser, mounted earlier, is reused as it is.
  router.use(cookieParser());
  router.use(function demoAuthUser(req: Request, _res: Response, next) {
    const user = decodeUserCookie(readCookie(req, COOKIE), secret);
    if (user) (req as Request & { user?: DemoUser }).user = user;
    next();
  });
  router.get('/login', function demoLoginForm(_req, res) {
    res.render('app/login.njk');
  });
  router.post(
    '/login',
    express.urlencoded({ extended: false, limit: '4kb' }),
    function demoLogin(req, res) {
      const name = field(req.body?.name);
      const email = field(req.body?.email);
      if (!name || !/^[^\s@]+@[^\s@]+$/.test(email)) {
        res.status(400).render('app/login.njk', { error: 'Give a name and an email address.' });
        return;
      }
      const cookie = encodeUserCookie({ id: email.toLowerCase(), email, name }, secret);
      const secure = req.secure ? '; Secure' : '';
      res.setHeader('Set-Cookie', `${COOKIE}=${cookie}; Path=/; HttpOnly; SameSite=Lax${secure}`);
      res.redirect(303, '/');
    },
  );
  router.post('/logout', function demoLogout(_req, res) {
    res.setHeader('Set-Cookie', `${COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
    res.redirect(303, '/');
  });
  return router;
}
