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

module.exports = { median, timeAwaitedCalls };
