import type { ComponentType } from 'preact';
import lazy from 'preact-iso/lazy';

/**
 * The console's pages, in navigation order. A page is one file under pages/ (a default-exported
 * component) and one line here: the router, the navigation and the document title follow.
 * Each page is loaded when first opened, so the charts library is only fetched by the overview.
 */
export interface ConsolePage {
  /** The path under /ui, e.g. `audit` for /ui/audit. */
  path: string;
  /** The navigation label and the document title. */
  title: string;
  component: ComponentType;
}

export const pages: readonly ConsolePage[] = [
  { path: 'overview', title: 'Overview', component: lazy(() => import('./pages/overview-page.js')) },
  { path: 'review', title: 'Review queue', component: lazy(() => import('./pages/review-page.js')) },
  { path: 'audit', title: 'Audit', component: lazy(() => import('./pages/audit-page.js')) },
  { path: 'keys', title: 'Keys and tenants', component: lazy(() => import('./pages/keys-page.js')) },
  { path: 'switches', title: 'Switches', component: lazy(() => import('./pages/switches-page.js')) },
  { path: 'policies', title: 'Policies and rollouts', component: lazy(() => import('./pages/policies-page.js')) },
  { path: 'incidents', title: 'Incidents', component: lazy(() => import('./pages/incidents-page.js')) },
];

export const basePath = '/ui';

export const pageUrl = (path: string, query: Record<string, string | undefined> = {}): string => {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, value);
  const search = params.toString();
  return `${basePath}/${path}${search === '' ? '' : `?${search}`}`;
};
