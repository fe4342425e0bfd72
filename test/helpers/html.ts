/** A small full HTML page. */
export const PAGE =
  '<!DOCTYPE html><html><head><title>Hi</title></head><body><h1>Hello</h1></body></html>';

/** How many times the snippet's marker appears in `text`. */
export function snippetCount(text: string): number {
  return text.split('data-express-posthog').length - 1;
}

/** The identity JSON the snippet carries, parsed. */
export function snippetIdentityOf(text: string): Record<string, unknown> | undefined {
  const match = /who = (\{.*?\});/.exec(text);
  return match?.[1] ? JSON.parse(match[1]) : undefined;
}
