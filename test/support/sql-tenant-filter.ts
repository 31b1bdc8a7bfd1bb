/**
 * The tenant-filter rule over one SQL text (pure: no database). Parsed with PostgreSQL's own
 * parser (libpg-query, wasm). For every DML statement — SELECT, INSERT, UPDATE, DELETE, at any
 * depth: CTEs, subqueries, LATERAL, EXISTS, INSERT … SELECT, ON CONFLICT — :
 *
 * - every reference to a tenant-owned table (src/database/distribution.ts) is scoped by
 *   `tenant_id` **at its own level** (the query block whose FROM names it): a conjunct of that
 *   level's WHERE, or of a JOIN ON that filters that table's side, equates `<alias>.tenant_id`
 *   with something fixed (a parameter, a constant, a column of an enclosing level, a CTE's or
 *   subquery's column, a scalar subquery) — `=`, `IS NOT DISTINCT FROM`, `IN (...)`, `= ANY(...)`,
 *   `IN (SELECT ...)`, row comparisons `(a.tenant_id, a.id) = (...)` / `IN (...)` — or with a
 *   column of the same level that is itself so fixed (`k.tenant_id = s.tenant_id` where
 *   `s.tenant_id = $1`; `s.tenant_id = t.id` where `t.id = $1`), or with the `tenant_id` of a
 *   reference table's row picked by a fixed value (`s.tenant_id = a.tenant_id` where
 *   `a.app_id = $1`, passage_apps being a reference table);
 * - an INSERT into a tenant-owned table lists `tenant_id` among its columns;
 * - a statement that reads across tenants on purpose says so where it is written, with a comment
 *   `cross-tenant: <reason>` (`/* ... *\/` or `--`), `<reason>` a key of `CROSS_TENANT_REASONS`;
 *   the comment exempts the whole top-level statement it is in. An unknown reason is a violation.
 *
 * Not DML (DDL, BEGIN/COMMIT/SAVEPOINT, SET, SHOW, ...) is not judged; a SELECT without a table
 * (`SELECT 1`, `SELECT pg_advisory_lock($1)`) has nothing to judge. A text PostgreSQL cannot
 * parse is a violation; so is MERGE (not analysed). A temporary table the session created
 * (`options.temporary`, found by `temporaryTables`) is not a public table.
 *
 * Known looseness (each errs towards accepting): a CTE's or a derived table's columns count as
 * fixed (the CTE's own statement is judged on its own, but what it returns is not traced); a
 * reference table's row "picked by a fixed value" is any equality on any of its columns, not
 * necessarily a unique key (`a.status = 'ACTIVE'` would do); an
 * INNER JOIN's ON is treated as a WHERE of its level even under an outer join; a `cross-tenant`
 * comment exempts its whole top-level statement, not only the part it sits next to. Strict
 * where unsure: an unqualified `tenant_id` counts only when its level has one FROM item; an OR
 * never scopes; a qual in a subquery does not scope the outer level's tables.
 */
import { loadModule, parseSync } from 'libpg-query';
import {
  CROSS_TENANT_REASONS,
  DISTRIBUTION_COLUMN,
  isTenantOwned,
} from '../../src/database/distribution';

export type Rule = 'unscoped' | 'insert-without-tenant' | 'unparsable' | 'cross-tenant-reason';

export interface Violation {
  rule: Rule;
  /** The tenant-owned table (unscoped, insert-without-tenant). */
  table?: string;
  /** How the statement names it (its alias, or the table's name). */
  alias?: string;
  /** Where the statement names it (a character offset into the text). */
  at?: number;
  message: string;
}

let loaded: Promise<void> | undefined;

/** Loads the parser (wasm) once per module registry; call before `tenantFilterViolations`. */
export function loadSqlParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

