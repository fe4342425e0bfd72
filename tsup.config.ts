import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', app: 'src/app/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: true,
  sourcemap: false,
  shims: true,
});
