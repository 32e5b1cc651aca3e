import { performance } from 'node:perf_hooks';
import type { StoreHealthStats } from '../token/token-store';

/** How the store reaches Redis: the hints for a lost connection differ. */
export type StoreTopology = 'single' | 'cluster' | 'sentinel';

/**
 * What to change, by the cause a Redis error names (matched on the code, then the message), and
 * whether the cause is a misconfiguration (reported once for good) rather than an outage.
 */
function hints(topology: StoreTopology): [RegExp, string, boolean][] {
  const unreachable =
    topology === 'sentinel'
      ? 'neither the sentinels nor the master they name answer: check MCA_REDIS_SENTINELS (the sentinels, not the master), MCA_REDIS_SENTINEL_MASTER, and `SENTINEL get-master-addr-by-name <master>` on a sentinel (is a failover under way, is the new master reachable from here?)'
      : topology === 'cluster'
        ? 'no seed node of the cluster answers: check MCA_REDIS_CLUSTER_NODES, and that `CLUSTER INFO` says cluster_state:ok'
        : 'nothing answers at that host and port: check the Redis URL';
  // The package's own codes first: their messages carry random text (a fleet key's fingerprint)
  // that the case-insensitive patterns below can match (`…SSl…` read as a TLS failure).
  return [
    [
      /ERR_MCA_STORE_FOREIGN_KEY/,
      'give every process the same MCA_REDIS_FLEET_KEY list; during a rotation every process holds both keys (README, "Rotating the fleet key"); `express-mca-oauth check` prints the fingerprints of a process',
      false,
    ],
    [
      /ERR_MCA_STORE_CONNECT_TIMEOUT/,
      'Redis did not finish connecting in time: check that it answers from this host; if it is only slow to start, raise MCA_REDIS_CONNECT_TIMEOUT_MS (`connectTimeoutMs`)',
      false,
    ],
    [
      /ERR_MCA_STORE_TIMEOUT/,
      'a connected Redis answered too slowly: check its latency (SLOWLOG, LATENCY DOCTOR, a long script, CLIENT PAUSE), or raise MCA_REDIS_TIMEOUT_MS (`storeTimeoutMs`)',
      false,
    ],
    [/WRONGPASS|NOAUTH|invalid password|AUTH/i, 'check the user and password of the Redis URL (percent-encoded) or of `client`', true],
    [
      /NOPERM|can't run this command|has no permissions/,
      "the Redis user lacks a command or key: grant it `+mget +eval +get +set +pttl +pexpire +del +incr ~<prefix>*` (ACL SETUSER; see the README's ACL section); the scripts' own commands count too",
      true,
    ],
    [
      /^OOM|OOM command not allowed/,
      'Redis is out of memory (maxmemory) and its policy refuses writes: raise maxmemory, or set maxmemory-policy to volatile-lru or allkeys-lru (the store gives every key a TTL)',
      false,
    ],
    [
      /CERT|certificate|SSL|TLS|EPROTO/i,
      'the server certificate is not trusted: set NODE_EXTRA_CA_CERTS to the CA file, or pass a `client` built with `tls: { ca }`; use rediss:// only for a TLS port',
      true,
    ],
    [/^MOVED|CLUSTERDOWN/, 'this Redis is a Cluster node: set MCA_REDIS_CLUSTER_NODES (or the `clusterNodes` option) instead of MCA_REDIS_URL', true],
    [/^READONLY/, 'this Redis is a replica (a demoted master?): point MCA_REDIS_URL at the master, or use MCA_REDIS_SENTINELS', true],
    [/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|All sentinels are unreachable/, unreachable, false],
    [
      /ECONNRESET|Connection is closed|socket hang up/i,
      'the server closed the connection: Redis stopped or restarted (it reconnects by itself), or, if it requires TLS, use rediss://',
      false,
    ],
  ];
}

/** The fix for an error, as the running store gives it: what `check` says too. */
export function hintFor(error: unknown, topology: StoreTopology): string | undefined {
  const { code, message } = causeOf(error);
  return hints(topology).find(([pattern]) => pattern.test(code) || pattern.test(message))?.[1];
}

/** A command the user may not run: `NOPERM` outside a script, a plain `ERR` inside one (Redis 7). */
const DENIED = /NOPERM|can't run this command|has no permissions/;

