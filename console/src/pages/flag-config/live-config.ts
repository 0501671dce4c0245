import { useEffect, useRef } from 'react';
import { ApiError } from '../../api/client.ts';
import { type FullFlagConfig, getFlagConfigIfChanged } from './api.ts';

const POLL_MS = 2000;

/**
 * Calls `onChange` with the flag's configuration in the environment whenever it is no longer at
 * `version` (someone else wrote it), for as long as the page is open.
 *
 * Polling, not a push channel: the admin API has none for the console (the websocket stream is the
 * SDKs', authenticated by SDK keys and carrying whole environments). A poll sends If-None-Match with
 * the version held and is answered 304 with no body while nothing changed, one indexed read on the
 * server. It runs every 2 s while the tab is visible, and at once when the tab is shown again.
 */
export function useLiveConfig(flagKey: string, envKey: string, version: number | null, onChange: (config: FullFlagConfig) => void) {
  const latest = useRef({ version, onChange });
  latest.current = { version, onChange };

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let inFlight = false;
    // The version last handed to onChange: while the page takes it in, a poll must not hand it again.
    let reported = -1;

    const poll = async () => {
      // The poll in flight schedules the next one when it is answered.
      if (stopped || inFlight) return;
      clearTimeout(timer);
      const held = latest.current.version;
      if (held !== null && document.visibilityState === 'visible') {
        inFlight = true;
        try {
          const config = await getFlagConfigIfChanged(flagKey, envKey, held);
          // A save made here meanwhile already moved the page on: only a newer version is news.
          const now = latest.current.version;
          if (!stopped && config && (now === null || config.version > now) && config.version > reported) {
            reported = config.version;
            latest.current.onChange(config);
          }
        } catch (caught) {
          // The flag or environment is gone, or the session: nothing more to watch.
          if (caught instanceof ApiError && (caught.status === 404 || caught.status === 401)) stopped = true;
          // Otherwise (the server is restarting, the network is down) the next poll tries again.
        } finally {
          inFlight = false;
        }
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    };

    const shown = () => {
      if (document.visibilityState === 'visible') void poll();
    };
    timer = setTimeout(poll, POLL_MS);
    document.addEventListener('visibilitychange', shown);
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', shown);
    };
  }, [flagKey, envKey]);
}
