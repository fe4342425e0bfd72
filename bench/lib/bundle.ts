import { build } from 'tsup';

/**
 * Bundles `entry` into `outDir` the way `tsup` builds `dist/` (esbuild, node20, ESM,
 * dependencies external), so benchmarks and the fault suite run what ships, not the
 * sources under `tsx`. `outDir` must sit three levels under the project so the bundle
 * finds `views/` as `dist/` does.
 */
export async function bundleLikeDist(entry: Record<string, string>, outDir: string): Promise<void> {
  await build({
    entry,
    outDir,
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    skipNodeModulesBundle: true,
    splitting: false,
    sourcemap: false,
    dts: false,
    clean: true,
    silent: true,
    config: false,
  });
}
