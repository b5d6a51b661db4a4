/**
 * Static check of bundled resolver code against the APPSYNC_JS runtime's documented limits
 * ("Supported runtime features": statements, operators, functions) and the rules of AWS's own
 * @aws-appsync/eslint-plugin (no classes, async, generators, regex literals, `this`, recursion...).
 * AppSync rejects such code at deploy time; checking here makes the local runtime refuse it too.
 */
import { parse } from 'acorn';
import type { Node, Program, Function as FnNode, Identifier, Pattern } from 'acorn';
import { ancestor } from 'acorn-walk';

export type RuleId =
  | 'parse'
  | 'max-size'
  | 'no-try'
  | 'no-throw'
  | 'no-while'
  | 'no-for'
  | 'no-continue'
  | 'no-labels'
  | 'no-disallowed-unary-operators'
  | 'no-in-operator'
  | 'no-instanceof'
  | 'no-classes'
  | 'no-async'
  | 'no-await'
  | 'no-promise'
  | 'no-generators'
  | 'no-regex'
  | 'no-this'
  | 'no-new'
  | 'no-dynamic-import'
  | 'no-with'
  | 'no-debugger'
  | 'no-recursion'
  | 'no-disallowed-import';

export interface RuleViolation {
  rule: RuleId;
  message: string;
  line: number;
  column: number;
}

