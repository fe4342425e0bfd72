/**
 * HTML's comment states (`<!-- … -->`), as a transition on one byte. Comments end at `-->`
 * and `--!>`, and also at `<!-->` and `<!--->`, as browsers parse them.
 */

import { BANG, DASH, GT } from './bytes.js';

/** Just after `<!--`: `>` ends the comment (`<!-->`). */
export const COMMENT_START = 0;
/** `<!---`: `>` ends it. */
export const COMMENT_START_DASH = 1;
/** Comment text. */
export const COMMENT_TEXT = 2;
/** One `-` seen. */
const COMMENT_DASH = 3;
/** `--` seen: `>` ends it. */
const COMMENT_END = 4;
/** `--!` seen: `>` ends it. */
const COMMENT_END_BANG = 5;

/** The comment stage that a `-` in comment text enters. */
export const AFTER_TEXT_DASH = COMMENT_DASH;

/**
 * The comment stage after byte `b`, or -1 when `b` closes the comment.
 * @param stage the current stage (one of this module's constants).
 * @param b the next byte.
 */
export function nextCommentStage(stage: number, b: number): number {
  switch (stage) {
    case COMMENT_START:
      if (b === GT) return -1;
      return b === DASH ? COMMENT_START_DASH : COMMENT_TEXT;
    case COMMENT_START_DASH:
      if (b === GT) return -1;
      return b === DASH ? COMMENT_END : COMMENT_TEXT;
    case COMMENT_DASH:
      return b === DASH ? COMMENT_END : COMMENT_TEXT;
    case COMMENT_END:
      if (b === GT) return -1;
      if (b === BANG) return COMMENT_END_BANG;
      return b === DASH ? COMMENT_END : COMMENT_TEXT;
    default: // COMMENT_END_BANG
      if (b === GT) return -1;
      return b === DASH ? COMMENT_DASH : COMMENT_TEXT;
  }
}
