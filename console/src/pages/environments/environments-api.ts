import { request } from '../../api/client.ts';
import type { Environment } from '../../api/types.ts';

const one = (key: string) => `/environments/${encodeURIComponent(key)}`;

export const createEnvironment = (environment: { key: string; name: string }) =>
  request<Environment>('POST', '/environments', { body: environment });

/** The API changes an environment's name only; its key is what SDKs and URLs use. */
export const renameEnvironment = (key: string, name: string) => request<Environment>('PATCH', one(key), { body: { name } });

export const deleteEnvironment = (key: string) => request<void>('DELETE', one(key));
