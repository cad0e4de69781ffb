import { expect, test } from '@playwright/test';

test('the built app is served cross-origin isolated from 127.0.0.1 and sees a WebGPU adapter', async ({ page }) => {
  await page.goto('/');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const adapter = await page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<{ info: { architecture: string } } | null> } }).gpu;
    const a = await gpu?.requestAdapter();
    return a ? a.info.architecture : null;
  });
  expect(adapter).toBe('swiftshader');
});
