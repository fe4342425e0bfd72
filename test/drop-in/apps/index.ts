import type { AppCase } from '../harness/app-case.js';
import { bufferingWrapperApp, livereloadApp } from './buffering.js';
import { multerApp, proxyApp, staticApp } from './files.js';
import { helmetApp, helmetNonceApp, morganApp, rateLimitApp, responseTimeApp } from './headers.js';
import { engineApps, reactApp } from './renderers.js';
import { cookieSessionApp, expressSessionApp, passportApp } from './sessions.js';

/** Every app of the drop-in matrix (docs/drop-in.md): add an app here. */
export const APPS: readonly AppCase[] = [
  expressSessionApp,
  cookieSessionApp,
  passportApp,
  helmetApp,
  helmetNonceApp,
  rateLimitApp,
  morganApp,
  responseTimeApp,
  staticApp,
  multerApp,
  proxyApp,
  ...engineApps,
  reactApp,
  livereloadApp,
  bufferingWrapperApp,
];
