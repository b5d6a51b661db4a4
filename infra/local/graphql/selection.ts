import { Kind, print, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * AppSync's `ctx.info.selectionSetList`: every selected field below the resolved one as a path
 * ('owner', 'owner/name'), field names rather than aliases, fragments expanded, no introspection
 * fields, each path once, in document order.
 */
export function selectionSetList(
  fieldNodes: readonly FieldNode[],
  fragments: Record<string, FragmentDefinitionNode>,
): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode | undefined, prefix: string, visiting: Set<string>): void => {
    for (const sel of set?.selections ?? []) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith('__')) continue;
        const path = prefix ? `${prefix}/${sel.name.value}` : sel.name.value;
        if (!seen.has(path)) {
          seen.add(path);
          out.push(path);
        }
        walk(sel.selectionSet, path, visiting);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        walk(sel.selectionSet, prefix, visiting);
      } else {
        const name = sel.name.value;
        if (visiting.has(name)) continue;
        const frag = fragments[name];
        if (frag) walk(frag.selectionSet, prefix, new Set([...visiting, name]));
      }
    }
  };
  for (const node of fieldNodes) walk(node.selectionSet, '', new Set());
  return out;
}

/** AppSync's `ctx.info.selectionSetGraphQL`: the field's selection set as GraphQL text. */
export function selectionSetGraphQL(fieldNodes: readonly FieldNode[]): string {
  const set = fieldNodes[0]?.selectionSet;
  return set ? print(set) : '';
}
