/** The app version stamped into every run, bundle and report (provenance). Kept equal to package.json. */
export const APP_VERSION = '0.1.0';
