import { inflate } from './decode.js';
import type { InspectedEvent } from './events.js';
import { checkJsonBounds } from './json-bounds.js';
import { snapshotItems } from './summary.js';

/** The rrweb events of one session, ready for rrweb-player. */
export interface SessionReplay {
  readonly sessionId: string;
  /** rrweb events, oldest first, with posthog-js's compressed fields inflated. */
  readonly events: readonly Record<string, unknown>[];
  /** Set when the recording was cut at the byte bound or some parts could not be read. */
  readonly problems: readonly string[];
}

/** Caps of {@link sessionReplay}. */
export interface ReplayLimits {
  /** Inflated bytes, over the whole session, at most. */
  readonly maxBytes: number;
  /** Nesting of an inflated part (a DOM tree) at most. */
  readonly maxDepth: number;
  /** Objects of one inflated part at most. */
  readonly maxObjects: number;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** rrweb's numbers: a full snapshot, an incremental one, and its mutation and style-rule sources. */
const FULL_SNAPSHOT = 2;
const INCREMENTAL = 3;
const MUTATION = 0;
const STYLE_SHEET_RULE = 8;

/**
 * Reads one field posthog-js compressed (`cv: '2024-10'`): gzip bytes carried as a
 * latin-1 string (fflate's `strFromU8(gzipSync(…), true)`), holding JSON.
 */
async function unpackField(
  value: unknown,
  budget: { left: number },
  limits: ReplayLimits,
): Promise<unknown> {
  if (typeof value !== 'string') return value;
  const inflated = await inflate(Buffer.from(value, 'latin1'), Math.max(1, budget.left));
  if (!Buffer.isBuffer(inflated)) throw new Error(inflated.ok ? 'unreadable' : inflated.reason);
  budget.left -= inflated.length;
  const tooBig = await checkJsonBounds(inflated, limits);
  if (tooBig) throw new Error(`a recorded part is ${tooBig}`);
  return JSON.parse(inflated.toString('utf8')) as unknown;
}

/** One rrweb event with its compressed fields (if any) inflated, as rrweb-player reads it. */
async function unpackEvent(
  item: Record<string, unknown>,
  budget: { left: number },
  limits: ReplayLimits,
): Promise<Record<string, unknown>> {
  if (item.cv === undefined) return item;
  const { cv: _version, ...event } = item;
  if (event.type === FULL_SNAPSHOT) {
    return { ...event, data: await unpackField(event.data, budget, limits) };
  }
  if (event.type === INCREMENTAL && isRecord(event.data)) {
    const data: Record<string, unknown> = { ...event.data };
    const fields =
      data.source === MUTATION
        ? ['texts', 'attributes', 'removes', 'adds']
        : data.source === STYLE_SHEET_RULE
          ? ['adds', 'removes']
          : [];
    for (const field of fields) {
      if (field in data) data[field] = await unpackField(data[field], budget, limits);
    }
    return { ...event, data };
  }
  return event;
}

/**
 * A session's recording, decoded as posthog-js sent it: every rrweb event of its
 * `$snapshot` events, full snapshots and mutations inflated (posthog-js gzips them by
 * default, `session_recording.compress_events`), sorted by time. Bounded: inflating stops
 * at `maxBytes` over the session, and each part's depth and object count are checked
 * before it is parsed. What is played is what was stored: masked as posthog-js masked it.
 *
 * @example
 * const replay = await sessionReplay(store.list({ session: id }), id, limits);
 * new rrwebPlayer({ target, props: { events: replay.events } });
 */
export async function sessionReplay(
  events: readonly InspectedEvent[],
  sessionId: string,
  limits: ReplayLimits,
): Promise<SessionReplay> {
  const budget = { left: limits.maxBytes };
  const problems: string[] = [];
  const out: Record<string, unknown>[] = [];
  const snapshots = events
    .filter((event) => event.event === '$snapshot' && event.sessionId === sessionId)
    .sort((a, b) => a.id - b.id);
  for (const snapshot of snapshots) {
    for (const item of snapshotItems(snapshot.properties)) {
      if (!isRecord(item) || typeof item.type !== 'number') continue;
      if (budget.left <= 0) {
        problems.push(`the recording was cut at ${limits.maxBytes} inflated bytes`);
        break;
      }
      try {
        out.push(await unpackEvent(item, budget, limits));
      } catch (error) {
        problems.push(
          `a part of snapshot #${snapshot.id} was left out: ${(error as Error).message}`,
        );
      }
    }
    if (budget.left <= 0) break;
  }
  out.sort((a, b) => Number(a.timestamp ?? 0) - Number(b.timestamp ?? 0));
  return { sessionId, events: out, problems: [...new Set(problems)].slice(0, 10) };
}
