/** True in a browser tab that is in the background; false elsewhere (workers, Node, tests). */
export function isHidden(): boolean {
  return typeof document !== 'undefined' && document.visibilityState === 'hidden';
}

/**
 * Calls `visible` when the tab becomes visible again or the browser comes back online, and `hidden`
 * when the tab goes to the background, where those events exist. Returns the function that
 * detaches the listeners.
 */
export function attachRefreshTriggers(on: { visible: () => void; hidden: () => void }): () => void {
  const onVisibility = () => (isHidden() ? on.hidden() : on.visible());
  const onOnline = () => {
    if (!isHidden()) on.visible();
  };
  const doc = typeof document !== 'undefined' && typeof document.addEventListener === 'function' ? document : undefined;
  const win = typeof globalThis.addEventListener === 'function' ? globalThis : undefined;
  doc?.addEventListener('visibilitychange', onVisibility);
  win?.addEventListener('online', onOnline);
  return () => {
    doc?.removeEventListener('visibilitychange', onVisibility);
    win?.removeEventListener('online', onOnline);
  };
}
