import * as v8 from 'node:v8';

/**
 * How much the V8 heap may grow past its live data before the next full collection. On a machine
 * with much memory V8 lets it grow up to 4× (a factor it derives from its collection speed), so
 * short-lived garbage that outlived a young-generation collection (a request in flight at C = 32
 * lives ~200 ms, across several) piles up in the old generation: the service's RSS peaked at
 * ~300 MB with 50-100 MB live. A fixed factor keeps the heap within that factor of its live data
 * under load and never caps it: the limit is recomputed from what survives, so a burst of live
 * data still fits (unlike `--max-old-space-size`, which turns one into a crash). The fixed factor
 * also replaces the smaller ones V8 uses while it reduces memory (idle, or under memory
 * pressure): an idle service keeps up to twice its live data instead of shrinking towards it.
 * Measured in docs/design.md. 0 leaves V8's own factors, and a `--heap-growing-percent` the
 * operator passes to node. `setFlags` is for the test.
 */
export function applyHeapGrowth(
  percent: number,
  setFlags: (flags: string) => void = v8.setFlagsFromString,
): void {
  if (percent > 0) setFlags(`--heap-growing-percent=${percent}`);
}
