// The app is a client-side SPA: models run in workers, data lives in IndexedDB. The server only serves files and
// the optional api routes.
export const ssr = false;
export const prerender = false;
