import axios from 'axios';
import { finalUrl } from '../lib/transports/axios/authorized-client';

// finalUrl must agree with axios's own URL building, or the allowlist would judge another URL
// than the one requested.
const cases: [string, { url?: string; baseURL?: string; allowAbsoluteUrls?: boolean }][] = [
  ['absolute url, no base', { url: 'https://a.example/x' }],
  ['relative url and base', { url: '/x/y', baseURL: 'https://a.example/api' }],
  ['base with trailing slash', { url: 'x', baseURL: 'https://a.example/api/' }],
  ['absolute url beats base', { url: 'https://b.example/x', baseURL: 'https://a.example/' }],
  ['allowAbsoluteUrls false keeps the base', { url: 'https://b.example/x', baseURL: 'https://a.example', allowAbsoluteUrls: false }],
  ['protocol-relative url', { url: '//b.example/x', baseURL: 'https://a.example' }],
  ['empty url', { url: '', baseURL: 'https://a.example/api' }],
  ['url with a query', { url: '/x?q=1', baseURL: 'https://a.example' }],
];

describe('finalUrl', () => {
  it.each(cases)('%s', (_name, config) => {
    expect(finalUrl(config)).toBe(axios.getUri(config));
  });
});
