/**
 * The "undocumented code" check, in every e2e file: each problem the app answers is recorded
 * with its route, and after the file's tests every (route, code) pair must be listed in that
 * operation of the committed OpenAPI document. In memory, per test file: nothing shared between
 * jest's workers, and running any subset of files checks what that subset saw.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { observeProblems } from '../../src/common/errors/problem-observer';
import { Answered, undocumented } from '../support/documented-codes';

const answered = new Map<string, Answered>();
const stop = observeProblems(({ method, route, problem }) => {
  if (!route) return; // refused before any route: listed in the document's description
  const key = `${method} ${route} ${problem.code}`;
  if (answered.has(key)) return;
  answered.set(key, { method, route, code: problem.code });
  // IDS_PROBLEMS_DUMP=dir keeps what a run saw (e.g. to review a route's documented codes)
  if (process.env.IDS_PROBLEMS_DUMP) {
    appendFileSync(join(process.env.IDS_PROBLEMS_DUMP, `${process.pid}.txt`), `${key}\n`);
  }
});

afterAll(() => {
  stop();
  const gaps = undocumented(answered.values());
  if (gaps.length > 0) {
    throw new Error(
      `Answered codes the OpenAPI document does not list for the route (add them with ` +
        `@Fails(...) on the handler, then npm run openapi):\n  ${gaps.join('\n  ')}`,
    );
  }
});
