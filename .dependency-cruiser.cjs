/**
 * Dependency direction, as ../shared/ARCHITECTURE.md fixes it: dependencies point inward.
 * `npm run lint` fails on any of these.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const INNER = ['core', 'control', 'schedule', 'events', 'mv'];
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain imports nothing of ours (only itself).',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^(src|adapters|simulators|bench|test)/', pathNot: '^src/domain/' },
    },
    {
      name: 'adapters-see-domain-only',
      comment: 'adapters/ import src/domain only (plus their protocol library).',
      severity: 'error',
      from: { path: '^adapters/' },
      to: { path: '^(src|simulators)/', pathNot: '^src/domain/' },
    },
    {
      name: 'simulators-see-domain-only',
      comment: 'simulators/ are the outside world: src/domain only, never controller code.',
      severity: 'error',
      from: { path: '^simulators/' },
      to: { path: '^(src|adapters)/', pathNot: '^src/domain/' },
    },
    {
      name: 'inner-layers-stay-inside',
      comment: 'core/control/schedule/events/mv never import api, runtime, cli, store, config or an adapter.',
      severity: 'error',
      from: { path: `^src/(${INNER.join('|')})/` },
      to: { path: '^(src/(api|runtime|cli|store|config)/|adapters/|simulators/)' },
    },
    {
      name: 'inner-layers-use-public-index',
      comment: 'Between core/control/schedule/events/mv, import only the other folder\'s index.ts.',
      severity: 'error',
      from: { path: `^src/(${INNER.join('|')})/` },
      to: {
        path: `^src/(${INNER.join('|')})/.+`,
        pathNot: [`^src/(${INNER.join('|')})/index\\.ts$`, '^src/$1/'],
      },
    },
    {
      name: 'store-internals-private',
      comment: 'Outside src/store only src/store/index.ts may be imported.',
      severity: 'error',
      from: { path: '^(src|bench)/', pathNot: '^src/store/' },
      to: { path: '^src/store/.+', pathNot: '^src/store/index\\.ts$' },
    },
    {
      name: 'api-internals-private',
      comment: 'Outside src/api only src/api/index.ts and the OpenADR schemas (src/api/openadr/index.ts) may be imported; M&V the runtime needs lives in src/mv.',
      severity: 'error',
      from: { path: '^(src|bench)/', pathNot: '^src/api/' },
      to: { path: '^src/api/.+', pathNot: ['^src/api/index\\.ts$', '^src/api/openadr/index\\.ts$'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'], conditionNames: ['import', 'require', 'node', 'default'], exportsFields: ['exports'] },
    exclude: { path: '(^node_modules|^test/|\\.test\\.ts$)' },
  },
};
