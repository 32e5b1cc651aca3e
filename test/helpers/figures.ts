/**
 * A measured figure (a wait, a count of token POSTs under load) that a test asserts a bound on:
 * printed only with TEST_FIGURES=1 (`TEST_FIGURES=1 npx jest test/redis`), so that `npm test`
 * shows failures, not numbers. The assertion runs either way.
 */
export function reportFigure(line: string): void {
  if (process.env.TEST_FIGURES === '1') process.stdout.write(`${line.replace(/\n$/, '')}\n`);
}
