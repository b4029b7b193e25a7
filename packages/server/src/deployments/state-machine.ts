/** docs/deployments.md draws this machine; the tests walk every edge. */
export const deploymentStates = ['queued', 'pending', 'approved', 'running', 'verifying', 'succeeded', 'failed', 'rolled-back'] as const;
export type DeploymentState = (typeof deploymentStates)[number];

/** States that hold the one slot per service and environment (the partial unique index agrees). */
export const activeStates: readonly DeploymentState[] = ['pending', 'approved', 'running', 'verifying'];
export const terminalStates: readonly DeploymentState[] = ['succeeded', 'failed', 'rolled-back'];

const edges: Record<DeploymentState, readonly DeploymentState[]> = {
  queued: ['pending', 'approved', 'failed'],
  pending: ['approved', 'failed'],
  approved: ['running', 'succeeded', 'failed'],
  running: ['verifying', 'succeeded', 'failed', 'rolled-back'],
  verifying: ['running', 'succeeded', 'failed', 'rolled-back'],
  succeeded: [],
  failed: [],
  'rolled-back': [],
};

export function canMove(from: DeploymentState, to: DeploymentState): boolean {
  return edges[from].includes(to);
}

export function isTerminal(state: DeploymentState): boolean {
  return terminalStates.includes(state);
}
