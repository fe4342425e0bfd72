/** A small full HTML page. */
export const PAGE =
  '<!DOCTYPE html><html><head><title>Hi</title></head><body><h1>Hello</h1></body></html>';

/** How many times the snippet's marker appears in `text`. */
export function snippetCount(text: string): number {
  return text.split('data-express-posthog').length - 1;
}

/** The identity JSON the snippet carries (the boot tag's attribute, or the inline code), parsed. */
export function snippetIdentityOf(text: string): Record<string, unknown> | undefined {
  const tag = /<script data-express-posthog='([^']*)'/.exec(text);
  if (tag?.[1] !== undefined) {
    return JSON.parse(tag[1].replace(/&#39;/g, "'").replace(/&amp;/g, '&'));
  }
  const match = /who = (\{.*?\});/.exec(text);
  return match?.[1] ? JSON.parse(match[1]) : undefined;
}

/** The snippet's tag in a page, in either delivery (the boot tag, or the inline script). */
export const SNIPPET_TAG = /<script data-express-posthog[^>]*>[\s\S]*?<\/script>/;

/** The boot script's URL in a page that got the boot tag. */
export function bootUrlOf(text: string): string | undefined {
  return /<script data-express-posthog='[^']*' src="([^"]+)"/.exec(text)?.[1];
}
