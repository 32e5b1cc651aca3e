// A CommonJS test under Jest's default configuration (no transformIgnorePatterns, no ESM flags):
// Jest's module loader cannot require() an ES module, so everything the package loads must be CJS.
const express = require('express');
const request = require('supertest');
const { mcaOAuth, McaConfigError } = require('express-mca-oauth');
const { redisTokenStore } = require('express-mca-oauth/redis');
const { startTokenServer, buildApp } = require('../fixture.cjs');

test('the middleware injects a cached header under Jest with supertest', async () => {
  const tokens = await startTokenServer();
  const { app, auth } = buildApp(express, mcaOAuth, tokens.tokenUrl);
  const first = await request(app).get('/header').expect(200);
  const second = await request(app).get('/header').expect(200);
  expect([first.body.header, second.body.header]).toEqual(['Bearer runner-token', 'Bearer runner-token']);
  expect(tokens.posts()).toBe(1);
  expect(typeof redisTokenStore).toBe('function');
  expect(() => mcaOAuth({ env: {}, envFile: false })).toThrow(McaConfigError);
  await auth.close();
  await tokens.close();
});