/** One line, at most `max` characters: for messages. */
export function shortSql(sql: string, max = 240): string {
  const line = sql.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

export interface Options {
  /**
   * Temporary tables the session created (`temporaryTables`): unqualified, these names are not
   * the public tables (pg_temp comes first in the search path), like a CTE's name.
   */
  temporary?: Iterable<string>;
}

/** The violations of one SQL text (possibly several statements). `loadSqlParser()` first. */
export function tenantFilterViolations(sql: string, options: Options = {}): Violation[] {
  let tree: { stmts?: RawStmt[] };
  try {
    tree = parseSync(sql);
  } catch (e) {
    return [
      {
        rule: 'unparsable',
        message: `PostgreSQL's parser rejects the statement (${(e as Error).message}): it cannot be checked`,
      },
    ];
  }
  const declarations = crossTenantComments(sql);
  const out: Violation[] = [];
  for (const raw of tree.stmts ?? []) {
    // PostgreSQL's locations are byte offsets
    const start = raw.stmt_location ?? 0;
    const end = raw.stmt_len ? start + raw.stmt_len : Infinity;
    const mine = declarations.filter((d) => d.byte >= start && d.byte < end);
    const unknown = mine.filter((d) => !Object.hasOwn(CROSS_TENANT_REASONS, d.reason));
    for (const d of unknown) {
      out.push({
        rule: 'cross-tenant-reason',
        message: `unknown cross-tenant reason "${d.reason}" (declared: ${Object.keys(
          CROSS_TENANT_REASONS,
        ).join(', ')})`,
      });
    }
    if (mine.length > 0 && unknown.length === 0) continue; // declared cross-tenant on purpose
    const [type] = only(raw.stmt);
    if (!DML.has(type)) continue;
    visit(raw.stmt, new Set(options.temporary), out);
  }
  return out.map((v) => (v.at === undefined ? v : { ...v, at: characterOffset(sql, v.at) }));
}

function characterOffset(text: string, byte: number): number {
  return Buffer.from(text, 'utf8').subarray(0, byte).toString('utf8').length;
}

/** The text around a violation's place, on one line (for messages). */
export function excerpt(sql: string, at: number | undefined, width = 120): string {
  if (at === undefined) return '';
  const before = sql
    .slice(Math.max(0, at - 30), at)
    .replace(/\s+/g, ' ')
    .trimStart();
  const after = sql.slice(at, at + width).replace(/\s+/g, ' ');
  return `${at > 30 ? '…' : ''}${before}${after}${at + width < sql.length ? '…' : ''}`.trim();
}

/** The tables a text creates TEMPORARY (`CREATE TEMP TABLE x`, `CREATE TEMP TABLE x AS`). */
export function temporaryTables(sql: string): string[] {
  if (!/\bTEMP(ORARY)?\b/i.test(sql)) return [];
  let tree: { stmts?: RawStmt[] };
  try {
    tree = parseSync(sql);
  } catch {
    return [];
  }
  return (tree.stmts ?? []).flatMap(({ stmt }) => {
    const rel = stmt.CreateStmt?.relation ?? stmt.CreateTableAsStmt?.into?.rel;
    return rel?.relpersistence === 't' ? [rel.relname as string] : [];
  });
}

// ---------------------------------------------------------------------------------------------
// The parse tree (libpg-query's JSON): a node is `{ TypeName: { ...fields } }`; a field of a
// specific struct type (RangeVar *relation, SelectStmt *larg, WithClause *, Alias *) is unwrapped.

type Fields = Record<string, any>;
type Node = Record<string, Fields>;
interface RawStmt {
  stmt: Node;
  stmt_location?: number;
  stmt_len?: number;
}

const DML = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

function only(node: Node): [string, Fields] {
  const [type] = Object.keys(node);
  return [type, node[type]];
}

/** Walks any value, judging each statement (query block) met, with the CTE names in scope. */
function visit(value: unknown, ctes: ReadonlySet<string>, out: Violation[]): void {
  if (Array.isArray(value)) {
    for (const v of value) visit(v, ctes, out);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, v] of Object.entries(value)) {
    if (DML.has(key)) judge(key, v as Fields, ctes, out);
    else visit(v, ctes, out);
  }
}

function judge(type: string, stmt: Fields, outer: ReadonlySet<string>, out: Violation[]): void {
  const ctes = new Set(outer);
  for (const cte of stmt.withClause?.ctes ?? []) ctes.add(cte.CommonTableExpr.ctename);
  if (type === 'MergeStmt') {
    out.push({ rule: 'unparsable', message: 'MERGE is not analysed: write it as INSERT/UPDATE' });
  } else if (type === 'SelectStmt' && stmt.op && stmt.op !== 'SETOP_NONE') {
    // UNION / INTERSECT / EXCEPT: each arm is a level of its own (unwrapped SelectStmt)
    judge('SelectStmt', stmt.larg, ctes, out);
    judge('SelectStmt', stmt.rarg, ctes, out);
    visit({ ...stmt, larg: undefined, rarg: undefined }, ctes, out);
    return;
  } else if (type === 'InsertStmt') {
    judgeInsert(stmt, ctes, out);
  } else {
    judgeLevel(type, stmt, ctes, out);
  }
  // the nested statements: CTE bodies, subqueries, sublinks, INSERT's SELECT, ON CONFLICT
  visit(stmt, ctes, out);
}

