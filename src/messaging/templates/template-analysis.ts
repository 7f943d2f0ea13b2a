/// <reference types="handlebars" />
import type { MessageDefinition, VariableSpec } from './message-registry.js';

type AST = hbs.AST.Program;

/**
 * Static checks over a parsed template, before anything renders: every helper is one we ship,
 * every partial is a registered name (never a path or an expression), no raw `{{{ }}}` output
 * in untrusted templates, no decorators, no path that names a prototype member, and, when the
 * message is known, every variable is one its registry entry declares.
 */

/** What a variable path may resolve into. `open` accepts any sub-path (member attributes, links). */
export type Shape =
  | { kind: 'leaf' }
  | { kind: 'open' }
  | { kind: 'object'; fields: Readonly<Record<string, Shape>> }
  | { kind: 'list'; item: Shape };

const LEAF: Shape = { kind: 'leaf' };
const OPEN: Shape = { kind: 'open' };

export interface TemplateIssues {
  unknownHelpers: string[];
  unknownVariables: string[];
  unknownPartials: string[];
  unsafe: string[];
}

export interface AnalysisOptions {
  helpers: ReadonlySet<string>;
  partials: ReadonlySet<string>;
  allowUnescaped: boolean;
  /** Root shape of the context; without it only the structural checks run. */
  variables?: Shape;
}

/** Names no template may touch: every Object.prototype member plus `prototype`. */
export const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype', '__proto__', 'constructor']);

const DATA_VARIABLES: ReadonlySet<string> = new Set(['index', 'first', 'last', 'key']);

const MEMBER_SHAPE: Shape = {
  kind: 'object',
  fields: { id: LEAF, firstName: LEAF, email: LEAF, phone: LEAF, tier: LEAF, tierName: LEAF, locale: LEAF, timeZone: LEAF, attributes: OPEN },
};

export function shapeOfVariable(spec: VariableSpec): Shape {
  const type = spec.type;
  if (type === 'money') return { kind: 'object', fields: { amountMinor: LEAF, currency: LEAF } };
  if (typeof type === 'object') {
    return { kind: 'list', item: { kind: 'object', fields: Object.fromEntries(Object.entries(type.list).map(([name, field]) => [name, shapeOfVariable(field)])) } };
  }
  return LEAF;
}

/** The context templates of the message see: its variables, `member.*` and `links.*`. */
export function contextShape(definition: MessageDefinition): Shape {
  const fields: Record<string, Shape> = {};
  for (const [name, spec] of Object.entries(definition.variables)) fields[name] = shapeOfVariable(spec);
  fields.member = MEMBER_SHAPE;
  fields.links = OPEN;
  return { kind: 'object', fields };
}

interface Scope {
  shape: Shape;
  blockParams: ReadonlyMap<string, Shape>;
}

