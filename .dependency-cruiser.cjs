// Architecture rules for `npm run lint` (see "Folders and what each may import" in the design notes,
// summarised in README.md). Each rule names the layer it protects; a violation is an error, so lint
// fails the build. Paths are relative to the repository root.
//
// Parsing: TypeScript 7 has no JavaScript compiler API, so dependency-cruiser reads .ts through swc
// (the @swc/core devDependency, pinned to a version whose prebuilt binaries exist for every platform
// the lock file lists, so `npm ci` stays reproducible). Type-only imports count as dependencies: an
// `import type` across a forbidden boundary still couples the layers.

/** Node built-ins that do I/O on sockets. */
const NETWORK = '^(node:)?(net|tls|dgram|http|https|http2)$';
/** Node built-ins that touch files or processes. */
const FILES_AND_PROCESSES = '^(node:)?(fs|fs/promises|child_process|cluster|worker_threads)$';

/** One rule per layer: files in `folder` may import project code only from `allowed` (plus their own folder). */
const layer = (folder, allowedPaths, comment) => ({
  name: `${folder}-imports`,
  severity: 'error',
  comment,
  from: { path: `^src/${folder}/` },
  to: { path: '^src/', pathNot: [`^src/${folder}/`, ...allowedPaths] },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Cycles make load order matter and blur which layer owns what. Break them with a smaller module.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve is a typo or a missing dependency.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'not-to-dev-dep',
      severity: 'error',
      comment: 'src/ ships to users: it may not need a package that `npm ci --omit=dev` leaves out. Tests may.',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },

    layer('util', [], 'util is the bottom layer: errors, clocks, queues. It imports nothing in the project.'),
    layer('protocol', ['^src/util/'], 'protocol is pure bytes: it depends on util only.'),
    layer(
      'storage',
      ['^src/util/', '^src/protocol/(records|wire)/'],
      'storage speaks domain terms (append, read, truncate): record batches yes, request/response types (protocol/messages) never.',
    ),
    layer(
      'coordinator',
      // protocol/messages too: the coordinators store Kafka's generated record schemas
      // (GroupMetadataKey/Value, OffsetCommitKey/Value) and read ConsumerProtocolSubscription, and
      // answer with Kafka error codes. Request/response types stay in the broker's handlers.
      ['^src/util/', '^src/storage/', '^src/protocol/(records|wire|messages)/'],
      'Group and transaction coordinators sit on storage and record batches; the broker translates requests for them.',
    ),
    layer('cluster', ['^src/util/', '^src/storage/', '^src/protocol/'], 'cluster (metadata, controller, replication) uses util, storage and protocol.'),
    layer('client', ['^src/util/', '^src/protocol/'], 'The client is usable without the broker: it imports protocol and util only.'),
    layer(
      'broker',
      ['^src/(util|protocol|storage|coordinator|cluster)/'],
      'The broker wires the layers below it together; it never reaches up into the client, the CLI or the tools built on the client.',
    ),
    layer(
      'cli',
      // protocol/records too, for `gregor dump-log` only: it reads segment files, so it needs the batch
      // format itself (header, CRC check, decoding); no client or broker API hands out raw batches.
      ['^src/(util|client|broker|sql|connect|console)/', '^src/protocol/records/'],
      'The CLI drives the broker and the client (and, later, the tools built on the client).',
    ),
    layer('sql', ['^src/(util|client)/'], 'SQL uses the public client API, like any other consumer.'),
    layer('connect', ['^src/(util|client)/'], 'Connectors use the public client API, like any other consumer.'),
    layer('console', ['^src/(util|client)/'], 'The console uses the public client API, like any other consumer.'),
    {
      name: 'nothing-imports-broker',
      severity: 'error',
      comment:
        'Only the CLI, tests and the package entry (which exports startBroker for embedding) start a broker; ' +
        'everything else must work without one.',
      from: { pathNot: ['^src/(broker|cli)/', '^src/index\\.ts$', '^test/', '\\.test\\.ts$', '^bench/'] },
      to: { path: '^src/broker/' },
    },
    {
      name: 'protocol-does-no-io',
      severity: 'error',
      comment: 'The codec is pure: bytes in, values out. Sockets and files belong to broker and storage.',
      from: { path: '^src/(util|protocol)/', pathNot: '\\.test\\.ts$' },
      to: { dependencyTypes: ['core'], path: [NETWORK, FILES_AND_PROCESSES] },
    },
    {
      name: 'sockets-only-in-broker-and-client',
      severity: 'error',
      comment: 'broker is the only server-side user of sockets; storage, coordinator and cluster get transports injected.',
      from: { path: '^src/', pathNot: ['^src/(broker|client|cli)/', '\\.test\\.ts$'] },
      to: { dependencyTypes: ['core'], path: NETWORK },
    },
    {
      name: 'enter-folders-through-index',
      severity: 'error',
      comment:
        'A folder is entered through its index.ts, so its insides can change freely. Subfolders of protocol ' +
        '(protocol/wire, protocol/records, protocol/messages) are entry points of their own.',
      from: { path: '^src/([^/]+)/' },
      to: {
        path: '^src/',
        pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$', '^src/protocol/[^/]+/index\\.ts$'],
      },
    },
    {
      name: 'public-entry-uses-indexes',
      severity: 'error',
      comment: 'src/index.ts re-exports folder entry points only.',
      from: { path: '^src/index\\.ts$' },
      to: { path: '^src/', pathNot: ['^src/[^/]+/index\\.ts$', '^src/protocol/[^/]+/index\\.ts$'] },
    },
    {
      name: 'codegen-stands-alone',
      severity: 'error',
      comment: 'codegen reads the JSON message definitions and writes src/protocol/messages/generated; it imports no project code.',
      from: { path: '^codegen/' },
      to: { path: '^(src|test|bench|scripts)/' },
    },
    {
      name: 'src-does-not-import-tooling',
      severity: 'error',
      comment: 'Shipped code never depends on codegen, tests, benchmarks or scripts.',
      from: { path: '^src/' },
      to: { path: '^(codegen|test|bench|scripts)/' },
    },
    {
      name: 'no-importing-tests',
      severity: 'error',
      comment: 'Test files are leaves; shared test helpers live in files without the .test.ts suffix.',
      from: {},
      to: { path: '\\.test\\.ts$' },
    },
  ],
  options: {
    parser: 'swc',
    tsPreCompilationDeps: true,
    // Packages are leaves: their own imports are not ours to police. (Not `exclude`: that would drop
    // the dependency itself and blind the not-to-dev-dep rule.)
    doNotFollow: { path: '^node_modules/' },
    // `npm run lint` cruises the whole repository; skip what is not our source.
    exclude: { path: '^(\\.git|data|dist|\\.peers|bench/results)/' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.json'],
      conditionNames: ['import', 'node', 'default'],
      exportsFields: ['exports'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