/** A relation of the level, as its columns are named. */
interface FromItem {
  alias: string;
  /** base: a table (judged if tenant-owned); other: a CTE, a subquery, a function (fixed). */
  kind: 'base' | 'other';
  table?: string;
}

/** A conjunct and the FROM items whose rows it filters. */
interface Qual {
  expr: Node;
  filters: ReadonlySet<string>;
}

function relationOf(rv: Fields, ctes: ReadonlySet<string>): FromItem {
  const alias = rv.alias?.aliasname ?? rv.relname;
  if (!rv.schemaname && ctes.has(rv.relname)) return { alias, kind: 'other' };
  return { alias, kind: 'base', table: rv.relname };
}

function judged(rv: Fields, ctes: ReadonlySet<string>): boolean {
  if (!rv.schemaname && ctes.has(rv.relname)) return false;
  if (rv.schemaname && rv.schemaname !== 'public') return false; // pg_catalog, information_schema
  if ((rv.relname as string).startsWith('pg_')) return false;
  return isTenantOwned(rv.relname);
}

/** Flattens a FROM item into relations and the JOIN quals with the sides they filter. */
function collectFrom(
  node: Node,
  ctes: ReadonlySet<string>,
  items: (FromItem & { rv?: Fields })[],
  quals: Qual[],
): string[] {
  const [type, f] = only(node);
  if (type === 'RangeVar') {
    const item = relationOf(f, ctes);
    items.push({ ...item, rv: f });
    return [item.alias];
  }
  if (type === 'JoinExpr') {
    const left = collectFrom(f.larg, ctes, items, quals);
    const right = collectFrom(f.rarg, ctes, items, quals);
    if (f.alias?.aliasname) items.push({ alias: f.alias.aliasname, kind: 'other' });
    if (f.quals) {
      // an outer join's ON filters only its nullable side
      const filters =
        f.jointype === 'JOIN_LEFT'
          ? right
          : f.jointype === 'JOIN_RIGHT'
            ? left
            : f.jointype === 'JOIN_FULL'
              ? []
              : [...left, ...right];
      for (const expr of conjuncts(f.quals)) quals.push({ expr, filters: new Set(filters) });
    }
    return [...left, ...right];
  }
  // RangeSubselect, RangeFunction, RangeTableFunc, JSON_TABLE...: judged as their own levels
  const alias = f.alias?.aliasname;
  if (alias) items.push({ alias, kind: 'other' });
  return alias ? [alias] : [];
}

function conjuncts(expr: Node | undefined): Node[] {
  if (!expr) return [];
  const [type, f] = only(expr);
  if (type === 'BoolExpr' && f.boolop === 'AND_EXPR') return (f.args as Node[]).flatMap(conjuncts);
  return [expr];
}

function judgeLevel(type: string, stmt: Fields, ctes: ReadonlySet<string>, out: Violation[]) {
  const items: (FromItem & { rv?: Fields })[] = [];
  const quals: Qual[] = [];
  const from: Node[] =
    type === 'UpdateStmt'
      ? [{ RangeVar: stmt.relation }, ...(stmt.fromClause ?? [])]
      : type === 'DeleteStmt'
        ? [{ RangeVar: stmt.relation }, ...(stmt.usingClause ?? [])]
        : (stmt.fromClause ?? []);
  const all: string[] = [];
  for (const node of from) all.push(...collectFrom(node, ctes, items, quals));
  const targets = items.filter((i) => i.rv && judged(i.rv, ctes));
  if (targets.length === 0) return;
  for (const expr of conjuncts(stmt.whereClause)) quals.push({ expr, filters: new Set(all) });

  const level = new Level(items);
  const fixed = new Set<string>(); // column keys `alias.column` that are fixed
  const edges: [string, string][] = []; // [a, b]: a is fixed when b is
  for (const q of quals) {
    for (const [a, b] of equalities(q.expr)) {
      for (const [x, y] of [
        [a, b],
        [b, a],
      ] as const) {
        const col = level.column(x);
        if (!col || !q.filters.has(col.alias)) continue;
        if (y === FIXED || level.isFixed(y)) fixed.add(col.key);
        else {
          const other = level.column(y);
          if (other) edges.push([col.key, other.key]);
        }
      }
    }
  }
  // A row of a reference (or local) table picked by a fixed value (`a.app_id = $1`, `k.id = $1`)
  // names its tenant: its `tenant_id` column is fixed too (a keyless route's app, an API key).
  const pointers = items.filter((i) => i.kind === 'base' && i.rv && !judged(i.rv, ctes));
  for (let grew = true; grew;) {
    grew = false;
    for (const [a, b] of edges) {
      if (!fixed.has(a) && fixed.has(b)) {
        fixed.add(a);
        grew = true;
      }
    }
    for (const p of pointers) {
      const key = `${p.alias}.${DISTRIBUTION_COLUMN}`;
      if (!fixed.has(key) && [...fixed].some((k) => k.startsWith(`${p.alias}.`))) {
        fixed.add(key);
        grew = true;
      }
    }
  }
  for (const t of targets) {
    if (fixed.has(`${t.alias}.${DISTRIBUTION_COLUMN}`)) continue;
    out.push({
      rule: 'unscoped',
      table: t.table,
      alias: t.alias,
      at: t.rv?.location,
      message: `${t.table}${t.alias !== t.table ? ` "${t.alias}"` : ''} is not filtered by ${
        t.alias
      }.${DISTRIBUTION_COLUMN} at its level (WHERE / JOIN ON)`,
    });
  }
}

