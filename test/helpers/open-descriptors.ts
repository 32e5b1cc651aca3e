import { readdirSync, readlinkSync, realpathSync } from 'node:fs';

/**
 * How many of this process's file descriptors are open on the given files or folders. Only those
 * count: the Jest worker opens and closes others (sockets of earlier tests, its own pipes) at any
 * time, so a total of /proc/self/fd varies under load (a loaded run saw 27 before a loop and 21
 * after it). Linux only, as /proc/self/fd is.
 */
export function descriptorsOpenOn(...paths: string[]): () => number {
  const ours = paths.map((path) => realpathSync(path));
  return () =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return ours.includes(readlinkSync(`/proc/self/fd/${fd}`));
      } catch {
        return false; // closed since the listing
      }
    }).length;
}
