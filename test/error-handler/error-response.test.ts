import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/core/escape/escape.js';
import {
  debugDetails,
  errorCode,
  errorHtml,
  errorJson,
  errorStatus,
} from '../../src/error-handler/error-response.js';

describe('errorStatus', () => {
  it.each<[string, unknown, number]>([
    ['a plain error', new Error('x'), 500],
    ['a thrown string', 'boom', 500],
    ['null', null, 500],
    ['status 404', { status: 404 }, 404],
    ['statusCode 400', { statusCode: 400 }, 400],
    ['status over statusCode', { status: 409, statusCode: 400 }, 409],
    ['a 5xx status', { status: 503 }, 503],
    ['a numeric string', { status: '429' }, 429],
    ['a 3xx status', { status: 302 }, 500],
    ['a 2xx status', { status: 200 }, 500],
    ['a status past 599', { status: 600 }, 500],
    ['a fractional status', { status: 404.5 }, 500],
    ['a bad status, a good statusCode', { status: 'x', statusCode: 422 }, 422],
  ])('gives %s → %i', (_what, error, status) => {
    expect(errorStatus(error)).toBe(status);
  });
});

describe('errorCode', () => {
  it.each([
    [500, 'internal_error'],
    [400, 'bad_request'],
    [404, 'not_found'],
    [405, 'method_not_allowed'],
    [418, 'i_m_a_teapot'],
    [503, 'service_unavailable'],
    [599, 'error'],
  ])('%i → %s', (status, code) => {
    expect(errorCode(status)).toBe(code);
  });
});

describe('error bodies', () => {
  const debug = debugDetails(new Error('<b>"boom"</b> & \'more\''));

  it('JSON carries the code and the request id (null when unknown), no detail', () => {
    expect(JSON.parse(errorJson({ status: 500, requestId: 'r-1' }))).toEqual({
      error: 'internal_error',
      request_id: 'r-1',
    });
    expect(JSON.parse(errorJson({ status: 400, requestId: undefined }))).toEqual({
      error: 'bad_request',
      request_id: null,
    });
  });

  it('JSON carries name, message and stack only with debug details', () => {
    const body = JSON.parse(errorJson({ status: 500, requestId: undefined, debug }));
    expect(body).toMatchObject({ name: 'Error', message: debug.message });
    expect(body.stack).toContain('\n    at ');
  });

  it('HTML is a full document with the status, and escapes everything dynamic', () => {
    const page = errorHtml({ status: 500, requestId: '<id>' });
    expect(page).toMatch(/^<!DOCTYPE html>\n<html lang="en">\n<head>[\s\S]*<\/head>\n<body>/);
    expect(page).toContain('<title>500 Internal Server Error</title>');
    expect(page).toContain('<code>&lt;id&gt;</code>');
    expect(page).not.toContain('<pre>');
    const debugPage = errorHtml({ status: 500, requestId: undefined, debug });
    expect(debugPage).toContain(
      'Error: &lt;b&gt;&quot;boom&quot;&lt;/b&gt; &amp; &#39;more&#39;</h2><pre>Error: &lt;b&gt;',
    );
    expect(debugPage).not.toContain('<b>');
  });

  it('debug details of a non-error say what was thrown', () => {
    expect(debugDetails('oops')).toEqual({ name: 'string', message: 'oops', stack: undefined });
  });

  it('escapeHtml escapes the five HTML specials', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
  });
});
