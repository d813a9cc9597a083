import { useCallback, useEffect, useId, useState } from 'react';
import { messageOf } from '../api/http.js';
import type { ByokSettings } from '../api/types.js';
import { useApp } from '../app/app-context.js';
import { Switch } from '../ui/switch.js';
import { useToast } from '../ui/toasts.js';

type Loaded = { state: 'loading' } | { state: 'failed'; message: string } | { state: 'ready'; settings: ByokSettings };

/**
 * "Never use platform credits": with it on, a request none of your keys can serve fails with
 * `no_route` instead of going to the platform key and costing credits. The switch shows the
 * server's value only; a change that fails says why and leaves it as it was.
 */
export function FallbackSetting() {
  const { api } = useApp();
  const notify = useToast();
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const [busy, setBusy] = useState(false);
  const ids = { label: useId(), description: useId() };

  const load = useCallback(async () => {
    setLoaded({ state: 'loading' });
    try {
      setLoaded({ state: 'ready', settings: await api.settings() });
    } catch (error) {
      setLoaded({ state: 'failed', message: messageOf(error) });
    }
  }, [api]);

  useEffect(() => {
    void load();
  }, [load]);

  async function change(never: boolean) {
    setBusy(true);
    try {
      const settings = await api.saveSettings({ platform_fallback: never ? 'never' : 'allow' });
      setLoaded({ state: 'ready', settings });
      notify('success', settings.platform_fallback === 'never' ? 'Platform credits will never be used.' : 'Platform credits may be used when none of your keys can serve a request.');
    } catch (error) {
      notify('error', messageOf(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card fallback-setting" aria-labelledby={ids.label}>
      <div className="switch-field">
        {loaded.state === 'ready' ? (
          <Switch checked={loaded.settings.platform_fallback === 'never'} onChange={(never) => void change(never)} labelledBy={ids.label} describedBy={ids.description} busy={busy} testId="fallback-switch" />
        ) : null}
        <h2 id={ids.label} className="setting-title">
          Never use platform credits
        </h2>
      </div>
      <p id={ids.description} className="muted small">
        When none of your keys can serve a request, it fails with <code>no_route</code> instead of using the platform key and charging your credits. Clients can ask for
        the same on one request with the header <code>x-byok-fallback: never</code>.
      </p>
      {loaded.state === 'loading' ? <p className="muted small">Loading the setting…</p> : null}
      {loaded.state === 'failed' ? (
        <p className="notice notice-error small" role="alert">
          {loaded.message}{' '}
          <button type="button" className="button" onClick={() => void load()}>
            Try again
          </button>
        </p>
      ) : null}
    </section>
  );
}
