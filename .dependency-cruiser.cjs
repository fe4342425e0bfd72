// The import rules of the house (docs/architecture.md): shared floors under src/core/, one
// room per capability above them, the apps apart. `npm run lint:imports` checks them; CI runs it.

/** The floors, bottom first: a floor imports only floors before it in this list. */
const FLOORS = [
  'log',
  'errors',
  'escape',
  'redact',
  'package',
  'config',
  'http',
  'attribution',
  'client',
  'options',
];

/** The capability rooms: each imports floors, never another room (but through its entry). */
const ROOMS = ['snippet', 'user', 'error-handler', 'debug-route', 'proxy', 'llm', 'jobs', 'cli'];

/** A room's published entry, the one file another room or an app may import. */
const ENTRY = `^src/(${ROOMS.join('|')})/index[.]ts$`;

const floorsDownward = FLOORS.slice(0, -1).map((floor, index) => ({
  name: `floor-${floor}-only-downward`,
  comment: `src/core/${floor}/ is below ${FLOORS.slice(index + 1).join(', ')}: it may not import them.`,
  severity: 'error',
  from: { path: `^src/core/${floor}/` },
  to: { path: `^src/core/(${FLOORS.slice(index + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'A cycle means two modules answer for each other: merge them or move the shared part down.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'floors-import-no-room',
      comment:
        'The shared floors (src/core/) sit below every capability and app: they import none.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    ...floorsDownward,
    {
      name: 'rooms-apart',
      comment:
        'A capability room imports the floors and its own files; another room only through its entry (index.ts).',
      severity: 'error',
      from: { path: `^src/(${ROOMS.join('|')})/` },
      to: { path: `^src/(${ROOMS.join('|')})/`, pathNot: [`^src/$1/`, ENTRY] },
    },
    {
      name: 'room-entries-only-where-published',
      comment: 'The snippet mounts the proxy; no other room uses another room, even by its entry.',
      severity: 'error',
      from: { path: `^src/(${ROOMS.join('|')})/`, pathNot: '^src/snippet/' },
      to: { path: ENTRY, pathNot: '^src/$1/' },
    },
    {
      name: 'library-never-loads-the-apps',
      comment:
        'The inspector and the reference app are users of the library: nothing below them imports them.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/apps/' },
      to: { path: '^src/apps/' },
    },
    {
      name: 'apps-use-published-entries',
      comment:
        'An app uses a capability by its entry (index.ts), as a user of the package would; the floors freely.',
      severity: 'error',
      from: { path: '^src/apps/' },
      to: { path: `^src/(${ROOMS.join('|')})/`, pathNot: ENTRY },
    },
    {
      name: 'inspector-apart-from-the-reference-app',
      comment: 'express-posthog/inspector loads nothing of express-posthog/app.',
      severity: 'error',
      from: { path: '^src/apps/inspector/' },
      to: { path: '^src/apps/reference/' },
    },
    {
      name: 'reference-app-uses-the-inspector-entry',
      comment: 'The reference app mounts the inspector as any app would: by its entry.',
      severity: 'error',
      from: { path: '^src/apps/reference/' },
      to: { path: '^src/apps/inspector/', pathNot: '^src/apps/inspector/index[.]ts$' },
    },
    {
      name: 'no-dev-dependency-in-src',
      comment:
        'What src/ imports at run time must be a dependency or a peer, not a dev dependency.',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js'],
    },
  },
};
