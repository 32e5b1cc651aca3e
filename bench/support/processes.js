'use strict';
// Starts the benchmark's child processes and speaks their small IPC protocol.
const { fork } = require('node:child_process');
const { join } = require('node:path');

function start(script, settings) {
  const child = fork(join(__dirname, script), [JSON.stringify(settings)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--expose-gc'] });
  const ask = (type) =>
    new Promise((resolve, reject) => {
      const onMessage = (message) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        resolve(message);
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
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
  startServers: (settings) => start('servers.js', settings),
  startApp: (settings) => start('app.js', settings),
};
