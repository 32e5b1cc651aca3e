'use strict';
// Starts the benchmark's child processes and speaks their small IPC protocol.
const { spawn, spawnSync } = require('node:child_process');
const os = require('node:os');
const { join } = require('node:path');

// On a 2-core machine, the load generator (this process) and the process under test fight for
// cores; pinning them apart (taskset, when present) takes most of the noise out of the ratios.
const canPin = os.cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;

/** Pins this process (the load generator) to core 0. */
function pinSelf() {
  if (canPin) spawnSync('taskset', ['-cp', '0', String(process.pid)]);
}

function start(script, settings, core) {
  const args = [
    '--expose-gc',
    ...(process.env.BENCH_PROFILE && script === 'app.js' ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
    join(__dirname, script),
    JSON.stringify(settings),
  ];
  const stdio = ['ignore', 'inherit', 'inherit', 'ipc'];
  const child =
    canPin && core !== undefined ? spawn('taskset', ['-c', String(core), process.execPath, ...args], { stdio }) : spawn(process.execPath, args, { stdio });
  const ask = (type) =>
    new Promise((resolve, reject) => {
      const onExit = (code) => reject(new Error(`${script} exited with ${code}`));
      const onMessage = (message) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      if (type !== 'ready') child.send({ type });
    });
  return ask('ready').then((ready) => ({
    ready,
    ask,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', resolve);
        child.disconnect();
      }),
  }));
}

module.exports = {
  pinSelf,
  // The app under test gets core 1 to itself; the token server and back end share core 0 with
  // the load generator, the same for every variant.
  startServers: (settings) => start('servers.js', settings, 0),
  startApp: (settings) => start('app.js', settings, 1),
};
