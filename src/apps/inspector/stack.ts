/** One stack frame as the page shows it. */
export interface FrameView {
  /** `function (file:line:column)`, cut to a few hundred characters. */
  readonly text: string;
}

/** One exception of an `$exception_list`, its frames split into the app's and the rest. */
export interface ExceptionView {
  readonly type: string;
  readonly value: string;
  /** The app's own frames, the one that threw first. */
  readonly appFrames: readonly FrameView[];
  /** Frames in `node_modules`, `node:` internals and the runtime, in the same order. */
  readonly otherFrames: readonly FrameView[];
}

const MAX_EXCEPTIONS = 5;
const MAX_FRAMES = 60;
const MAX_TEXT = 300;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const cut = (value: unknown, max = MAX_TEXT): string => {
  const text = typeof value === 'string' ? value : value === undefined ? '' : String(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
};

/**
 * Whether a frame is the app's own code: not a dependency (`node_modules`), not Node's
 * internals (`node:…`, `internal/…`), and not marked `in_app: false` by the SDK.
 *
 * @example
 * isAppFrame({ filename: '/srv/app/routes.js', in_app: true }); // true
 * isAppFrame({ filename: '/srv/app/node_modules/express/lib/router.js' }); // false
 */
export function isAppFrame(frame: Readonly<Record<string, unknown>>): boolean {
  // Only the start of a path is looked at: a 5 MB "filename" costs no more than a short one.
  const file = cut(frame.abs_path ?? frame.filename ?? '', 1_000);
  if (/(^|[\\/])node_modules[\\/]|^node:|^internal[\\/]|^native$|^<anonymous>$/.test(file)) {
    return false;
  }
  if (file === '') return false;
  return frame.in_app !== false;
}

function frameText(frame: Readonly<Record<string, unknown>>): string {
  const file = cut(frame.filename ?? frame.abs_path ?? '?', 200);
  const where = [file, frame.lineno, frame.colno]
    .filter((part) => part !== undefined)
    .map((part) => cut(part, 200))
    .join(':');
  const name =
    typeof frame.function === 'string' && frame.function !== '' ? cut(frame.function, 200) : '?';
  return cut(`${name} (${where})`);
}

/**
 * The exceptions of an `$exception_list` as the page renders them: type, message, and the
 * stack with the frame that threw first (PostHog lists frames oldest first), the app's own
 * frames apart from the rest. At most 5 exceptions of 60 frames each, every string cut.
 *
 * @example
 * exceptionViews([{ type: 'Error', value: 'boom', stacktrace: { frames: [...] } }])[0].appFrames;
 */
export function exceptionViews(list: unknown): ExceptionView[] {
  if (!Array.isArray(list)) return [];
  const views: ExceptionView[] = [];
  for (const item of list.slice(0, MAX_EXCEPTIONS)) {
    if (!isRecord(item)) continue;
    const stack = isRecord(item.stacktrace) ? item.stacktrace.frames : undefined;
    const newestFirst = (Array.isArray(stack) ? stack.slice(-MAX_FRAMES) : [])
      .filter(isRecord)
      .reverse();
    const appFrames: FrameView[] = [];
    const otherFrames: FrameView[] = [];
    for (const frame of newestFirst) {
      (isAppFrame(frame) ? appFrames : otherFrames).push({ text: frameText(frame) });
    }
    views.push({
      type: cut(item.type ?? 'Error', 120),
      value: cut(item.value ?? '', 1_000),
      appFrames,
      otherFrames,
    });
  }
  return views;
}
