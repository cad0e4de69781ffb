import adapterNode from '@sveltejs/adapter-node';
import adapterStatic from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

// One adapter-node build serves the pages (ssr off) and the optional api routes.
// `npm run build:static` sets SPIKESCORE_STATIC=1 for hosts without a server: no api routes there.
const staticBuild = process.env.SPIKESCORE_STATIC === '1';

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    adapter: staticBuild
      ? adapterStatic({ pages: 'build-static', assets: 'build-static', fallback: 'index.html', strict: false })
      : adapterNode({ out: 'build', precompress: false }),
    alias: { $workers: 'workers' }
  }
};
