// An ESM TypeScript consumer (.mts under module nodenext, and again under moduleResolution
// bundler): the package's types must bind the same axios declarations as the user's own import.
import axios, { type AxiosInstance, type AxiosRequestConfig } from 'axios';
import axiosRetry from 'axios-retry';
import { mcaOAuth } from 'express-mca-oauth';

const auth = mcaOAuth({ env: {}, envFile: false, clientId: 'c', secret: 's', tokenUrl: 'https://auth.example.com/token' });
const c: AxiosInstance = auth.client;
axiosRetry(auth.client, { retries: 2 });
const cfg: AxiosRequestConfig = { mcaAuth: false };
const plain: AxiosInstance = axios.create(cfg);
void c;
void plain;
export {};