function causeOf(error: unknown): { code: string; message: string } {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  // A server's answer has no code of its own: its first word (WRONGPASS, OOM, MOVED …) is one,
  // except for a denied command inside a script, which Redis answers with a plain ERR.
  const code = typeof e?.code === 'string' ? e.code : DENIED.test(message) ? 'NOPERM' : (/^[A-Z]{3,}\b/.exec(message)?.[0] ?? 'ERR_MCA_STORE');
  // ioredis's own messages name the command and the server's answer, never its arguments; cap them anyway.
  return { code: code === 'ERR' ? 'ERR_MCA_STORE' : code, message: message.slice(0, 200) };
}

/**
 * The store's view of Redis's health: after a failure it skips Redis for `backoffMs` (every call
 * then costs nothing instead of one timeout), and the next command probes it again. Failures are
 * reported as `store-error`, once per distinct cause until Redis works again, and a cause with a
 * known fix also becomes one process warning that says what to change.
 */
export class StoreHealth {
  #downUntil = 0;
  /** Since when Redis is skipped (undefined while it works), and the time skipped before that. */
  #downSince: number | undefined;
  #downTotalMs = 0;
  readonly #errors: Record<string, number> = {};
  #lastCause: string | undefined;
  readonly #reported = new Set<string>();
  readonly #warned = new Set<string>();
  readonly #permanent = new Set<string>();

  readonly #hints: [RegExp, string, boolean][];

  constructor(
    private readonly backoffMs: number,
    private readonly report: (error: Error) => void,
    topology: StoreTopology = 'single',
  ) {
    this.#hints = hints(topology);
  }

  get available(): boolean {
    return performance.now() >= this.#downUntil;
  }

  /** The last error the client itself reported (auth, TLS, refused), for timeouts that hide it. */
  get lastCause(): string | undefined {
    return this.#lastCause;
  }

  /** Errors by code and time unavailable, for stats() and the metrics. */
  stats(): StoreHealthStats {
    const now = performance.now();
    const down = this.#downSince === undefined ? 0 : Math.min(now, this.#downUntil) - this.#downSince;
    return { available: this.available, errors: { ...this.#errors }, unavailableMs: Math.round(this.#downTotalMs + Math.max(0, down)) };
  }

  succeeded(): void {
    this.#closeOutage(performance.now());
    this.#downUntil = 0;
    this.#lastCause = undefined;
    this.#reported.clear();
  }

  /** A command failed (timeout, error answer, connection): skip Redis for a while, report it. */
  failed(operation: string, error: unknown): void {
    const now = performance.now();
    // A failure after the backoff ran out opens a new outage: the time in between was usable.
    if (now >= this.#downUntil) this.#closeOutage(now);
    this.#downSince ??= now;
    this.#downUntil = now + this.backoffMs;
    this.#emit(operation, error);
  }

  /** The client's own `error` event: the real cause of what the commands will only see as silence. */
  clientError(error: unknown): void {
    const { code, message } = causeOf(error);
    this.#lastCause = `${code}: ${message}`;
    this.#emit('connection', error);
  }

  /** Something wrong that is not an outage (a refused rollback): reported, Redis still used. */
  notice(operation: string, message: string, code = 'ERR_MCA_STORE_ROLLBACK'): void {
    // Redis works: the store-error carries the fix, and no "cannot use Redis" warning is due.
    this.#emit(operation, Object.assign(new Error(message), { code }), false);
  }

  #closeOutage(now: number): void {
    if (this.#downSince === undefined) return;
    this.#downTotalMs += Math.max(0, Math.min(now, this.#downUntil) - this.#downSince);
    this.#downSince = undefined;
  }

  #emit(operation: string, error: unknown, warn = true): void {
    const { code, message } = causeOf(error);
    this.#errors[code] = (this.#errors[code] ?? 0) + 1;
    const [, hint, permanent] = this.#hints.find(([pattern]) => pattern.test(code) || pattern.test(message)) ?? [];
    // Numbers vary (MOVED <slot>, ports, ms) where the cause does not. A misconfiguration is
    // reported once for good; an outage, once until Redis works again.
    const key = permanent ? hint! : `${operation}\0${code}\0${message.replace(/\d+/g, '#')}`;
    if (!this.#reported.has(key) && !this.#permanent.has(key)) {
      if (permanent) this.#permanent.add(key);
      else this.#reported.add(key);
      this.report(Object.assign(new Error(`Redis token store ${operation} failed: ${message}${hint ? `. Fix: ${hint}` : ''}`), { code }));
    }
    if (warn && hint !== undefined && !this.#warned.has(hint)) {
      this.#warned.add(hint);
      process.emitWarning(
        `express-mca-oauth: the Redis token store cannot use Redis (${code}: ${message}). Each process fetches its own tokens meanwhile. Fix: ${hint}.`,
        {
          code: 'MCA_REDIS_STORE',
        },
      );
    }
  }
}
