/**
 * Free-variable analysis of a function's source: the identifiers a function reads or writes that
 * it does not declare itself. A UDF shipped by source runs in a worker thread, where the
 * variables of the scope it was written in do not exist, so a free variable that is not a global
 * of the worker means the function is a closure over outer state and must be refused
 * (function-ref.ts says how to fix it). Parsing is done by acorn; the scope walk is here:
 * var/function hoisting to the function scope, let/const/class to the block, parameters with
 * defaults and destructuring, catch clauses, labels and property keys (which are not variables).
 */
import { type Node, parse } from 'acorn';

type AnyNode = Node & Record<string, unknown>;

/** Names declared by a binding pattern (identifier, destructuring, defaults, rest). */
function patternNames(p: AnyNode | null, out: string[] = []): string[] {
  if (!p) return out;
  switch (p.type) {
    case 'Identifier': out.push(p.name as string); break;
    case 'ObjectPattern':
      for (const prop of p.properties as AnyNode[]) patternNames((prop.type === 'RestElement' ? prop.argument : prop.value) as AnyNode, out);
      break;
    case 'ArrayPattern': for (const el of p.elements as (AnyNode | null)[]) patternNames(el, out); break;
    case 'RestElement': patternNames(p.argument as AnyNode, out); break;
    case 'AssignmentPattern': patternNames(p.left as AnyNode, out); break;
  }
  return out;
}

/** Declarations hoisted to a function scope: `var` anywhere in the body (not in nested functions). */
function hoistedVars(node: AnyNode, out: string[]): void {
  if (!node || typeof node !== 'object') return;
  if (node.type === 'VariableDeclaration' && node.kind === 'var') {
    for (const d of node.declarations as AnyNode[]) patternNames(d.id as AnyNode, out);
  }
  if (isFunction(node)) return;
  for (const child of children(node)) hoistedVars(child, out);
}

/** Declarations scoped to a block: let/const/class/function statements directly in it. */
function blockDeclarations(stmts: readonly AnyNode[]): string[] {
  const out: string[] = [];
  for (const s of stmts) {
    if (s.type === 'VariableDeclaration' && s.kind !== 'var') for (const d of s.declarations as AnyNode[]) patternNames(d.id as AnyNode, out);
    else if ((s.type === 'FunctionDeclaration' || s.type === 'ClassDeclaration') && s.id) out.push((s.id as AnyNode).name as string);
  }
  return out;
}

function isFunction(n: AnyNode): boolean {
  return n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression';
}

function children(node: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  for (const key of Object.keys(node)) {
    if (key === 'type' || key === 'start' || key === 'end' || key === 'loc' || key === 'range') continue;
    const v = node[key];
    if (Array.isArray(v)) {
      for (const x of v) if (x && typeof x === 'object' && typeof (x as AnyNode).type === 'string') out.push(x as AnyNode);
    } else if (v && typeof v === 'object' && typeof (v as AnyNode).type === 'string') out.push(v as AnyNode);
  }
  return out;
}

/**
 * The free variables of a function given as source text (a function expression, arrow function,
 * or method shorthand as `Function.prototype.toString` prints them), in order of first use.
 * Throws a SyntaxError when the source does not parse as a function.
 */
