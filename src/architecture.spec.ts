import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

/**
 * The layering of src/, as a test (it reads the import statements, nothing runs):
 * - `config/`, `common/` and `database/` import no feature folder;
 * - no import cycle between top-level folders, and no folder imports a file of the app root;
 * - the WebAuthn core (`passkeys/webauthn/`) is pure: nothing it imports, directly or not, reaches
 *   Nest, TypeORM, Fastify or node-postgres;
 * - SQL lives in repositories: outside `database/` (the connection, migrations, the transaction
 *   host) and the migration CLI, only `*.repository.ts` files reach the database.
 */
const SRC = __dirname;

/** The layers below the features and what each may import. */
const FOUNDATIONS: Record<string, string[]> = {
  config: [],
  common: ['config'],
  database: ['common', 'config'],
};
const FRAMEWORKS = /^(@nestjs\/|typeorm(\/|$)|fastify(\/|$)|@fastify\/|pg(\/|$))/;

interface SourceFile {
  path: string; // relative to src, without extension
  local: string[]; // resolved local imports (relative to src, without extension)
  packages: string[];
}

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [full] : [];
  });
}

function parse(full: string): SourceFile {
  const text = readFileSync(full, 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]);
  const path = relative(SRC, full).replace(/\.ts$/, '');
  const local = specs
    .filter((s) => s.startsWith('.'))
    .map((s) =>
      normalize(join(dirname(path), s))
        .split(sep)
        .join('/'),
    )
    .map((p) => p.replace(/\/index$/, ''));
  return {
    path: path.split(sep).join('/'),
    local,
    packages: specs.filter((s) => !s.startsWith('.')),
  };
}

const files = sourceFiles().map(parse);
const byPath = new Map(files.map((f) => [f.path, f]));
/** A module as imported: a file, or a folder's index.ts (`'../common/errors'`). */
const fileOf = (path: string) => byPath.get(path) ?? byPath.get(`${path}/index`);
const folderOf = (path: string) => (path.includes('/') ? path.split('/')[0] : '(root)');

/** Top-level folder → the folders it imports. */
export function folderGraph(all: SourceFile[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const f of all) {
    const from = folderOf(f.path);
    for (const target of f.local) {
      const to = folderOf(target);
      if (to === from) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(to);
    }
  }
  return graph;
}

/** A cycle of the graph as a list of folders, or undefined. */
export function findCycle(graph: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/** The files that may reach the database: repositories, the database layer, the migration CLI. */
const DATA_ACCESS_ALLOWED = /(\.repository\.ts|^database\/.*|^migration-cli\.ts)$/;

/** What data access looks like in a file: a repository injected, a statement, a connection. */
const DATA_ACCESS: [name: string, pattern: RegExp][] = [
  ['@InjectRepository', /@InjectRepository\b/],
  ['.query(', /\.query\s*(<[^>]*>)?\(/],
  ['createQueryBuilder', /\bcreateQueryBuilder\b/],
  ['getRepository(', /\bgetRepository\(/],
  ['host.manager', /\bhost\.manager\b/],
  ['dataSource.', /\bdataSource\./],
  ['runPrepared(', /\brunPrepared\b/],
];

/** The kinds of data access in a source text (comments do not count). */
export function dataAccessIn(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return DATA_ACCESS.filter(([, pattern]) => pattern.test(code)).map(([name]) => name);
}

/** src-relative path (with `/`) → the data access found in it, for every file that must have none. */
const dataAccess = new Map(
  sourceFiles()
    .map((full) => relative(SRC, full).split(sep).join('/'))
    .filter((path) => !DATA_ACCESS_ALLOWED.test(path) && !path.endsWith('.spec.ts'))
    .map((path) => [path, dataAccessIn(readFileSync(join(SRC, path), 'utf8'))]),
);

describe('architecture: the layering of src/', () => {
  const graph = folderGraph(files);

  it('config/, common/ and database/ import no feature folder', () => {
    const offending = Object.entries(FOUNDATIONS).flatMap(([folder, allowed]) =>
      [...(graph.get(folder) ?? [])]
        .filter((to) => !allowed.includes(to))
        .map((to) => `${folder} → ${to}`),
    );
    expect(offending).toEqual([]);
  });

  it('no folder imports a file of the app root, and no two folders import each other', () => {
    const intoRoot = [...graph].filter(([from, tos]) => from !== '(root)' && tos.has('(root)'));
    expect(intoRoot.map(([from]) => from)).toEqual([]);
    expect(findCycle(graph)).toBeUndefined();
  });

  it('the WebAuthn core reaches no framework, ORM or driver, directly or not', () => {
    const reached = new Set<string>();
    const walk = (path: string) => {
      if (reached.has(path)) return;
      reached.add(path);
      for (const next of fileOf(path)?.local ?? []) walk(next);
    };
    files.filter((f) => f.path.startsWith('passkeys/webauthn/')).forEach((f) => walk(f.path));
    const impure = [...reached].flatMap((path) =>
      (fileOf(path)?.packages ?? [])
        .filter((p) => FRAMEWORKS.test(p))
        .map((p) => `${path} imports ${p}`),
    );
    expect(impure).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself can fail)', () => {
    const withCycle = folderGraph([
      { path: 'a/x', local: ['b/y'], packages: [] },
      { path: 'b/y', local: ['a/z'], packages: [] },
    ]);
    expect(findCycle(withCycle)).toEqual(['a', 'b', 'a']);
  });
});

describe('architecture: SQL lives in repositories', () => {
  it('only repositories reach the database (no service, controller, guard, gateway or helper)', () => {
    const offending = [...dataAccess]
      .filter(([, found]) => found.length > 0)
      .map(([path, found]) => `${path}: ${found.join(', ')}`);
    expect(offending).toEqual([]);
  });

  it('finds each kind of data access (the check itself can fail)', () => {
    expect(
      dataAccessIn(`
        @InjectRepository(X) repo: Repository<X>;
        await this.host.manager.query('SELECT 1');
        this.dataSource.createQueryBuilder();
        m.getRepository(X); runPrepared(on, S, []);`),
    ).toEqual(DATA_ACCESS.map(([name]) => name));
    expect(dataAccessIn('// a comment may say dataSource.query(\n/* or host.manager */')).toEqual(
      [],
    );
  });
});
