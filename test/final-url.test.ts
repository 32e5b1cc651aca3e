import axios, { type AxiosRequestConfig } from 'axios';
import { finalUrl } from '../lib/transports/axios/authorized-client';

// finalUrl must agree with axios's own URL building, or the allowlist would judge another URL
// than the one requested.
const cases: [string, { url?: string | null; baseURL?: string; allowAbsoluteUrls?: boolean }][] = [
  ['absolute url, no base', { url: 'https://a.example/x' }],
  ['relative url and base', { url: '/x/y', baseURL: 'https://a.example/api' }],
  ['base with trailing slash', { url: 'x', baseURL: 'https://a.example/api/' }],
  ['absolute url beats base', { url: 'https://b.example/x', baseURL: 'https://a.example/' }],
  ['allowAbsoluteUrls false keeps the base', { url: 'https://b.example/x', baseURL: 'https://a.example', allowAbsoluteUrls: false }],
  ['protocol-relative url', { url: '//b.example/x', baseURL: 'https://a.example' }],
  ['empty url', { url: '', baseURL: 'https://a.example/api' }],
  ['url with a query', { url: '/x?q=1', baseURL: 'https://a.example' }],
  ['no url: the base itself', { baseURL: 'https://a.example/api' }],
  ['a null url: the base itself', { url: null, baseURL: 'https://a.example/api' }],
  [
    'allowAbsoluteUrls false puts a protocol-relative url under the base, all its slashes gone',
    { url: '//b.example/x', baseURL: 'https://a.example', allowAbsoluteUrls: false },
  ],
];

describe('finalUrl', () => {
  it.each(cases)('%s', (_name, config) => {
    // A null url is what a caller may pass at runtime, whatever axios's types say.
    expect(finalUrl(config)).toBe(axios.getUri(config as AxiosRequestConfig));
  });
});
