/** A message of an LLM conversation, as the page shows it. */
export interface MessageView {
  readonly role: string;
  readonly content: string;
}

/** An `$ai_generation` as the page shows it: rounded numbers, cut strings. */
export interface GenerationView {
  readonly provider: string;
  readonly model: string;
  readonly inputTokens: number | undefined;
  readonly outputTokens: number | undefined;
  /** Seconds, rounded to 2 significant places past the point (0.27), as text. */
  readonly latency: string | undefined;
  /** Every `$ai_*cost*` field, in US dollars, as text. */
  readonly costs: readonly { readonly name: string; readonly usd: string }[];
  readonly httpStatus: number | undefined;
  readonly error: string | undefined;
  /** The conversation, when payloads were sent (`POSTHOG_LLM_PAYLOADS=1`). */
  readonly input: readonly MessageView[];
  readonly output: readonly MessageView[];
}

const MAX_MESSAGES = 20;
const MAX_CONTENT = 2_000;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const finite = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/**
 * Seconds as a person reads them: `0.000266` → `0.27 ms`, `0.2712` → `0.27 s`, `12.345` → `12.3 s`.
 *
 * @example
 * formatSeconds(0.2712); // '0.27 s'
 */
export function formatSeconds(seconds: number): string {
  if (seconds < 0.001) return `${Number((seconds * 1000).toPrecision(2))} ms`;
  if (seconds < 1) return `${Number(seconds.toFixed(seconds < 0.01 ? 3 : 2))} s`;
  if (seconds < 100) return `${Number(seconds.toFixed(1))} s`;
  return `${Math.round(seconds)} s`;
}

/**
 * US dollars with enough places to see a small cost: `0.000123` → `$0.000123`, `1.5` → `$1.50`.
 *
 * @example
 * formatUsd(0.00012345); // '$0.000123'
 */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (Math.abs(usd) >= 0.01) return `$${usd.toFixed(2)}`;
  return `$${Number(usd.toPrecision(3))}`;
}

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

function contentText(content: unknown): string {
  if (typeof content === 'string') return cut(content, MAX_CONTENT);
  if (Array.isArray(content)) {
    const texts = content
      .slice(0, MAX_MESSAGES)
      .map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : ''))
      .filter(Boolean);
    if (texts.length) return cut(texts.join('\n'), MAX_CONTENT);
  }
  if (content === undefined || content === null) return '';
  try {
    return cut(JSON.stringify(content).slice(0, MAX_CONTENT + 1), MAX_CONTENT);
  } catch {
    return '(content that is not JSON)';
  }
}

/** A conversation some SDKs send as JSON text: parsed when it is a short JSON array. */
function parsedList(value: string): unknown[] | undefined {
  if (value.length > 256 * 1024 || !value.trimStart().startsWith('[')) return undefined;
  try {
    const parsed = JSON.parse(value) as unknown;
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function messages(value: unknown): MessageView[] {
  const list = Array.isArray(value)
    ? value
    : typeof value === 'string'
      ? (parsedList(value) ?? [value])
      : [];
  return list.slice(0, MAX_MESSAGES).map((item) => {
    if (!isRecord(item)) return { role: '', content: contentText(item) };
    const message = isRecord(item.message) ? item.message : item;
    return { role: cut(String(message.role ?? ''), 40), content: contentText(message.content) };
  });
}

/**
 * The fields of an `$ai_generation` the page shows: model, tokens, latency, costs,
 * status and (when sent) the conversation, bounded whatever the event holds.
 *
 * @example
 * generationView({ $ai_model: 'gpt-4o', $ai_latency: 0.2712 }).latency; // '0.27 s'
 */
export function generationView(p: Readonly<Record<string, unknown>>): GenerationView {
  const latency = finite(p.$ai_latency);
  const costs = Object.keys(p)
    .filter((key) => /^\$ai_.*cost/.test(key))
    .slice(0, 10)
    .flatMap((key) => {
      const usd = finite(p[key]);
      return usd === undefined ? [] : [{ name: key.replace(/^\$ai_/, ''), usd: formatUsd(usd) }];
    });
  const error = p.$ai_error ?? (p.$ai_is_error ? 'failed' : undefined);
  return {
    provider: cut(String(p.$ai_provider ?? '?'), 80),
    model: cut(String(p.$ai_model ?? '?'), 120),
    inputTokens: finite(p.$ai_input_tokens),
    outputTokens: finite(p.$ai_output_tokens),
    latency: latency === undefined ? undefined : formatSeconds(latency),
    costs,
    httpStatus: finite(p.$ai_http_status),
    error: error === undefined ? undefined : contentText(error),
    input: messages(p.$ai_input),
    output: messages(p.$ai_output_choices),
  };
}
