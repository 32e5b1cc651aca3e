import { inspect } from 'node:util';
import { AxiosError, AxiosHeaders, type InternalAxiosRequestConfig } from 'axios';
import { walkErrorChain } from '../../lib/outbound/error-chain';
import { redactAxiosError } from '../../lib/transports/axios/redact-axios-error';
import { redactFetchError } from '../../lib/transports/fetch/redact-fetch-error';

// The one walk both transports redact errors along (issue 23): which objects, how deep, how often.

function visited(error: unknown): object[] {
  const seen: object[] = [];
  walkErrorChain(error, (value) => void seen.push(value), undefined);
  return seen;
}

function chainOf(length: number): Error[] {
  const errors = Array.from({ length }, (_, i) => new Error(`level ${i}`));
  for (let i = 0; i < length - 1; i++) errors[i]!.cause = errors[i + 1];
  return errors;
}

describe('walkErrorChain', () => {
  it('visits the error and five causes below it, no deeper', () => {
    const chain = chainOf(8);
    expect(visited(chain[0])).toEqual(chain.slice(0, 6));
  });

  it('visits the members of an AggregateError, and their causes, within the same depth', () => {
    const inner = new Error('inner');
    const first = new Error('first', { cause: inner });
    const second = new Error('second');
    const aggregate = new AggregateError([first, second], 'all failed');
    const top = new TypeError('fetch failed', { cause: aggregate });
    expect(visited(top)).toEqual([top, aggregate, first, inner, second]);
  });

  it('members of nested AggregateErrors count toward the same depth bound as causes', () => {
    const levels = Array.from({ length: 8 }, (_, i) => new AggregateError([], `level ${i}`));
    for (let i = 0; i < levels.length - 1; i++) (levels[i] as { errors: unknown[] }).errors.push(levels[i + 1]);
    expect(visited(levels[0])).toEqual(levels.slice(0, 6));
  });

  it('an error met deep in the cause chain and again as a member near the top is walked from the nearer place', () => {
    // Below an empty AggregateError the error's causes reach the bound before `deep`; listed
    // again in the top AggregateError, the same error is one level down and `deep` within reach.
    const causes = chainOf(4);
    const listed = new AggregateError([], 'none', { cause: causes[0] });
    const middle = new Error('middle', { cause: listed });
    const top = new AggregateError([listed], 'top', { cause: middle });
    expect(visited(top)).toContain(causes[3]);
  });

  it('an error met at the bound inside one member and listed again as a later member has its causes walked', () => {
    // The first member's causes reach `shared` at the bound, where its own cause is out of reach;
    // as the second member, `shared` is one level down and its cause (a credential, say) in reach.
    const secret = new Error('secret');
    const shared = new Error('shared', { cause: secret });
    const first = chainOf(4);
    first[3]!.cause = shared;
    const top = new AggregateError([first[0], shared], 'both failed');
    const seen = visited(top);
    expect(seen).toContain(secret);
    expect(seen.filter((value) => value === shared)).toHaveLength(1);
  });

  it('an AggregateError that lists itself, or one error many times, costs its distinct members', () => {
    const member = new Error('member');
    const aggregate = new AggregateError(Array(1000).fill(member), 'many');
    (aggregate as { errors: unknown[] }).errors.push(aggregate);
    expect(visited(aggregate)).toEqual([aggregate, member]);
  });

  // What the walk costs is the links it reads: each `cause` and `errors` read is one object walked.
  // Walked again at every meeting, an AggregateError that lists itself k times costs k^5 walks.
  it('an error listed again at the same depth, or an AggregateError listed in itself, has its links read once', () => {
    const reads = { member: 0, aggregate: 0 };
    const member = new Error('member');
    Object.defineProperty(member, 'cause', { get: () => void reads.member++ });
    const aggregate = new AggregateError([], 'many');
    const list: unknown[] = [member, member, member, aggregate, aggregate, aggregate];
    Object.defineProperty(aggregate, 'errors', {
      get: () => {
        reads.aggregate++;
        return list;
      },
    });
    expect(visited(aggregate)).toEqual([aggregate, member]);
    expect(reads).toEqual({ member: 1, aggregate: 1 });
  });

  it('a cycle of causes ends at the depth bound', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(visited(a)).toEqual([a, b, a, b, a, b]);
  });

  it.each([undefined, null, 'text', 42])('%p: nothing to visit', (value) => {
    expect(visited(value)).toEqual([]);
  });
});

function axiosErrorWithCredentials(): AxiosError {
  const config = { headers: new AxiosHeaders({ Authorization: 'Basic c2VjcmV0LXVzZXI6c2VjcmV0LXBhc3M=' }) } as InternalAxiosRequestConfig;
  return new AxiosError('Request failed', 'ERR_BAD_REQUEST', config);
}

describe('both transports redact along it', () => {
  it('axios: an AxiosError inside an AggregateError is redacted too (the walk once followed only `cause`)', () => {
    const inner = axiosErrorWithCredentials();
    const aggregate = new AggregateError([new Error('other'), inner], 'both calls failed');
    expect(redactAxiosError(aggregate)).toBe(aggregate);
    expect(inner.config?.headers.Authorization).toBe('[redacted]');
    expect(inspect(aggregate, { depth: Infinity })).not.toContain('c2VjcmV0LXVzZXI6c2VjcmV0LXBhc3M=');
  });

  it('axios: an AxiosError five causes down is redacted (the walk once stopped at four)', () => {
    const chain = chainOf(5);
    const deep = axiosErrorWithCredentials();
    chain[4]!.cause = deep;
    redactAxiosError(chain[0]);
    expect(deep.config?.headers.Authorization).toBe('[redacted]');
  });

  it('fetch: the header sent is cut out of every level within the bound, and a Request an error carries is scrubbed', () => {
    const sent = 'Bearer tok-secret-1';
    const chain = chainOf(7).map((error) => Object.assign(error, { message: `${error.message} with ${sent}` }));
    const request = new Request('http://127.0.0.1/x', { headers: { authorization: sent } });
    Object.assign(chain[2]!, { request });
    redactFetchError(chain[0], sent);
    expect(chain.map((error) => error.message.includes(sent))).toEqual([false, false, false, false, false, false, true]);
    expect(request.headers.get('authorization')).toBe('[redacted]');
  });
});
