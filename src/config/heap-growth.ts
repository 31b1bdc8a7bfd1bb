import * as v8 from 'node:v8';

/**
 * How much the V8 heap may grow past its live data before the next full collection. On a machine
 * with much memory V8 lets it grow up to 4× (a factor it derives from its collection speed), so
 * short-lived garbage that outlived a young-generation collection (a request in flight at C = 32
 * lives ~200 ms, across several) piles up in the old generation: the service's RSS peaked at
 * ~300 MB with 50-130 MB live. A fixed factor keeps the heap near its live data and never caps
 * it: the limit is recomputed from what survives, so a burst of live data still fits (unlike
 * `--max-old-space-size`, which turns one into a crash). Measured in docs/design.md. 0 leaves V8's
 * own factor, and a `--heap-growing-percent` the operator passes to node.
 */
export function applyHeapGrowth(
  percent: number,
  setFlags: (flags: string) => void = v8.setFlagsFromString,
): void {
  if (percent > 0) setFlags(`--heap-growing-percent=${percent}`);
}
