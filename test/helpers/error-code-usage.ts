import { join, relative } from 'node:path';
import ts from 'typescript';
import { constantCase } from '../../lib/errors/field-code';

/**
 * Which `ERR_MCA_*` codes lib/ can produce, read from the source with the TypeScript compiler.
 *
 * A code written out (`'ERR_MCA_CLOSED'`) is found by its text. A code built from a template
 * (`` `ERR_MCA_INVALID_${constantCase(field)}` ``) is enumerated: the field is followed back to
 * the values that can reach it (a parameter to the arguments of every call of its function, a
 * variable to its initializer, a loop variable to the list it walks, a list to its elements), and
 * the template's own expression is evaluated on each value, so the codes are the ones the code
 * builds (`retryOn401` → `RETRY_ON_401` through `constantCase`, `X5T` through `toUpperCase`).
 *
 * Lists derived from the settings table at load time (`SETTINGS.filter(…).map(…)`,
 * `keysOfGroups([…])`, `storeVariable('url')`) have no literal to read. When reading one
 * statically fails, the value lib/ itself computes is used instead: an exported top-level const of
 * a lib/ module is read from the loaded module, and a call of an exported function of lib/ whose
 * arguments are all fixed is made on them. That is the table's real content, so no code is
 * guessed and none is left out; anything else that cannot be followed is still reported with its
 * place, never guessed.
 */
export interface ErrorCodeUsage {
  /** Every code lib/ can produce, literal or built, sorted. */
  codes: string[];
  /** The codes each template builds, by `file:line` of the template. */
  built: Map<string, string[]>;
  /** Values that could not be followed to a string: `file:line: text`. */
  unresolved: string[];
  /** Fields built at run time (a template string), whose codes are not fixed strings: `file:line: text`. */
  dynamicFields: string[];
}

const CODE = /\bERR_MCA_[A-Z0-9_]*[A-Z0-9]\b/g;

/**
 * Loads a module of lib/ by its file name, for the values computed at load time (under Jest,
 * `require` runs the TypeScript source through ts-jest). Without it, such values are unresolved.
 */
export type LoadModule = (fileName: string) => Record<string, unknown>;

