// A single-page app: nothing is rendered on the server, nothing is prerendered but the shell.
export const ssr = false;
export const prerender = false;
