import express5 from 'express';
import express4 from 'express4';

/**
 * Both Express majors, for `describe.each(expressVersions)`: every suite that
 * touches Express runs against 4 (the `express4` npm alias) and 5.
 */
export const expressVersions = [
  { name: 'Express 4', express: express4 as unknown as typeof express5 },
  { name: 'Express 5', express: express5 },
] as const;