function judgeInsert(stmt: Fields, ctes: ReadonlySet<string>, out: Violation[]): void {
  const rv = stmt.relation as Fields;
  if (!judged(rv, ctes)) return;
  const cols = ((stmt.cols ?? []) as Node[]).map((c) => c.ResTarget?.name);
  if (cols.includes(DISTRIBUTION_COLUMN)) return;
  out.push({
    rule: 'insert-without-tenant',
    table: rv.relname,
    alias: rv.alias?.aliasname ?? rv.relname,
    at: rv.location,
    message: `INSERT INTO ${rv.relname} does not list ${DISTRIBUTION_COLUMN} among its columns`,
  });
}

/** Stands for an expression that is fixed for the level (parameter, constant, outer column...). */
const FIXED = Symbol('fixed');
type Side = Node | typeof FIXED;

/** The pairs an equality-like conjunct equates (each side an expression, or FIXED). */
function equalities(expr: Node): [Side, Side][] {
  const [type, f] = only(expr);
  if (type === 'A_Expr') {
    const op = f.name?.[0]?.String?.sval;
    if (op !== '=') return [];
    if (f.kind === 'AEXPR_OP' || f.kind === 'AEXPR_NOT_DISTINCT') {
      const l = unwrapRow(f.lexpr);
      const r = unwrapRow(f.rexpr);
      if (l.length !== r.length) return [];
      return l.map((x, i) => [x, r[i]]);
    }
    if (f.kind === 'AEXPR_OP_ANY') return [[f.lexpr, f.rexpr]];
    if (f.kind === 'AEXPR_IN') {
      // x IN (a, b): x is fixed when every item is; (x, y) IN ((a, b), ...): per position
      const left = unwrapRow(f.lexpr);
      const rows = (f.rexpr?.List?.items ?? []) as Node[];
      if (rows.length === 0) return [];
      return left.map((x, i) => {
        const items = rows.map((row) => unwrapRow(row)[i]);
        if (items.length === 1) return [x, items[0]];
        return [x, { IN_ITEMS: { items } } as Node];
      });
    }
    return [];
  }
  if (type === 'SubLink' && f.subLinkType === 'ANY_SUBLINK') {
    const op = f.operName?.[0]?.String?.sval ?? '=';
    if (op !== '=' || !f.testexpr) return [];
    return unwrapRow(f.testexpr).map((x) => [x, FIXED]); // the subquery is judged as its own level
  }
  return [];
}

function unwrapRow(expr: Node | undefined): Node[] {
  if (!expr) return [];
  const [type, f] = only(expr);
  if (type === 'RowExpr') return f.args ?? [];
  return [expr];
}

/** Column references at one level. */
class Level {
  private readonly byAlias = new Map<string, FromItem>();

  constructor(private readonly items: FromItem[]) {
    for (const i of items) this.byAlias.set(i.alias, i);
  }