/** Constructors the runtime provides: Date, and the documented error types. */
const ALLOWED_NEW = new Set(['Date', 'Error', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError']);
/** The only module resolver code may import at run time. */
const ALLOWED_IMPORT = /^@aws-appsync\/utils(\/.*)?$/;

// ESTree nodes are read field by field; acorn's types do not narrow by `type`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyNode = Node & Record<string, any>;

/** Returns every violation, in source order; an empty list means the code may be deployed. */
export function checkAppSyncJsRules(code: string): RuleViolation[] {
  let program: Program;
  try {
    program = parse(code, { ecmaVersion: 'latest', sourceType: 'module', locations: true });
  } catch (e) {
    const loc = (e as { loc?: { line: number; column: number } }).loc;
    return [{ rule: 'parse', message: (e as Error).message, line: loc?.line ?? 1, column: loc?.column ?? 0 }];
  }
  const out: RuleViolation[] = [];
  const add = (node: Node, rule: RuleId, message: string): void => {
    out.push({ rule, message, line: node.loc?.start.line ?? 1, column: node.loc?.start.column ?? 0 });
  };
  const fn = (node: AnyNode): void => {
    if (node.async) add(node, 'no-async', 'async functions are not supported');
    if (node.generator) add(node, 'no-generators', 'generators are not supported');
  };

  ancestor(program, {
    TryStatement: (n) => add(n, 'no-try', 'try/catch/finally is not supported'),
    ThrowStatement: (n) => add(n, 'no-throw', 'throw is not supported; use util.error()'),
    WhileStatement: (n) => add(n, 'no-while', 'while loops are not supported'),
    DoWhileStatement: (n) => add(n, 'no-while', 'do-while loops are not supported'),
    ForStatement: (n) => add(n, 'no-for', 'for(;;) loops are not supported; use for-of or for-in'),
    ContinueStatement: (n) => add(n, 'no-continue', 'continue is not supported'),
    LabeledStatement: (n) => add(n, 'no-labels', 'labeled statements are not supported'),
    UpdateExpression: (n) => add(n, 'no-disallowed-unary-operators', `the operator ${(n as AnyNode).operator} is not supported`),
    UnaryExpression: (n) => {
      if ((n as AnyNode).operator === '~') add(n, 'no-disallowed-unary-operators', 'the operator ~ is not supported');
    },
    BinaryExpression: (n) => {
      const op = (n as AnyNode).operator;
      if (op === 'in') add(n, 'no-in-operator', 'the in operator is not supported; use Object.hasOwn()');
      if (op === 'instanceof') add(n, 'no-instanceof', 'the instanceof operator is not supported');
    },
    ClassDeclaration: (n) => add(n, 'no-classes', 'classes are not supported'),
    ClassExpression: (n) => add(n, 'no-classes', 'classes are not supported'),
    FunctionDeclaration: (n) => fn(n as AnyNode),
    FunctionExpression: (n) => fn(n as AnyNode),
    ArrowFunctionExpression: (n) => fn(n as AnyNode),
    AwaitExpression: (n) => add(n, 'no-await', 'await is not supported'),
    YieldExpression: (n) => add(n, 'no-generators', 'yield is not supported'),
    Identifier: (n) => {
      if ((n as AnyNode).name === 'Promise') add(n, 'no-promise', 'Promise is not supported');
    },
    Literal: (n) => {
      if ((n as AnyNode).regex) add(n, 'no-regex', 'regular expression literals are not supported');
    },
    ThisExpression: (n) => add(n, 'no-this', 'the this keyword is not supported'),
    NewExpression: (n) => {
      const callee = (n as AnyNode).callee as AnyNode;
      const name = callee.type === 'Identifier' ? (callee.name as string) : null;
      if (name === 'Promise') return; // reported once, by the Identifier visitor
      if (!name || !ALLOWED_NEW.has(name)) {
        add(n, 'no-new', `new ${name ?? '<expression>'} is not supported (only ${[...ALLOWED_NEW].join(', ')})`);
      }
    },
    ImportExpression: (n) => add(n, 'no-dynamic-import', 'dynamic import() is not supported'),
    WithStatement: (n) => add(n, 'no-with', 'with is not supported'),
    DebuggerStatement: (n) => add(n, 'no-debugger', 'debugger is not supported'),
    ImportDeclaration: (n) => {
      const src = String(((n as AnyNode).source as AnyNode).value);
      if (!ALLOWED_IMPORT.test(src)) add(n, 'no-disallowed-import', `import of "${src}" is not available at run time (only @aws-appsync/utils)`);
    },
  });
  out.push(...findRecursion(program));
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}

/**
 * Recursion, direct or through a cycle of named functions. A call counts for the nearest enclosing
 * named function (a declaration, or a function/arrow bound to a variable), so a callback inside
 * `f` that calls `f` is recursion too, as AppSync's linter sees it.
 */
function findRecursion(program: Program): RuleViolation[] {
  const edges = new Map<string, Array<{ to: string; node: AnyNode }>>();
  const named = new Set<string>();
  const nameOf = (n: AnyNode, parent: AnyNode | undefined): string | null => {
    if (n.type === 'FunctionDeclaration' && n.id) return (n.id as Identifier).name;
    if (parent?.type === 'VariableDeclarator' && parent.init === n && (parent.id as Pattern).type === 'Identifier') {
      return (parent.id as Identifier).name;
    }
    if (n.type === 'FunctionExpression' && n.id) return (n.id as Identifier).name;
    return null;
  };
  ancestor(program, {
    Function: (n, _s, anc) => {
      const name = nameOf(n as AnyNode, anc[anc.length - 2] as AnyNode | undefined);
      if (name) named.add(name);
    },
    CallExpression: (n, _s, anc) => {
      const callee = (n as AnyNode).callee as AnyNode;
      if (callee.type !== 'Identifier') return;
      for (let i = anc.length - 2; i >= 0; i -= 1) {
        const a = anc[i] as AnyNode;
        if (a.type === 'FunctionDeclaration' || a.type === 'FunctionExpression' || a.type === 'ArrowFunctionExpression') {
          const owner = nameOf(a as FnNode as AnyNode, anc[i - 1] as AnyNode | undefined);
          if (owner) {
            const list = edges.get(owner) ?? [];
            list.push({ to: callee.name as string, node: n as AnyNode });
            edges.set(owner, list);
            return;
          }
        }
      }
    },
  });
  const out: RuleViolation[] = [];
  const reported = new Set<AnyNode>();
  for (const start of named) {
    // Depth-first search for a path from `start` back to itself; report the call that closes it.
    const seen = new Set<string>();
    const stack: Array<{ fn: string; path: string[] }> = [{ fn: start, path: [start] }];
    for (let item = stack.pop(); item; item = stack.pop()) {
      for (const e of edges.get(item.fn) ?? []) {
        if (!named.has(e.to)) continue;
        if (e.to === start) {
          if (!reported.has(e.node)) {
            reported.add(e.node);
            const cycle = [...item.path, start].join(' -> ');
            out.push({
              rule: 'no-recursion',
              message: `recursive call is not supported (${cycle})`,
              line: e.node.loc?.start.line ?? 1,
              column: e.node.loc?.start.column ?? 0,
            });
          }
        } else if (!seen.has(e.to)) {
          seen.add(e.to);
          stack.push({ fn: e.to, path: [...item.path, e.to] });
        }
      }
    }
  }
  return out;
}
