import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { addVary } from '../../../src/core/http/vary.js';

const response = (vary?: string | string[]) => {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  if (vary !== undefined) res.setHeader('Vary', vary);
  return res;
};

describe('addVary', () => {
  it('adds the field, keeping what is there', () => {
    const res = response('Accept-Encoding');
    addVary(res, 'Accept');
    expect(res.getHeader('Vary')).toBe('Accept-Encoding, Accept');
    const empty = response();
    addVary(empty, 'Origin');
    expect(empty.getHeader('Vary')).toBe('Origin');
    const list = response(['Cookie', 'Accept-Language']);
    addVary(list, 'Accept');
    expect(list.getHeader('Vary')).toBe('Cookie, Accept-Language, Accept');
  });

  it('changes nothing when the field is named already, in any case, or Vary is *', () => {
    for (const vary of ['accept', 'Origin, ACCEPT', '*']) {
      const res = response(vary);
      addVary(res, 'Accept');
      expect(res.getHeader('Vary')).toBe(vary);
    }
  });
});
