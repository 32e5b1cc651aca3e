import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

// Runs in a child process against the built package, so nothing of Jest's own is counted: after
// close(), no timer, socket or server of ours may remain, and the process must exit by itself.
const script = `
const http = require('node:http');
const { mcaOAuth } = require(${JSON.stringify(join(__dirname, '..', 'dist', 'index.js'))});
let calls = 0;
let hung;
const hanging = new Promise((r) => { hung = r; });
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    calls++;
    if (calls === 1) { res.writeHead(503, { 'Retry-After': '0' }); return res.end(); }
    if (calls === 3) return hung(); // hangs: close() must abort it
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ access_token: 'tok-' + calls, expires_in: 2 }));
  });
});
server.listen(0, '127.0.0.1', async () => {
  let now = Date.now();
  const auth = mcaOAuth({ env: {}, envFile: false, clientId: 'a', secret: 'b', tokenUrl: 'http://127.0.0.1:' + server.address().port + '/token', now: () => now, retryBaseMs: 1 });
  await auth.provider.getAuthorizationHeader();       // a retry, then a token
  now += 1500;                                          // past half-life: the next call waits on a hanging fetch
  const pending = auth.provider.getAuthorizationHeader().catch((e) => e.code);
  await hanging;                                        // the server holds the request
  await auth.close();
  const outcome = await pending;
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  // libuv closes handles on a later turn of the loop: give it a bounded number of turns, no clock.
  const ours = () => process.getActiveResourcesInfo().filter((kind) => kind !== 'TTYWrap' && kind !== 'PipeWrap');
  for (let turn = 0; turn < 50 && ours().length > 0; turn++) await new Promise((r) => setImmediate(r));
  const left = ours();
  console.log(JSON.stringify({ outcome, left }));
});
`;

describe('close()', () => {
  it('leaves no timer, socket or server behind, and the process exits by itself', () => {
    const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
    expect(JSON.parse(out.trim())).toEqual({ outcome: 'ERR_MCA_CLOSED', left: [] });
  });
});
