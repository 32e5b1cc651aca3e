// An ESM test under Vitest's defaults: the package's ESM face, the same instance as require().
import { createRequire } from 'node:module';
import express from 'express';
import request from 'supertest';
import { expect, test } from 'vitest';
import { mcaOAuth, McaConfigError } from 'express-mca-oauth';
import fixture from '../fixture.cjs';

test('the middleware injects a cached header under Vitest with supertest', async () => {
  const tokens = await fixture.startTokenServer();
  const { app, auth } = fixture.buildApp(express, mcaOAuth, tokens.tokenUrl);
  const first = await request(app).get('/header').expect(200);
  const second = await request(app).get('/header').expect(200);
  expect([first.body.header, second.body.header]).toEqual(['Bearer runner-token', 'Bearer runner-token']);
  expect(tokens.posts()).toBe(1);
  expect(createRequire(import.meta.url)('express-mca-oauth').McaConfigError).toBe(McaConfigError);
  await auth.close();
  await tokens.close();
});
