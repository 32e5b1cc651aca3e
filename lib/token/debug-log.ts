import createDebug from 'debug';
import type { TokenProvider } from './token-provider-api';

// `DEBUG=express-mca-oauth*`, as Express itself logs. Built from the provider's events, whose
// payloads never hold a token or a secret, so neither can reach a log line.
const log = createDebug('express-mca-oauth:provider');

/** Logs a provider's fetches, refreshes, retries, cooldowns and store errors, when debug is on. */
export function attachDebugLog(provider: TokenProvider, label: string): void {
  if (!log.enabled) return;
  provider.on('token', (e) =>
    log(
      '%s: token %s in %d ms (%d attempt%s), lifetime %d s%s',
      label,
      e.source === 'store' ? 'taken from the shared store' : 'fetched',
      e.durationMs,
      e.attempts,
      e.attempts === 1 ? '' : 's',
      Math.round(e.lifetimeMs / 1000),
      e.background ? ', background refresh' : '',
    ),
  );
  provider.on('retry', (e) => log('%s: attempt %d in %d ms after %s%s', label, e.attempt, e.delayMs, e.code, e.status ? ` (HTTP ${e.status})` : ''));
  provider.on('refresh-failed', (e) => log('%s: background refresh failed: %s; serving the current token', label, e.code));
  provider.on('error', (e) => log('%s: fetch failed: %s %s; cooling down', label, e.code, e.message));
  provider.on('invalidated', (e) => log('%s: token dropped (%s)', label, e.reason));
  provider.on('store-error', (e) => log('%s: store error, carrying on locally: %s', label, e.message));
}
