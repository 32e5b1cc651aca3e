// node --test, the runner built into Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import request from 'supertest';
import { mcaOAuth } from 'express-mca-oauth';
import fixture from '../fixture.cjs';

test('the middleware injects a cached header under node --test with supertest', async () => {
  const tokens = await fixture.startTokenServer();
  const { app, auth } = fixture.buildApp(express, mcaOAuth, tokens.tokenUrl);
  const first = await request(app).get('/header').expect(200);
  const second = await request(app).get('/header').expect(200);
  assert.deepEqual([first.body.header, second.body.header], ['Bearer runner-token', 'Bearer runner-token']);
  assert.equal(tokens.posts(), 1);
  await auth.close();
  await tokens.close();
});
