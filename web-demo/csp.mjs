// Narrows the page's Content-Security-Policy to the origins this visit needs.
//
// The policy in index.html's <meta> cannot name the user's chat endpoint (it
// is chosen at run time), so its connect-src allows any http(s) origin. This
// module, the first the page evaluates, adds a second policy naming exactly
// the page's own origin, the endpoint's origin and a user-given model
// bundle's origin, read from the saved settings. A browser enforces every
// policy of a document, so a connection must pass both: the page (and its
// scoring worker, which inherits the page's policies because it is started
// from a blob: URL) can reach no other host. A policy can be added but never
// relaxed, so choosing an endpoint on another origin saves the settings and
// reloads the page (see app.mjs).
import { readSettings, chatCompletionsUrl, originOf } from './settings.mjs';

export function originsFor(settings) {
  const origins = new Set();
  try {
    origins.add(new URL(chatCompletionsUrl(settings.endpoint)).origin);
  } catch { /* no valid endpoint yet: nothing but the page's own origin */ }
  if (settings.modelSource === 'url') {
    const bundle = originOf(settings.bundleUrl);
    if (bundle) origins.add(bundle);
  }
  origins.delete(globalThis.location?.origin);
  return origins;
}

export const allowedOrigins = originsFor(readSettings());

// Whether the policy in force lets the page reach `origin`.
export const canConnect = (origin) => origin === location.origin || allowedOrigins.has(origin);

const meta = document.createElement('meta');
meta.httpEquiv = 'Content-Security-Policy';
meta.content = `connect-src 'self' ${[...allowedOrigins].join(' ')}`.trim();
document.head.append(meta);
