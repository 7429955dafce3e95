/**
 * What keeps a kiosk screen healthy for months untouched, apart from its content: the Screen
 * Wake Lock, the drift against burn-in, and the one reload into a service worker installed after
 * the page loaded. Used by the display component (components/kiosk/KioskDisplay.svelte).
 */

/** Burn-in protection: the display moves through these offsets (px), one step a minute. */
export const DRIFT_MS = 60_000;
const DRIFT: readonly [number, number][] = [
  [0, 0],
  [3, 1],
  [5, 4],
  [2, 6],
  [-2, 5],
  [-5, 2],
  [-4, -2],
  [-1, -5],
  [3, -4]
];

/** The offset of drift step `step` (any whole number; the steps go round). */
export function driftOffset(step: number): [number, number] {
  return DRIFT[((step % DRIFT.length) + DRIFT.length) % DRIFT.length] ?? [0, 0];
}

/**
 * Holds a Screen Wake Lock while the page is visible: taken now, again on every
 * `visibilitychange` to visible, and again whenever the system releases it. Returns the release.
 * `onChange` hears whether a lock is held (shown on the display for whoever checks the screen).
 */
export function holdWakeLock(onChange: (held: boolean) => void = () => undefined): () => void {
  let lock: WakeLockSentinel | null = null;
  let stopped = false;
  const acquire = async () => {
    if (stopped || lock !== null || document.visibilityState !== 'visible' || !navigator.wakeLock) return;
    try {
      lock = await navigator.wakeLock.request('screen');
      if (stopped) {
        void lock.release();
        return;
      }
      onChange(true);
      lock.addEventListener('release', () => {
        lock = null;
        onChange(false);
        // Released by the system (a power setting, a hidden tab): take it again when allowed.
        void acquire();
      });
    } catch {
      // Not allowed now (e.g. battery saver): the next visibility change tries again.
    }
  };
  const onVisibility = () => void acquire();
  document.addEventListener('visibilitychange', onVisibility);
  void acquire();
  return () => {
    stopped = true;
    document.removeEventListener('visibilitychange', onVisibility);
    void lock?.release();
  };
}

/** Set in sessionStorage before the one reload into the service worker. */
const CONTROL_RELOAD_KEY = 'fika.kiosk.controlReload';

/**
 * Reloads the page, once per tab, when a service worker is active but does not control it. A
 * page loaded before its worker was active is not controlled by it, so its images are not
 * cached for offline use until the next load, which on a screen may be months away. Call it at a
 * quiet moment only.
 */
export async function reloadIntoServiceWorker(): Promise<void> {
  if (!('serviceWorker' in navigator) || navigator.serviceWorker.controller || !navigator.onLine) return;
  const registration = await navigator.serviceWorker.getRegistration();
  if (!registration?.active || navigator.serviceWorker.controller) return;
  // Should the worker still not take the page, do not reload it at every quiet moment.
  if (sessionStorage.getItem(CONTROL_RELOAD_KEY)) return;
  sessionStorage.setItem(CONTROL_RELOAD_KEY, '1');
  location.reload();
}
