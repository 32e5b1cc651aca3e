// How the CLI prints: a line at a time, through a function the tests can replace, and URLs never
// with their userinfo or query.

/** Where the CLI writes a line (stdout or stderr; a collector in tests). */
export type Out = (line: string) => void;

/** A URL without userinfo or query: a URL may carry credentials. */
export function bare(value: string): string {
  const url = new URL(value.trim());
  return `${url.origin}${url.pathname}`;
}
