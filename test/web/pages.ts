import { inlineJson } from './rig.ts';

/**
 * A page that renders synchronously from the SDK, as a server-rendered page would: the SDK inline in
 * <head> (a classic script defining `SwitchyardWeb`), then a script that creates the client with
 * `options` and writes `#checkout` ("on" / "off") from it at once, and again on each change of the flag.
 */
export function checkoutPage(sdkBundle: string, options: Record<string, unknown>): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Checkout</title><script>${sdkBundle}</script></head>
<body>
<script>
  const client = SwitchyardWeb.createClient(${inlineJson(options)});
  window.client = client;
  const label = () => (client.isEnabled('checkout', false) ? 'on' : 'off');
  document.body.insertAdjacentHTML('beforeend', '<p id="checkout">' + label() + '</p>');
  client.on('change:checkout', () => { document.getElementById('checkout').textContent = label(); });
</script>
</body>
</html>`;
}

/** A blank page with the SDK loaded, for tests that create clients themselves (page.evaluate). */
export function sdkPage(sdkBundle: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SDK</title><script>${sdkBundle}</script></head><body></body></html>`;
}

/**
 * An init script that records what `#<id>` shows: `__shown`, each distinct text in order (from a
 * MutationObserver), and `__frames`, its text at each animation frame (null before it exists), the
 * first of which is the first paint.
 */
export const recordShown = (id: string) => `
  window.__shown = [];
  window.__frames = [];
  const text = () => document.getElementById(${JSON.stringify(id)})?.textContent ?? null;
  new MutationObserver(() => {
    const now = text();
    if (now !== null && now !== window.__shown[window.__shown.length - 1]) window.__shown.push(now);
  }).observe(document, { subtree: true, childList: true, characterData: true });
  const frame = () => { window.__frames.push(text()); if (window.__frames.length < 600) requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
`;
