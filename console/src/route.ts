/** The console's pages, addressed by the URL's hash so the API serves one file for all. */
export type Route =
  | { page: 'environments' }
  | { page: 'environment'; environment: string }
  | { page: 'tenant'; environment: string; tenant: string }
  | { page: 'run'; run: string }
  | { page: 'not-found'; hash: string };

/** The route a hash (`#/environments/tutorial`) names. */
export function parseRoute(hash: string): Route {
  const parts = hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean)
    .map((part) => decodeURIComponent(part));
  const [first, second, third, fourth] = parts;
  if (parts.length === 0) return { page: 'environments' };
  if (first === 'environments' && second && parts.length === 2) {
    return { page: 'environment', environment: second };
  }
  if (first === 'environments' && second && third === 'tenants' && fourth && parts.length === 4) {
    return { page: 'tenant', environment: second, tenant: fourth };
  }
  if (first === 'runs' && second && parts.length === 2) return { page: 'run', run: second };
  return { page: 'not-found', hash };
}

/** The hash of a route's page. */
export const href = {
  environments: () => '#/',
  environment: (id: string) => `#/environments/${encodeURIComponent(id)}`,
  tenant: (env: string, tenant: string) =>
    `#/environments/${encodeURIComponent(env)}/tenants/${encodeURIComponent(tenant)}`,
  run: (id: string) => `#/runs/${encodeURIComponent(id)}`,
};
