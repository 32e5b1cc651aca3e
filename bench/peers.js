'use strict';
// Rows 10 and 11: this package against what an IBM Cloud user writes today, ibm-cloud-sdk-core's
// IamAuthenticator, with the same API key, the same IAM server and the same back end.
//   10: a proxied request, server CPU per request: req.mcaClient (mcaOAuth({ apikey })) against an
//       axios instance (maxRedirects: 0) whose request interceptor awaits
//       IamAuthenticator.authenticate(config). Both routes live in one app process (the
//       'iam-pair' app), alternated round by round, for the reason row 8 gives.
//   11: the cached header, median ns per awaited call: auth.authorization() against
//       IamAuthenticator.authenticate({ headers: {} }), alternated batch by batch in this process.
const { IamAuthenticator } = require('ibm-cloud-sdk-core');
const { mcaOAuth } = require('express-mca-oauth');
const { startServers } = require('./support/processes');
const { median, timeAwaitedCalls } = require('./support/stats');
const { ratioWithInterval, routesInOneProcess, REQUESTS } = require('./proxy-cpu');

const ROUNDS = Number(process.env.BENCH_PEER_ROUNDS ?? 15);

/** Row 10: the SDK route's CPU per request over req.mcaClient's (above 1: this package costs less). */
async function peerProxyCpu(servers) {
  const { samples: s, cpuUsPerRequest } = await routesInOneProcess(servers, 'iam-pair', { mca: '/proxy-mca-iam', sdk: '/proxy-sdk-iam' }, ROUNDS);
  return { ...ratioWithInterval(s.sdk, s.mca), cpuUsPerRequest, requestsPerRound: REQUESTS, rounds: s };
}

/** Row 11: the cached header, ns per awaited call, the two alternated batch by batch. */
async function peerHeaderCost(servers) {
  const { iam } = servers.ready;
  const auth = mcaOAuth({ apikey: iam.apikey, iamUrl: iam.iamUrl, env: {}, envFile: false });
  const authenticator = new IamAuthenticator({ apikey: iam.apikey, url: iam.iamUrl });
  const ours = () => auth.authorization();
  const sdk = () => authenticator.authenticate({ headers: {} });
  await Promise.all([ours(), sdk()]);
  const samples = { ours: [], sdk: [] };
  for (let round = 0; round < 7; round++) {
    const order = round % 2 === 0 ? ['ours', 'sdk'] : ['sdk', 'ours'];
    for (const name of order) {
      const perCall = await timeAwaitedCalls(name === 'ours' ? ours : sdk, { warmup: 5_000, batches: 1, perBatch: 50_000 });
      samples[name].push(perCall[0]);
    }
  }
  await auth.close();
  return { oursNs: median(samples.ours), sdkNs: median(samples.sdk), ratio: median(samples.sdk) / median(samples.ours), samples };
}

module.exports = { peerProxyCpu, peerHeaderCost };

if (require.main === module) {
  (async () => {
    require('./support/processes').pinSelf();
    const servers = await startServers({ lifetimeSeconds: 3600 });
    try {
      const h = await peerHeaderCost(servers);
      console.log(
        `row 11 cached header: auth.authorization() ${h.oursNs.toFixed(0)} ns, IamAuthenticator.authenticate() ${h.sdkNs.toFixed(0)} ns (${h.ratio.toFixed(1)}×)`,
      );
      const p = await peerProxyCpu(servers);
      console.log(
        `row 10 proxied request, server CPU: req.mcaClient ${p.cpuUsPerRequest.mca.toFixed(1)} µs, IamAuthenticator interceptor ${p.cpuUsPerRequest.sdk.toFixed(1)} µs; ratio sdk/mca ${p.ratio.toFixed(3)} (90%: ${p.interval90.map((v) => v.toFixed(3)).join('–')})`,
      );
    } finally {
      await servers.stop();
    }
  })().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