export function errorCodeUsage(root: string, exclude: readonly string[] = [], load?: LoadModule): ErrorCodeUsage {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.build.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  );
  if (!config) throw new Error('tsconfig.build.json cannot be read');
  const files = config.fileNames.filter((f) => !exclude.some((x) => f.endsWith(x)));
  const program = ts.createProgram(files, { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const sources = program.getSourceFiles().filter((s) => files.includes(s.fileName));
  const place = (node: ts.Node): string => {
    const s = node.getSourceFile();
    return `${relative(root, s.fileName)}:${s.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  };

  const unresolved: string[] = [];
  const literal = new Set<string>();
  const calls: ts.CallExpression[] = [];
  const templates: ts.TemplateExpression[] = [];
  for (const source of sources) {
    const visit = (node: ts.Node): void => {
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
        for (const [code] of node.text.matchAll(CODE)) literal.add(code);
        // A fragment such as 'ERR_MCA_INVALID_' joined with `+` would hide the codes it builds.
        if (/^ERR_MCA_\w*_$/.test(node.text)) unresolved.push(`${place(node)}: ${node.getText()} (a code built with +)`);
      }
      if (ts.isTemplateExpression(node) && node.head.text.startsWith('ERR_MCA_')) templates.push(node);
      if (ts.isCallExpression(node)) calls.push(node);
      ts.forEachChild(node, visit);
    };
    visit(source);
  }

  const symbolOf = (node: ts.Node): ts.Symbol | undefined => {
    const symbol = checker.getSymbolAtLocation(node);
    return symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  };
  /** The calls whose callee is `fn` (a function declaration or a const arrow/function). */
  const callsOf = (fn: ts.SignatureDeclaration): ts.CallExpression[] => {
    const name = fn.name ?? (ts.isVariableDeclaration(fn.parent) ? fn.parent.name : undefined);
    const target = name && symbolOf(name);
    return target ? calls.filter((call) => symbolOf(call.expression) === target) : [];
  };

  const seen = new Set<ts.Node>();
  /**
   * The values `expr` can hold (strings, or a table's rows read from the loaded table); what
   * cannot be followed is reported, and adds none.
   */
  function values(expr: ts.Expression): unknown[] {
    expr = skipOuter(expr);
    return orComputed(
      expr,
      () => staticValues(expr),
      (value) => [value],
    );
  }

  function staticValues(expr: ts.Expression): unknown[] {
    if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return [expr.text];
    if (ts.isTemplateExpression(expr)) return dynamic(expr);
    if (ts.isConditionalExpression(expr)) return [...values(expr.whenTrue), ...values(expr.whenFalse)];
    if (ts.isIdentifier(expr)) return expr.text === 'undefined' ? [] : narrowed(expr, identifierValues(expr));
    if (ts.isCallExpression(expr)) {
      // `LIST.find(…)`: one of the list's elements.
      if (ts.isPropertyAccessExpression(expr.expression) && expr.expression.name.text === 'find') return elements(expr.expression.expression);
      // A function of lib/: what its `return`s can give.
      const fn = symbolOf(expr.expression)?.valueDeclaration;
      if (fn && ts.isFunctionDeclaration(fn) && fn.body) return returned(fn);
    }
    return fromType(expr);
  }

  /** Narrowing (`if (!isField(key)) continue;`) can only remove values: the type where it is used bounds them. */
  function narrowed(id: ts.Identifier, found: unknown[]): unknown[] {
    const bound = literalsOf(checker.getTypeAtLocation(id));
    const typed = bound ? found.filter((value) => bound.includes(value as string)) : found;
    return guards(id).reduce((kept, allowed) => kept.filter((value) => allowed.includes(value)), typed);
  }

  /**
   * Narrowing the type does not show, as the lists are the table's (`string`): a const used under
   * `if (which === REDIS_URL)`, or after `if (!PER_FIELD.has(key)) continue;`, holds only the
   * values the guard lets through. Each guard gives the values it allows; one that cannot be
   * followed narrows nothing (the values found stay, over rather than under).
   */
  function guards(id: ts.Identifier): unknown[][] {
    const symbol = symbolOf(id);
    const declaration = symbol?.valueDeclaration;
    if (!declaration || !(ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const)) return [];
    const isId = (e: ts.Expression): boolean => ts.isIdentifier(skipOuter(e)) && symbolOf(skipOuter(e)) === symbol;
    /** The values `condition` lets through when it is `true` (or `false`, for `negated`). */
    const allows = (condition: ts.Expression, negated: boolean): unknown[] | undefined => {
      condition = skipOuter(condition);
      if (ts.isPrefixUnaryExpression(condition) && condition.operator === ts.SyntaxKind.ExclamationToken) return allows(condition.operand, !negated);
      if (ts.isBinaryExpression(condition)) {
        const op = condition.operatorToken.kind;
        const equal = op === ts.SyntaxKind.EqualsEqualsEqualsToken ? true : op === ts.SyntaxKind.ExclamationEqualsEqualsToken ? false : undefined;
        if (equal === undefined || equal === negated) return undefined;
        const other = isId(condition.left) ? condition.right : isId(condition.right) ? condition.left : undefined;
        return other && trial(() => values(other));
      }
      if (!negated && ts.isCallExpression(condition) && ts.isPropertyAccessExpression(condition.expression)) {
        const [arg] = condition.arguments;
        const method = condition.expression.name.text;
        const list = condition.expression.expression;
        if (arg && isId(arg) && (method === 'has' || method === 'includes')) return trial(() => elements(list));
      }
      return undefined;
    };
    const exits = (s: ts.Statement): boolean =>
      ts.isContinueStatement(s) ||
      ts.isReturnStatement(s) ||
      ts.isThrowStatement(s) ||
      (ts.isBlock(s) && s.statements.length > 0 && exits(s.statements.at(-1)!));
    const found: unknown[][] = [];
    for (let child: ts.Node = id, node = id.parent; node && node !== declaration.parent; child = node, node = node.parent) {
      if (ts.isFunctionLike(node)) break;
      let allowed: unknown[] | undefined;
      if (ts.isIfStatement(node) && child === node.thenStatement) allowed = allows(node.expression, false);
      if (ts.isIfStatement(node) && child === node.elseStatement) allowed = allows(node.expression, true);
      if (allowed) found.push(allowed);
      if (ts.isBlock(node)) {
        for (const before of node.statements.slice(0, node.statements.indexOf(child as ts.Statement))) {
          if (!ts.isIfStatement(before) || before.elseStatement || !exits(before.thenStatement)) continue;
          const after = allows(before.expression, true);
          if (after) found.push(after);
        }
      }
    }
    return found;
  }

  /** What `read` finds when it follows everything; `undefined` (and nothing reported) when it cannot. */
  function trial(read: () => unknown[]): unknown[] | undefined {
    const mark = unresolved.length;
    const found = read();
    if (unresolved.length === mark) return found;
    unresolved.length = mark;
    return undefined;
  }

  function returned(fn: ts.FunctionDeclaration): unknown[] {
    if (seen.has(fn)) return [];
    seen.add(fn);
    const all: unknown[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isReturnStatement(node) && node.expression) all.push(...values(node.expression));
      if (!ts.isFunctionLike(node)) ts.forEachChild(node, visit);
    };
    ts.forEachChild(fn.body!, visit);
    seen.delete(fn);
    return all;
  }

  function identifierValues(id: ts.Identifier): unknown[] {
    const declaration = symbolOf(id)?.valueDeclaration;
    if (!declaration) return fail(id);
    if (seen.has(declaration)) return [];
    seen.add(declaration);
    try {
      if (ts.isParameter(declaration) && ts.isIdentifier(declaration.name)) {
        const fn = declaration.parent;
        const index = fn.parameters.indexOf(declaration);
        const sites = callsOf(fn);
        // A callback (`.map((field) => …)`) has no calls of its own to follow: its declared type decides.
        if (sites.length === 0) return fromType(id);
        return sites.flatMap((call) => (call.arguments[index] ? values(call.arguments[index]) : []));
      }
      if (ts.isVariableDeclaration(declaration) && ts.isIdentifier(declaration.name)) {
        const loop = declaration.parent.parent;
        if (ts.isForOfStatement(loop)) return elements(loop.expression);
        if (declaration.initializer) return values(declaration.initializer);
      }
      // `const [a, b] = cond ? [x, 'one'] : [y, 'two']`, `for (const [field, name] of LIST)`.
      if (ts.isBindingElement(declaration) && ts.isArrayBindingPattern(declaration.parent) && ts.isVariableDeclaration(declaration.parent.parent)) {
        const index = declaration.parent.elements.indexOf(declaration);
        const variable = declaration.parent.parent;
        const loop = variable.parent.parent;
        if (ts.isForOfStatement(loop)) {
          const list = skipOuter(loop.expression);
          // `for (const [key, value] of Object.entries(X))`: the keys are X's.
          if (ts.isCallExpression(list) && list.expression.getText() === 'Object.entries' && list.arguments[0])
            return index === 0 ? keysOf(list.arguments[0]) : fromType(id);
          return orComputed(
            list,
            () => listItems(list).flatMap((item) => at(item, index)),
            (value) => itemsOf(value)?.flatMap((item) => (Array.isArray(item) && item[index] !== undefined ? [item[index] as unknown] : [])),
          );
        }
        if (variable.initializer) return at(variable.initializer, index);
      }
      return fromType(id);
    } finally {
      seen.delete(declaration);
    }
  }

  /** The expressions a list holds: an array literal (spreads opened), or a const holding one. */
  function listItems(expr: ts.Expression): ts.Expression[] {
    expr = skipOuter(expr);
    if (ts.isIdentifier(expr)) {
      const declaration = symbolOf(expr)?.valueDeclaration;
      if (declaration && ts.isVariableDeclaration(declaration) && declaration.initializer) return listItems(declaration.initializer);
    }
    if (ts.isArrayLiteralExpression(expr)) return expr.elements.flatMap((e) => (ts.isSpreadElement(e) ? listItems(e.expression) : [e]));
    fail(expr);
    return [];
  }

  /** Element `index` of the tuples an expression can be. */
  function at(expr: ts.Expression, index: number): unknown[] {
    expr = skipOuter(expr);
    if (ts.isConditionalExpression(expr)) return [...at(expr.whenTrue, index), ...at(expr.whenFalse, index)];
    if (ts.isArrayLiteralExpression(expr) && expr.elements[index]) return values(expr.elements[index]);
    if (ts.isIdentifier(expr)) {
      const declaration = symbolOf(expr)?.valueDeclaration;
      if (declaration && ts.isVariableDeclaration(declaration) && declaration.initializer) return at(declaration.initializer, index);
    }
    // `LIST.filter(…)`: any element of the list may be at any place.
    if (ts.isCallExpression(expr) && ts.isPropertyAccessExpression(expr.expression) && expr.expression.name.text === 'filter')
      return elements(expr.expression.expression);
    return fail(expr);
  }

  /** The values of the elements of a list: an array literal, a const holding one, or `Object.keys(X)`. */
  function elements(expr: ts.Expression): unknown[] {
    expr = skipOuter(expr);
    return orComputed(expr, () => staticElements(expr), itemsOf);
  }

  function staticElements(expr: ts.Expression): unknown[] {
    if (ts.isArrayLiteralExpression(expr)) return expr.elements.flatMap((e) => (ts.isSpreadElement(e) ? elements(e.expression) : values(e)));
    if (ts.isIdentifier(expr)) {
      const declaration = symbolOf(expr)?.valueDeclaration;
      if (declaration && ts.isVariableDeclaration(declaration) && declaration.initializer) return elements(declaration.initializer);
    }
    if (ts.isCallExpression(expr) && expr.expression.getText() === 'Object.keys' && expr.arguments[0]) return keysOf(expr.arguments[0]);
    return fromType(expr, true);
  }

  /** The keys of an object literal, through consts and `Object.freeze`. */
  function keysOf(expr: ts.Expression): string[] {
    expr = skipOuter(expr);
    return orComputed(
      expr,
      () => staticKeys(expr),
      (value) => (value instanceof Map ? [...value.keys()].map(String) : typeof value === 'object' && value !== null ? Object.keys(value) : undefined),
    );
  }

  function staticKeys(expr: ts.Expression): string[] {
    if (ts.isIdentifier(expr)) {
      const declaration = symbolOf(expr)?.valueDeclaration;
      if (declaration && ts.isVariableDeclaration(declaration) && declaration.initializer) return keysOf(declaration.initializer);
    }
    if (ts.isCallExpression(expr) && expr.expression.getText() === 'Object.freeze' && expr.arguments[0]) return keysOf(expr.arguments[0]);
    if (ts.isObjectLiteralExpression(expr)) {
      return expr.properties.flatMap((p) => (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? [p.name.text] : fail(p)));
    }
    // An object of a declared type (`Partial<Record<CredentialField, string>>`): that type's keys.
    const keys = checker
      .getTypeAtLocation(expr)
      .getProperties()
      .map((p) => p.name);
    return keys.length > 0 ? keys : fail(expr);
  }

  /**
   * What `read` finds in `expr`; but when it cannot follow everything and lib/ computes `expr`
   * when it loads (see `computedValue`), what `convert` makes of the computed value instead, and
   * what `read` could not follow is no longer reported.
   */
  function orComputed<T>(expr: ts.Expression, read: () => T[], convert: (value: unknown) => T[] | undefined): T[] {
    const mark = unresolved.length;
    const found = read();
    if (unresolved.length === mark) return found;
    const computed = computedValue(expr);
    const converted = computed && convert(computed.value);
    if (!converted) return found;
    unresolved.length = mark;
    return converted;
  }

  /**
   * The value of `expr` as lib/ computes it, when it is an exported top-level const of a module of
   * lib/ (read from the loaded module), or a call of an exported function of lib/ on fixed
   * arguments (made on them). Anything else (a local, a parameter, a call on a variable) depends
   * on what happens at run time, and has none.
   */
  function computedValue(expr: ts.Expression): { value: unknown } | undefined {
    if (!load) return undefined;
    expr = skipOuter(expr);
    if (ts.isIdentifier(expr)) {
      const declaration = symbolOf(expr)?.valueDeclaration;
      const module = declaration && exportedFrom(declaration);
      if (!module || !ts.isVariableDeclaration(declaration) || !(ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const)) return undefined;
      if (!ts.isIdentifier(declaration.name)) return undefined;
      return { value: load(module)[declaration.name.text] };
    }
    if (ts.isCallExpression(expr)) {
      const fn = symbolOf(expr.expression)?.valueDeclaration;
      const module = fn && ts.isFunctionDeclaration(fn) && fn.name ? exportedFrom(fn) : undefined;
      const args = expr.arguments.map(fixed);
      if (!module || args.some((arg) => arg === undefined)) return undefined;
      const callee = load(module)[(fn as ts.FunctionDeclaration).name!.text];
      if (typeof callee !== 'function') return undefined;
      return { value: (callee as (...a: unknown[]) => unknown)(...args.map((arg) => arg!.value)) };
    }
    return undefined;
  }

  /** The module of lib/ that exports `declaration` at its top level, if one does. */
  function exportedFrom(declaration: ts.Declaration): string | undefined {
    const statement = ts.isVariableDeclaration(declaration) ? declaration.parent.parent : declaration;
    const source = declaration.getSourceFile();
    if (!sources.includes(source) || statement.parent !== source) return undefined;
    const exported = ts.canHaveModifiers(statement) && ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    return exported ? source.fileName : undefined;
  }

  /** A literal argument: a string, a number, `true`/`false`, or an array of those. */
  function fixed(expr: ts.Expression): { value: unknown } | undefined {
    expr = skipOuter(expr);
    if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return { value: expr.text };
    if (ts.isNumericLiteral(expr)) return { value: Number(expr.text) };
    if (expr.kind === ts.SyntaxKind.TrueKeyword || expr.kind === ts.SyntaxKind.FalseKeyword) return { value: expr.kind === ts.SyntaxKind.TrueKeyword };
    if (ts.isArrayLiteralExpression(expr)) {
      const items = expr.elements.map(fixed);
      return items.every((item) => item !== undefined) ? { value: items.map((item) => item?.value) } : undefined;
    }
    return undefined;
  }

  /** A type that is a string literal or a union of them (of the element, for a list); else a failure. */
  function fromType(expr: ts.Expression, element = false): string[] {
    let type: ts.Type | undefined = checker.getTypeAtLocation(expr);
    if (element) type = checker.getIndexTypeOfType(type, ts.IndexKind.Number);
    return (type && literalsOf(type)) ?? fail(expr);
  }

  function literalsOf(type: ts.Type): string[] | undefined {
    const parts = (type.isUnion() ? type.types : [type]).filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)));
    return parts.length > 0 && parts.every((t) => t.isStringLiteral()) ? parts.map((t) => t.value) : undefined;
  }

  function fail(node: ts.Node): string[] {
    unresolved.push(`${place(node)}: ${node.getText()}`);
    return [];
  }

  const dynamicFields: string[] = [];
  /** A field built at run time (`${where} credentials.port`): its code is not one fixed string. */
  function dynamic(expr: ts.TemplateExpression): string[] {
    dynamicFields.push(`${place(expr)}: ${expr.getText()}`);
    return [];
  }

  const built = new Map<string, string[]>();
  for (const template of templates) {
    const [span, ...more] = template.templateSpans;
    if (!span || more.length > 0 || span.literal.text !== '') {
      unresolved.push(`${place(template)}: ${template.getText()} (one substitution at the end is all this reads)`);
      continue;
    }
    built.set(place(template), [...new Set(suffixes(span.expression).map((suffix) => template.head.text + suffix))].sort());
  }

  /** What the template's substitution evaluates to, for each value of the one variable in it. */
  function suffixes(expression: ts.Expression): string[] {
    const names = new Set<ts.Identifier>();
    const collect = (node: ts.Node): void => {
      if (ts.isIdentifier(node) && !(ts.isPropertyAccessExpression(node.parent) && node.parent.name === node) && node.text !== 'constantCase') names.add(node);
      ts.forEachChild(node, collect);
    };
    collect(expression);
    if (ts.isConditionalExpression(skipOuter(expression))) return values(expression).map(String);
    const [variable, ...others] = [...names];
    if (!variable || others.some((other) => other.text !== variable.text)) return fail(expression);
    const domain = [...new Set(values(variable))];
    const evaluate = new Function('constantCase', variable.text, `return (${expression.getText()});`) as (c: typeof constantCase, v: unknown) => unknown;
    return domain.map((value) => String(evaluate(constantCase, value)));
  }

  const codes = new Set(literal);
  for (const list of built.values()) for (const code of list) codes.add(code);
  return { codes: [...codes].sort(), built, unresolved: [...new Set(unresolved)].sort(), dynamicFields: [...new Set(dynamicFields)].sort() };
}

/** The items of a computed list (an array or a Set), or none for anything else. */
function itemsOf(value: unknown): unknown[] | undefined {
  return Array.isArray(value) || value instanceof Set ? [...(value as Iterable<unknown>)] : undefined;
}

function skipOuter(expr: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) || ts.isNonNullExpression(expr) || ts.isSatisfiesExpression(expr))
    expr = expr.expression;
  return expr;
}