  /** A column of a table of this level, or undefined (another level's, a CTE's, not a column). */
  column(side: Side): { alias: string; key: string } | undefined {
    if (side === FIXED) return undefined;
    const ref = columnRef(side);
    if (!ref) return undefined;
    const item = this.itemOf(ref);
    if (!item || item === AMBIGUOUS || item.kind !== 'base') return undefined;
    return { alias: item.alias, key: `${item.alias}.${ref.column}` };
  }

  /** True when the expression is fixed for this level: it names no table column of it. */
  isFixed(side: Side): boolean {
    if (side === FIXED) return true;
    const [type, f] = only(side);
    if (type === 'IN_ITEMS') return (f.items as Node[]).every((i) => this.isFixed(i));
    return !this.mentionsOwnColumn(side);
  }

  private itemOf(ref: { qualifier?: string; column: string }): FromItem | undefined {
    if (ref.qualifier !== undefined) return this.byAlias.get(ref.qualifier);
    // unqualified: this level's only FROM item (else ambiguous here: not attributed)
    return this.items.length === 1 ? this.items[0] : AMBIGUOUS;
  }

  private mentionsOwnColumn(value: unknown): boolean {
    if (Array.isArray(value)) return value.some((v) => this.mentionsOwnColumn(v));
    if (typeof value !== 'object' || value === null) return false;
    for (const [key, v] of Object.entries(value)) {
      if (key === 'SubLink') return this.mentionsOwnColumn((v as Fields).testexpr);
      if (key === 'ColumnRef') {
        const ref = columnRef({ ColumnRef: v as Fields });
        if (!ref) continue;
        const item = this.itemOf(ref);
        if (item?.kind === 'base') return true; // AMBIGUOUS too: it may be one of ours
        continue;
      }
      if (this.mentionsOwnColumn(v)) return true;
    }
    return false;
  }
}

/** An unqualified column of a level with several FROM items (not attributed to any). */
const AMBIGUOUS: FromItem = { alias: '\0ambiguous', kind: 'base' };

function columnRef(expr: Node): { qualifier?: string; column: string } | undefined {
  let [type, f] = only(expr);
  while (type === 'TypeCast' || type === 'CollateClause') [type, f] = only(f.arg);
  if (type !== 'ColumnRef') return undefined;
  const names = (f.fields as Node[]).map((n) => n.String?.sval as string | undefined);
  const column = names[names.length - 1];
  if (column === undefined) return undefined; // a.*
  return names.length >= 2 ? { qualifier: names[names.length - 2], column } : { column };
}

// ---------------------------------------------------------------------------------------------
// Comments: PostgreSQL's parser drops them, so a small lexer finds them (outside strings, quoted
// identifiers and dollar quotes; block comments nest as in PostgreSQL).

interface Declaration {
  /** Character offset of the comment. */
  at: number;
  /** Its byte offset (PostgreSQL's statement locations are bytes). */
  byte: number;
  reason: string;
}

const DECLARATION = /^\s*cross-tenant\b\s*:?\s*([\s\S]*?)\s*$/i;

export function crossTenantComments(sql: string): Declaration[] {
  const found: Declaration[] = [];
  const note = (at: number, body: string) => {
    const m = DECLARATION.exec(body);
    if (m) found.push({ at, byte: Buffer.byteLength(sql.slice(0, at)), reason: m[1] });
  };
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? sql.length : end;
      note(i, sql.slice(i + 2, stop));
      i = stop;
    } else if (c === '/' && next === '*') {
      let depth = 1;
      let j = i + 2;
      while (j < sql.length && depth > 0) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--;
          j += 2;
        } else j++;
      }
      note(i, sql.slice(i + 2, depth === 0 ? j - 2 : j));
      i = j;
    } else if (c === "'") {
      const escapes = /[eE]/.test(sql[i - 1] ?? '') && !/[\w$]/.test(sql[i - 2] ?? '');
      let j = i + 1;
      while (j < sql.length) {
        if (escapes && sql[j] === '\\') j += 2;
        else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
        else if (sql[j] === "'") break;
        else j++;
      }
      i = j + 1;
    } else if (c === '"') {
      let j = i + 1;
      while (j < sql.length && !(sql[j] === '"' && sql[j + 1] !== '"')) j += sql[j] === '"' ? 2 : 1;
      i = j + 1;
    } else if (c === '$' && !/[\w$]/.test(sql[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_][A-Za-z_0-9]*)?\$/.exec(sql.slice(i, i + 64));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end < 0 ? sql.length : end + tag[0].length;
      } else i++;
    } else i++;
  }
  return found;
}
