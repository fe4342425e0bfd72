import { describe, expect, it } from 'vitest';
import { isHtmlEssence, isHtmlType } from '../../../src/core/http/media-type.js';

describe('the page media types', () => {
  it('are text/html and application/xhtml+xml, for a Content-Type', () => {
    expect(isHtmlType('text/html; charset=utf-8')).toBe(true);
    expect(isHtmlType(' Application/XHTML+XML')).toBe(true);
    expect(isHtmlType('text/htmlx')).toBe(false);
    expect(isHtmlType(undefined)).toBe(false);
    expect(isHtmlEssence('application/xhtml+xml')).toBe(true);
    expect(isHtmlEssence('text/plain')).toBe(false);
  });
});
