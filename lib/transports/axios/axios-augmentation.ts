// Types only: lets `req.mcaClient.get(url, { mcaAuth: false })` compile without casts.
declare module 'axios' {
  interface AxiosRequestConfig {
    /**
     * `false` keeps this request free of the token, even to a protected back end.
     * @default true
     */
    mcaAuth?: boolean;
  }
}

export {};