export function freeVariables(source: string): string[] {
  const program = parse(`(${source})`, { ecmaVersion: 'latest', sourceType: 'module' }) as unknown as AnyNode;
  const free: string[] = [];
  const seen = new Set<string>();
  const scopes: Set<string>[] = [];
  const declared = (name: string) => scopes.some((s) => s.has(name));
  const use = (name: string) => {
    if (!declared(name) && !seen.has(name)) {
      seen.add(name);
      free.push(name);
    }
  };
  const withScope = (names: readonly string[], f: () => void) => {
    scopes.push(new Set(names));
    try {
      f();
    } finally {
      scopes.pop();
    }
  };

  /**
   * Walks a pattern: in a declaration (`assign` false) only defaults and computed keys are
   * references; as an assignment target every identifier is one (it writes that variable).
   */
  const walkPattern = (p: AnyNode | null, assign = false): void => {
    if (!p) return;
    switch (p.type) {
      case 'Identifier': if (assign) use(p.name as string); return;
      case 'ObjectPattern':
        for (const prop of p.properties as AnyNode[]) {
          if (prop.type === 'RestElement') walkPattern(prop.argument as AnyNode, assign);
          else {
            if (prop.computed) walk(prop.key as AnyNode);
            walkPattern(prop.value as AnyNode, assign);
          }
        }
        return;
      case 'ArrayPattern': for (const el of p.elements as (AnyNode | null)[]) walkPattern(el, assign); return;
      case 'RestElement': walkPattern(p.argument as AnyNode, assign); return;
      case 'AssignmentPattern': walkPattern(p.left as AnyNode, assign); walk(p.right as AnyNode); return;
      default: walk(p); // a member expression as an assignment target
    }
  };

  const walkFunction = (fn: AnyNode): void => {
    const params = fn.params as AnyNode[];
    const own = fn.type === 'FunctionExpression' && fn.id ? [(fn.id as AnyNode).name as string] : [];
    const names = [...own, ...params.flatMap((p) => patternNames(p))];
    if (fn.type !== 'ArrowFunctionExpression') names.push('arguments');
    withScope(names, () => {
      for (const p of params) walkPattern(p);
      const body = fn.body as AnyNode;
      if (body.type === 'BlockStatement') {
        const hoisted: string[] = [];
        hoistedVars(body, hoisted);
        withScope([...hoisted, ...blockDeclarations(body.body as AnyNode[])], () => {
          for (const s of body.body as AnyNode[]) walk(s);
        });
      } else walk(body);
    });
  };

  const walk = (node: AnyNode | null | undefined): void => {
    if (!node) return;
    switch (node.type) {
      case 'Identifier': use(node.name as string); return;
      case 'FunctionDeclaration': case 'FunctionExpression': case 'ArrowFunctionExpression':
        walkFunction(node); return;
      case 'ClassDeclaration': case 'ClassExpression': {
        const own = node.type === 'ClassExpression' && node.id ? [(node.id as AnyNode).name as string] : [];
        withScope(own, () => {
          walk(node.superClass as AnyNode);
          for (const m of (node.body as AnyNode).body as AnyNode[]) {
            if (m.computed) walk(m.key as AnyNode);
            if (m.type === 'StaticBlock') withScope(blockDeclarations(m.body as AnyNode[]), () => (m.body as AnyNode[]).forEach(walk));
            else walk(m.value as AnyNode);
          }
        });
        return;
      }
      case 'VariableDeclaration':
        for (const d of node.declarations as AnyNode[]) {
          walkPattern(d.id as AnyNode);
          walk(d.init as AnyNode);
        }
        return;
      case 'BlockStatement': case 'StaticBlock':
        withScope(blockDeclarations(node.body as AnyNode[]), () => (node.body as AnyNode[]).forEach(walk));
        return;
      case 'SwitchStatement':
        walk(node.discriminant as AnyNode);
        withScope(blockDeclarations((node.cases as AnyNode[]).flatMap((c) => c.consequent as AnyNode[])), () => {
          for (const c of node.cases as AnyNode[]) {
            walk(c.test as AnyNode);
            (c.consequent as AnyNode[]).forEach(walk);
          }
        });
        return;
      case 'ForStatement': case 'ForInStatement': case 'ForOfStatement': {
        const init = (node.init ?? node.left) as AnyNode | null;
        const names = init && init.type === 'VariableDeclaration' && init.kind !== 'var' ? (init.declarations as AnyNode[]).flatMap((d) => patternNames(d.id as AnyNode)) : [];
        withScope(names, () => {
          for (const c of children(node)) {
            if (c === init && init.type !== 'VariableDeclaration') walkPattern(init, true);
            else walk(c);
          }
        });
        return;
      }
      case 'CatchClause':
        withScope(patternNames(node.param as AnyNode), () => {
          walkPattern(node.param as AnyNode);
          walk(node.body as AnyNode);
        });
        return;
      case 'AssignmentExpression':
        walkPattern(node.left as AnyNode, true);
        walk(node.right as AnyNode);
        return;
      case 'MemberExpression':
        walk(node.object as AnyNode);
        if (node.computed) walk(node.property as AnyNode);
        return;
      case 'Property': case 'PropertyDefinition': case 'MethodDefinition':
        if (node.computed) walk(node.key as AnyNode);
        walk(node.value as AnyNode);
        return;
      case 'LabeledStatement': walk(node.body as AnyNode); return;
      case 'BreakStatement': case 'ContinueStatement': case 'MetaProperty': return;
      default:
        for (const c of children(node)) walk(c);
    }
  };

  walk(program);
  return free;
}
