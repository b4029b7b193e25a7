/** A feature's outgoing prerequisite edges, as much as cycle finding needs. */
export interface PrerequisiteNode {
  readonly prerequisites?: readonly { readonly feature: string }[];
}

/**
 * Groups of features whose prerequisites form a cycle (strongly connected components with more
 * than one feature, or a feature that requires itself). Unknown prerequisite keys are ignored.
 *
 * @example
 * findPrerequisiteCycles({
 *   a: { prerequisites: [{ feature: 'b' }] },
 *   b: { prerequisites: [{ feature: 'a' }] },
 *   c: { prerequisites: [{ feature: 'a' }] },
 * }); // [['a', 'b']]
 */
export function findPrerequisiteCycles(features: Readonly<Record<string, PrerequisiteNode>>): string[][] {
  const keys = Object.keys(features);
  const edges = new Map<string, string[]>();
  for (const key of keys) {
    const prerequisites = features[key]?.prerequisites;
    const targets = Array.isArray(prerequisites)
      ? prerequisites.map((p) => p?.feature).filter((f): f is string => typeof f === 'string' && Object.hasOwn(features, f))
      : [];
    edges.set(key, targets);
  }
  // Tarjan's algorithm, iterative so that long prerequisite chains cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  for (const root of keys) {
    if (index.has(root)) continue;
    const work: { node: string; next: number }[] = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const targets = edges.get(frame.node)!;
      if (frame.next < targets.length) {
        const target = targets[frame.next++]!;
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, next: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = component.length === 1 && targets.includes(frame.node);
        if (component.length > 1 || selfLoop) cycles.push(component.sort());
      }
    }
  }
  return cycles;
}