export function analyzeTemplate(program: AST, options: AnalysisOptions): TemplateIssues {
  const issues = { unknownHelpers: new Set<string>(), unknownVariables: new Set<string>(), unknownPartials: new Set<string>(), unsafe: new Set<string>() };
  const root: Scope = { shape: options.variables ?? OPEN, blockParams: new Map() };

  const resolve = (parts: readonly string[], shape: Shape): Shape | undefined => {
    let current: Shape = shape;
    for (const part of parts) {
      if (current.kind === 'open') return OPEN;
      if (current.kind === 'leaf') return undefined;
      if (current.kind === 'list') {
        if (/^\d+$/.test(part)) current = current.item;
        else if (part === 'length') current = LEAF;
        else return undefined;
        continue;
      }
      if (!Object.hasOwn(current.fields, part)) return undefined;
      current = current.fields[part]!;
    }
    return current;
  };

  const pathShape = (path: hbs.AST.PathExpression, scopes: readonly Scope[]): Shape | undefined => {
    if (path.parts.some((part) => FORBIDDEN_SEGMENTS.has(part))) return undefined;
    if (path.data) {
      const [head, ...rest] = path.parts;
      if (head === 'root' && path.depth === 0) return resolve(rest, root.shape);
      if (head !== undefined && DATA_VARIABLES.has(head) && rest.length === 0) return LEAF;
      return undefined;
    }
    const scope = scopes[scopes.length - 1 - path.depth];
    if (!scope) return undefined;
    const explicitThis = /^(this\b|\.)/.test(path.original);
    const [head, ...rest] = path.parts;
    if (head === undefined) return scope.shape;
    if (!explicitThis && path.depth === 0) {
      for (let i = scopes.length - 1; i >= 0; i--) {
        const param = scopes[i]!.blockParams.get(head);
        if (param) return resolve(rest, param);
      }
    }
    return resolve(path.parts, scope.shape);
  };

  const checkPath = (path: hbs.AST.PathExpression, scopes: readonly Scope[]): Shape | undefined => {
    const shape = pathShape(path, scopes);
    if (!shape) issues.unknownVariables.add(path.data ? `@${path.parts.join('.')}` : path.original);
    return shape;
  };

  const isSimpleName = (path: hbs.AST.PathExpression | hbs.AST.Literal): path is hbs.AST.PathExpression =>
    path.type === 'PathExpression' && !(path as hbs.AST.PathExpression).data && (path as hbs.AST.PathExpression).depth === 0 && (path as hbs.AST.PathExpression).parts.length === 1 && !/^(this\b|\.)/.test((path as hbs.AST.PathExpression).original);

  const checkHelper = (path: hbs.AST.PathExpression | hbs.AST.Literal) => {
    if (!isSimpleName(path)) {
      issues.unknownHelpers.add(path.type === 'PathExpression' ? (path as hbs.AST.PathExpression).original : String((path as hbs.AST.StringLiteral).original));
      return;
    }
    const name = path.parts[0]!;
    if (!options.helpers.has(name) || FORBIDDEN_SEGMENTS.has(name)) issues.unknownHelpers.add(name);
  };

  const visitExpression = (expression: hbs.AST.Expression, scopes: readonly Scope[]) => {
    if (expression.type === 'PathExpression') checkPath(expression as hbs.AST.PathExpression, scopes);
    else if (expression.type === 'SubExpression') {
      const sub = expression as hbs.AST.SubExpression;
      checkHelper(sub.path);
      visitArguments(sub.params, sub.hash, scopes);
    }
  };

  const visitArguments = (params: readonly hbs.AST.Expression[], hash: hbs.AST.Hash | undefined, scopes: readonly Scope[]) => {
    for (const param of params) visitExpression(param, scopes);
    for (const pair of hash?.pairs ?? []) visitExpression(pair.value, scopes);
  };

  const visitProgram = (program: hbs.AST.Program | undefined, scopes: readonly Scope[]) => {
    for (const statement of program?.body ?? []) visitStatement(statement, scopes);
  };

  const visitStatement = (statement: hbs.AST.Statement, scopes: readonly Scope[]) => {
    switch (statement.type) {
      case 'ContentStatement':
      case 'CommentStatement':
        return;
      case 'Decorator':
      case 'DecoratorBlock':
        issues.unsafe.add('decorators are not allowed');
        return;
      case 'MustacheStatement': {
        const mustache = statement as hbs.AST.MustacheStatement;
        const label = mustache.path.type === 'PathExpression' ? (mustache.path as hbs.AST.PathExpression).original : 'literal';
        if (!mustache.escaped && !options.allowUnescaped) issues.unsafe.add(`unescaped output {{{${label}}}}`);
        const hasArguments = mustache.params.length > 0 || (mustache.hash?.pairs.length ?? 0) > 0;
        const bareHelper = isSimpleName(mustache.path) && options.helpers.has(mustache.path.parts[0]!);
        if (hasArguments || bareHelper) {
          checkHelper(mustache.path);
          visitArguments(mustache.params, mustache.hash, scopes);
        } else if (mustache.path.type === 'PathExpression') {
          checkPath(mustache.path as hbs.AST.PathExpression, scopes);
        }
        return;
      }
      case 'BlockStatement': {
        const block = statement as hbs.AST.BlockStatement;
        checkHelper(block.path);
        visitArguments(block.params, block.hash, scopes);
        const name = isSimpleName(block.path) ? block.path.parts[0] : undefined;
        const first = block.params[0];
        const argumentShape = first?.type === 'PathExpression' ? (pathShape(first as hbs.AST.PathExpression, scopes) ?? OPEN) : OPEN;
        let inner: Shape = scopes[scopes.length - 1]!.shape;
        const params = new Map<string, Shape>();
        const names = block.program?.blockParams ?? [];
        if (name === 'each') {
          inner = argumentShape.kind === 'list' ? argumentShape.item : argumentShape.kind === 'leaf' ? LEAF : OPEN;
          if (names[0]) params.set(names[0], inner);
          if (names[1]) params.set(names[1], LEAF);
        } else if (name === 'with') {
          inner = argumentShape;
          if (names[0]) params.set(names[0], inner);
        }
        visitProgram(block.program, name === 'each' || name === 'with' ? [...scopes, { shape: inner, blockParams: params }] : scopes);
        visitProgram(block.inverse, scopes);
        return;
      }
      case 'PartialStatement':
      case 'PartialBlockStatement': {
        const partial = statement as hbs.AST.PartialStatement | hbs.AST.PartialBlockStatement;
        if (partial.name.type !== 'PathExpression') {
          issues.unsafe.add('dynamic partials are not allowed');
        } else if (!isSimpleName(partial.name) || !options.partials.has(partial.name.parts[0]!)) {
          issues.unknownPartials.add(partial.name.original);
        }
        visitArguments(partial.params, partial.hash, scopes);
        if (partial.type === 'PartialBlockStatement') visitProgram((partial as hbs.AST.PartialBlockStatement).program, scopes);
        return;
      }
      default:
        issues.unsafe.add(`unsupported statement ${statement.type}`);
    }
  };

  visitProgram(program, [root]);
  return {
    unknownHelpers: [...issues.unknownHelpers].sort(),
    unknownVariables: [...issues.unknownVariables].sort(),
    unknownPartials: [...issues.unknownPartials].sort(),
    unsafe: [...issues.unsafe].sort(),
  };
}

export function hasIssues(issues: TemplateIssues): boolean {
  return issues.unknownHelpers.length + issues.unknownVariables.length + issues.unknownPartials.length + issues.unsafe.length > 0;
}

export function mergeIssues(all: readonly TemplateIssues[]): TemplateIssues {
  const merge = (key: keyof TemplateIssues) => [...new Set(all.flatMap((issues) => issues[key]))].sort();
  return { unknownHelpers: merge('unknownHelpers'), unknownVariables: merge('unknownVariables'), unknownPartials: merge('unknownPartials'), unsafe: merge('unsafe') };
}
