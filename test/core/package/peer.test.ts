import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { locatePeer, packageVersion } from '../../../src/core/package/peer.js';

const installedVersion = (name: string): string =>
  (JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')) as { version: string })
    .version;

describe('locatePeer', () => {
  it('finds a file of an installed peer, and its version', () => {
    const found = locatePeer('rrweb-player');
    expect(found.path).toMatch(/node_modules[\\/]rrweb-player[\\/]/);
    expect(packageVersion('rrweb-player', found.path as string)).toBe(
      installedVersion('rrweb-player'),
    );
    const bundle = locatePeer('posthog-js/dist/array.full.js');
    expect(bundle.path).toMatch(/posthog-js[\\/]dist[\\/]array\.full\.js$/);
    expect(packageVersion('posthog-js', bundle.path as string)).toBe(
      installedVersion('posthog-js'),
    );
  });

  it('says why a peer is missing, in one line, without throwing', () => {
    const found = locatePeer('posthog-js/dist/no-such-file.js');
    expect(found.path).toBeUndefined();
    expect(found.missing).toMatch(/no-such-file/);
    expect(found.missing).not.toContain('\n');
  });
});
