import { Kind, print, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * AppSync's `ctx.info.selectionSetList`: every selected field below the resolved one as a path
 * ('owner', 'owner/name'), field names rather than aliases, fragments expanded, no introspection
 * fields, each path once, in document order.
 */
export function selectionSetList(fieldNodes: readonly FieldNode[], fragments: Record<string, FragmentDefinitionNode>): string[] {
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

/**
 * The `data` of a resolver error as AppSync returns it: filtered by the field's selection set like
 * the field's own value (selected fields only, under their response keys, fragments expanded).
 * A field without a selection set (a scalar) keeps its data as is. `errorInfo` is never filtered.
 */
export function dataForSelection(value: unknown, fieldNodes: readonly FieldNode[], fragments: Record<string, FragmentDefinitionNode>): unknown {
  const sets = fieldNodes.map((n) => n.selectionSet).filter((s): s is SelectionSetNode => s !== undefined);
  if (sets.length === 0) return value;
  const shape = (v: unknown, selections: readonly SelectionSetNode[], visiting: Set<string>): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => shape(x, selections, visiting));
    const src = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    const walk = (set: SelectionSetNode, seen: Set<string>): void => {
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          const name = sel.name.value;
          if (!(name in src)) continue;
          const key = sel.alias?.value ?? name;
          out[key] = sel.selectionSet ? shape(src[name], [sel.selectionSet], seen) : src[name];
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          walk(sel.selectionSet, seen);
        } else if (!seen.has(sel.name.value)) {
          const frag = fragments[sel.name.value];
          if (frag) walk(frag.selectionSet, new Set([...seen, sel.name.value]));
        }
      }
    };
    for (const set of selections) walk(set, visiting);
    return out;
  };
  return shape(value, sets, new Set());
}
