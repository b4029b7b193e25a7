/** True in a browser tab that is in the background; false elsewhere (workers, Node, tests). */
export function isHidden(): boolean {
  return typeof document !== 'undefined' && document.visibilityState === 'hidden';
}

/**
 * Calls `onTrigger` when the tab becomes visible again or the browser comes back online, where
 * those events exist. Returns the function that detaches the listeners.
 */
export function attachRefreshTriggers(onTrigger: () => void): () => void {
  const onVisibility = () => {
    if (!isHidden()) onTrigger();
  };
  const doc = typeof document !== 'undefined' && typeof document.addEventListener === 'function' ? document : undefined;
  const win = typeof globalThis.addEventListener === 'function' ? globalThis : undefined;
  doc?.addEventListener('visibilitychange', onVisibility);
  win?.addEventListener('online', onTrigger);
  return () => {
    doc?.removeEventListener('visibilitychange', onVisibility);
    win?.removeEventListener('online', onTrigger);
  };
}
