import { describe, expect, it } from 'vitest';
import { isHtmlEssence, isHtmlType, namesHtmlType } from '../../../src/core/http/media-type.js';

describe('the page media types', () => {
  it('are text/html and application/xhtml+xml, for a Content-Type and an Accept', () => {
    expect(isHtmlType('text/html; charset=utf-8')).toBe(true);
    expect(isHtmlType(' Application/XHTML+XML')).toBe(true);
    expect(isHtmlType('text/htmlx')).toBe(false);
    expect(isHtmlType(undefined)).toBe(false);
    expect(isHtmlEssence('application/xhtml+xml')).toBe(true);
    expect(isHtmlEssence('text/plain')).toBe(false);
    expect(namesHtmlType('text/html,application/xhtml+xml,*/*;q=0.8')).toBe(true);
    expect(namesHtmlType('application/xhtml+xml')).toBe(true);
    expect(namesHtmlType('*/*')).toBe(false);
  });
});
