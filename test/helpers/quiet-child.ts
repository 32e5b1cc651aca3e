import { fork, type ChildProcess } from 'node:child_process';

// oidc-provider prints these itself when it starts with a development set-up (in-memory adapter,
// its own keys) on a Node it does not list as supported: expected, so held back, not printed.
const EXPECTED = /^oidc-provider (WARNING|NOTICE): /;

/**
 * Forks a test server (`oidc-server.mjs`, `mock-server.mjs`) with its output piped instead of
 * printed between the test results. `unexpected()` gives the lines that are not the server
 * library's known start-up notices, for the suite to assert empty: an error still shows.
 */
export function forkQuiet(script: string): { child: ChildProcess; output: () => string; unexpected: () => string[] } {
  const child = fork(script, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  return {
    child,
    output: () => text,
    unexpected: () => text.split('\n').filter((line) => line.trim() !== '' && !EXPECTED.test(line)),
  };
}

/** Disconnects the server and waits for it to exit, so that no child handle outlives the suite. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    if (child.connected) child.disconnect();
    else child.kill();
  });
}
