'use strict';
// Small statistics helpers for the benchmarks.

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs `fn` `batches` times over `perBatch` awaited calls after a warm-up; returns ns per call, one per batch. */
async function timeAwaitedCalls(fn, { warmup = 200_000, batches = 15, perBatch = 100_000 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const perCall = [];
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < perBatch; i++) await fn();
    perCall.push(Number(process.hrtime.bigint() - start) / perBatch);
  }
  return perCall;
}

/**
 * A percentile bootstrap interval for the median of `values` (resampled 2000 times with a fixed
 * seed, so the same samples always give the same interval): how far the quoted median could move
 * on another run with this spread.
 */
function bootstrapMedianInterval(values, level = 0.9) {
  let seed = 0x2545f491;
  const random = () => {
    // xorshift32: deterministic, good enough to resample.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const medians = [];
  for (let i = 0; i < 2000; i++) medians.push(median(values.map(() => values[Math.floor(random() * values.length)])));
  medians.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return [medians[Math.floor(tail * medians.length)], medians[Math.ceil((1 - tail) * medians.length) - 1]];
}

module.exports = { median, timeAwaitedCalls, bootstrapMedianInterval };
