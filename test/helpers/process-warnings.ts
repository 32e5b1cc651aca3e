export interface CapturedWarning {
  code: string | undefined;
  message: string;
}

/** The code of a `process.emitWarning(warning, options | type, code)` call. */
function codeOf(warning: unknown, args: unknown[]): string | undefined {
  const [second, third] = args;
  if (typeof second === 'object' && second !== null) return (second as { code?: string }).code;
  if (typeof third === 'string') return third;
  return (warning as { code?: string } | undefined)?.code;
}

/**
 * Holds back, for the suite's tests to assert, the process warnings of `codes` that the suite
 * provokes on purpose (`MCA_REDIS_STORE` from a Redis that refuses the store): Node would print
 * them between the test results. A warning of any other code is emitted as usual, so one that
 * nobody expected still shows. Call it at the top of a describe block or a file.
 */
export function captureWarnings(codes: readonly string[]): { readonly all: CapturedWarning[]; take(): CapturedWarning[] } {
  const all: CapturedWarning[] = [];
  let taken = 0;
  let original: typeof process.emitWarning | undefined;
  beforeAll(() => {
    original = process.emitWarning;
    const emit = original;
    process.emitWarning = function (this: unknown, warning: string | Error, ...args: unknown[]): void {
      const code = codeOf(warning, args);
      if (code !== undefined && codes.includes(code)) {
        all.push({ code, message: typeof warning === 'string' ? warning : warning.message });
        return;
      }
      (emit as (...a: unknown[]) => void).call(process, warning, ...args);
    };
  });
  afterAll(() => {
    if (original) process.emitWarning = original;
  });
  return {
    all,
    /** The warnings held back since the last call. */
    take: () => all.slice(taken, (taken = all.length)),
  };
}

/**
 * For a suite that makes Redis refuse the token store on purpose (a wrong password, an ACL, a
 * self-signed certificate, a stopped server): holds back the store's `MCA_REDIS_STORE` warnings,
 * and checks when the suite ends that each one named its cause and its fix.
 */
export function captureRedisStoreWarnings(): ReturnType<typeof captureWarnings> {
  const warnings = captureWarnings(['MCA_REDIS_STORE']);
  afterAll(() => {
    for (const { message } of warnings.all) {
      expect(message).toMatch(
        /^express-mca-oauth: the Redis token store cannot use Redis \(\S+: .*\)\. Each process fetches its own tokens meanwhile\. Fix: .+\.$/s,
      );
    }
  });
  return warnings;
}
