// Python 3 syntax check for generated snippets, on the Lezer grammar of Python (@lezer/python).
//
// A snippet is valid when it parses as a module (`Script`) with no error node AND passes the checks that CPython's
// parser makes beyond the context-free grammar (assignment targets, argument and parameter order, Python-2 leftovers
// that Lezer's grammar tolerates, number-literal rules). Three same-length source rewrites (outside strings and
// comments) work around corners where Lezer is stricter than Python: `print` is renamed so that Lezer's Python-2
// `print x` statement never applies (`print "x"` is then an error, as in Python 3), a float with a trailing dot
// (`20.`) loses the dot, and a bare `yield` (`x = yield`, `(yield)`) becomes `None `. The reference is CPython 3.12's
// `ast.parse` (PEP 701 f-strings, `type` statements); see docs/python-metrics.md for the agreement figures.
import { parser } from "@lezer/python";

export interface PythonSyntax {
  valid: boolean;
  error?: { message: string; position: number };
}

type Tree = ReturnType<typeof parser.parse>;
type SyntaxNode = Tree["topNode"];

interface Problem {
  message: string;
  position: number;
}

class SyntaxProblem extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

const KEYWORDS = new Set([
  "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
  "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
  "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
]);

const STRING_PREFIX = /^(?:r|u|b|br|rb|f|fr|rf)$/i;
const WORD_CHAR = /[\p{L}\p{N}_]/u;

interface Prepared {
  text: string;
  problem?: Problem;
}

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && WORD_CHAR.test(ch);
}

/** Index just past the string literal whose opening quote is at `quoteAt` (prefix already consumed). */
function scanString(code: string, quoteAt: number, prefix: string): number {
  const q = code[quoteAt];
  const triple = code.startsWith(q.repeat(3), quoteAt);
  const format = /f/i.test(prefix);
  let i = quoteAt + (triple ? 3 : 1);
  while (i < code.length) {
    const ch = code[i];
    if (ch === "\\") {
      i += 2;
      continue;
    }
    if (!triple && ch === "\n") return i; // unterminated: Lezer reports it
    if (triple ? code.startsWith(q.repeat(3), i) : ch === q) return i + (triple ? 3 : 1);
    if (format && ch === "{") {
      if (code[i + 1] === "{") {
        i += 2;
        continue;
      }
      i = scanReplacement(code, i + 1);
      continue;
    }
    i++;
  }
  return i;
}

/** Skips an f-string replacement field starting after `{`; returns the index after its closing `}`. */
function scanReplacement(code: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < code.length) {
    const ch = code[i];
    if (ch === "'" || ch === '"') {
      i = scanString(code, i, "");
      continue;
    }
    if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]") depth--;
    else if (ch === "}") {
      if (depth === 0) return i + 1;
      depth--;
    } else if (ch === "\n") return i;
    i++;
  }
  return i;
}

function previousSignificant(text: string, at: number): string {
  let i = at - 1;
  while (i >= 0 && (text[i] === " " || text[i] === "\t")) i--;
  return i < 0 ? "\n" : text[i] === "\\" && text[i + 1] === "\n" ? " " : text.slice(Math.max(0, i - 1), i + 1);
}

function nextSignificant(text: string, at: number): string {
  let i = at;
  while (i < text.length && (text[i] === " " || text[i] === "\t")) i++;
  return i >= text.length ? "\n" : text[i];
}

/** Whether the `(` before `at` opens a call's argument list (`f(`, `x[0](`, `g()(`) rather than a parenthesis. */
function isCallParen(code: string, at: number): boolean {
  let i = code.lastIndexOf("(", at) - 1;
  while (i >= 0 && (code[i] === " " || code[i] === "\t")) i--;
  if (i < 0) return false;
  if (code[i] === ")" || code[i] === "]") return true;
  if (!isWordChar(code[i])) return false;
  let start = i;
  while (start > 0 && isWordChar(code[start - 1])) start--;
  const word = code.slice(start, i + 1);
  return !KEYWORDS.has(word) || word === "None" || word === "True" || word === "False";
}

const NUMBER = /^(?:0[xXoObB][\w]*|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?[\d_]*)?[jJ]?)/;

function numberProblem(token: string, position: number, next: string | undefined): Problem | undefined {
  if (/^0[xXoObB]/.test(token)) {
    if (/__|_$/.test(token)) return { message: "invalid number literal", position };
    return undefined;
  }
  if (/__|_$|_\.|\._|_[eEjJ]|[eE][+-]?_/.test(token)) return { message: "invalid decimal literal", position };
  if (/^0[\d_]*$/.test(token) && /[1-9]/.test(token)) {
    return { message: "leading zeros in decimal integer literals are not permitted", position };
  }
  if (/[eE][+-]?$/.test(token) && !/^0[xX]/.test(token)) return { message: "invalid decimal literal", position };
  if (isWordChar(next)) return { message: "invalid decimal literal", position };
  return undefined;
}

/** Same-length rewrites outside strings and comments (see the header), plus lexical problems Lezer misses. */
function prepare(code: string): Prepared {
  const out = code.split("");
  let problem: Problem | undefined;
  const note = (p: Problem | undefined): void => {
    if (p && !problem) problem = p;
  };
  // Indentation: CPython rejects a line indented deeper than the previous logical line unless that one opened a
  // block (ends with `:`); Lezer lets some of these through (an indented first line, an indented continuation).
  let depth = 0;
  let atLineStart = true;
  let lineHasContent = false;
  let openedBlock = false;
  let currentIndent = 0;
  let lastSignificant = "";
  let i = 0;
  while (i < code.length) {
    if (atLineStart) {
      atLineStart = false;
      let j = i;
      while (j < code.length && (code[j] === " " || code[j] === "\t" || code[j] === "\f")) j++;
      if (j < code.length && !["\n", "\r", "#"].includes(code[j])) {
        if (j - i > currentIndent && !openedBlock) note({ message: "unexpected indent", position: i });
        currentIndent = j - i;
        openedBlock = false;
      }
      i = j;
      continue;
    }
    const ch = code[i];
    if (ch === "\n") {
      if (depth === 0 && code[i - 1] !== "\\") {
        if (lineHasContent) openedBlock = lastSignificant === ":";
        lineHasContent = false;
        atLineStart = true;
      }
      i++;
      continue;
    }
    if (ch !== " " && ch !== "\t" && ch !== "\r" && ch !== "\f" && ch !== "#" && ch !== "\\") {
      lineHasContent = true;
      lastSignificant = ch;
    }
    if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if ((ch === ")" || ch === "]" || ch === "}") && depth > 0) depth--;
    if (ch === "#") {
      while (i < code.length && code[i] !== "\n") i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      i = scanString(code, i, "");
      continue;
    }
    if (/\d/.test(ch) || (ch === "." && /\d/.test(code[i + 1] ?? "") && !isWordChar(code[i - 1]))) {
      const token = NUMBER.exec(code.slice(i))?.[0] ?? ch;
      const end = i + token.length;
      if (/^\d[\d_]*\.$/.test(token)) {
        // `20.`: Lezer wants digits after the dot. `1.e5`/`1.j` parse there as attribute access, which is as valid.
        const rest = code.slice(end);
        if (/^(?:[eE][+-]?\d|[jJ](?![\p{L}\p{N}_]))/u.test(rest)) {
          i = end;
          continue;
        }
        const word = /^[\p{L}\p{N}_]+/u.exec(rest)?.[0];
        note(word !== undefined && KEYWORDS.has(word) ? undefined : numberProblem(token, i, code[end]));
        out[end - 1] = " ";
      } else {
        note(numberProblem(token, i, code[end]));
      }
      i = end;
      continue;
    }
    if (isWordChar(ch)) {
      let end = i;
      while (end < code.length && isWordChar(code[end])) end++;
      const word = code.slice(i, end);
      if ((code[end] === "'" || code[end] === '"') && STRING_PREFIX.test(word)) {
        const stop = scanString(code, end, word);
        if (/b/i.test(word) && /[^\x00-\x7f]/.test(code.slice(end, stop))) {
          note({ message: "bytes can only contain ASCII literal characters", position: i });
        }
        i = stop;
        continue;
      }
      if (word === "print") out[i] = "P";
      else if (word === "yield") {
        const before = previousSignificant(code, i);
        const after = nextSignificant(code, end);
        const opensExpression =
          before === "\n" ||
          /[;:]$/.test(before) ||
          (before.endsWith("(") && !isCallParen(code, i)) ||
          (before.endsWith("=") && !/[=<>!]=$/.test(before));
        if (opensExpression && /[)\n;#\r]/.test(after)) out.splice(i, 5, "N", "o", "n", "e", " ");
      }
      i = end;
      continue;
    }
    i++;
  }
  return { text: out.join(""), problem };
}

function childrenOf(node: SyntaxNode): SyntaxNode[] {
  const result: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) result.push(child);
  return result;
}

/** Splits a flat child list at top-level commas. A trailing comma yields no empty last segment but sets `trailing`. */
function splitCommas(nodes: readonly SyntaxNode[]): { segments: SyntaxNode[][]; trailing: boolean } {
  const segments: SyntaxNode[][] = [[]];
  for (const node of nodes) {
    if (node.name === ",") segments.push([]);
    else segments[segments.length - 1].push(node);
  }
  const trailing = segments.length > 1 && segments[segments.length - 1].length === 0;
  if (trailing) segments.pop();
  return { segments: segments.filter((s) => s.length > 0), trailing };
}

function innerOf(node: SyntaxNode): SyntaxNode[] {
  return childrenOf(node).filter((c) => !["(", ")", "[", "]"].includes(c.name));
}

function checkTarget(node: SyntaxNode, code: string, kind: "assign" | "delete"): void {
  switch (node.name) {
    case "VariableName":
      return;
    case "MemberExpression": {
      const last = node.lastChild;
      if (last && last.name === "PropertyName" && KEYWORDS.has(code.slice(last.from, last.to))) {
        throw new SyntaxProblem("invalid syntax", last.from);
      }
      return;
    }
    case "ParenthesizedExpression": {
      const inner = innerOf(node);
      if (inner.length === 1) return checkTarget(inner[0], code, kind);
      break;
    }
    case "TupleExpression":
    case "ArrayExpression":
      return checkTargetList(innerOf(node), code, kind);
  }
  const what = kind === "delete" ? "delete" : "assign to";
  throw new SyntaxProblem(`cannot ${what} ${describe(node, code)}`, node.from);
}

function describe(node: SyntaxNode, code: string): string {
  const text = code.slice(node.from, node.to);
  if (node.name === "None" || text === "None") return "None";
  if (node.name === "Boolean") return text;
  if (node.name === "CallExpression") return "function call";
  if (node.name === "Number" || node.name === "String" || node.name === "ContinuedString") return "literal";
  return "expression";
}

function checkTargetList(nodes: readonly SyntaxNode[], code: string, kind: "assign" | "delete"): void {
  const { segments } = splitCommas(nodes);
  for (const segment of segments) {
    if (segment[0].name === "*") {
      if (kind === "delete") throw new SyntaxProblem("cannot delete starred", segment[0].from);
      if (segment.length !== 2) throw new SyntaxProblem("invalid syntax", segment[0].from);
      checkTarget(segment[1], code, kind);
    } else {
      if (segment.length !== 1) throw new SyntaxProblem("invalid syntax", segment[0].from);
      checkTarget(segment[0], code, kind);
    }
  }
}

function checkArgList(node: SyntaxNode): void {
  const inner = innerOf(node);
  const generator = inner.findIndex((c) => c.name === "for");
  if (generator >= 0) {
    // `f(x for x in y)`: the generator must be the only argument; commas may only separate `for` targets.
    let inTarget = false;
    for (const [k, child] of inner.entries()) {
      if (child.name === "for") inTarget = true;
      else if (child.name === "in") inTarget = false;
      else if (child.name === "," && !(inTarget && k > generator)) {
        throw new SyntaxProblem("Generator expression must be parenthesized", inner[0].from);
      }
    }
    return;
  }
  const { segments } = splitCommas(inner);
  let keyword = false;
  let doubleStar = false;
  for (const segment of segments) {
    const first = segment[0];
    if (first.name === "**") {
      doubleStar = true;
    } else if (first.name === "*") {
      if (doubleStar) {
        throw new SyntaxProblem("iterable argument unpacking follows keyword argument unpacking", first.from);
      }
    } else if (segment.length > 1 && segment[1].name === "AssignOp") {
      keyword = true;
    } else if (doubleStar) {
      throw new SyntaxProblem("positional argument follows keyword argument unpacking", first.from);
    } else if (keyword) {
      throw new SyntaxProblem("positional argument follows keyword argument", first.from);
    }
  }
}

function checkParamList(node: SyntaxNode): void {
  const { segments } = splitCommas(innerOf(node));
  let seenDefault = false;
  let seenStar = false;
  let seenSlash = false;
  let bareStarAt = -1;
  let seenDoubleStar = false;
  segments.forEach((segment, k) => {
    const first = segment[0];
    if (seenDoubleStar) throw new SyntaxProblem("arguments cannot follow var-keyword argument", first.from);
    if (first.name === "/") {
      if (k === 0) throw new SyntaxProblem("at least one argument must precede /", first.from);
      if (seenSlash) throw new SyntaxProblem("/ may appear only once", first.from);
      if (seenStar) throw new SyntaxProblem("/ must be ahead of *", first.from);
      seenSlash = true;
    } else if (first.name === "*") {
      if (seenStar) throw new SyntaxProblem("* argument may appear only once", first.from);
      seenStar = true;
      if (segment.length === 1) bareStarAt = first.from;
    } else if (first.name === "**") {
      if (bareStarAt >= 0) throw new SyntaxProblem("named arguments must follow bare *", bareStarAt);
      seenDoubleStar = true;
    } else {
      bareStarAt = -1;
      const hasDefault = segment.some((c) => c.name === "AssignOp");
      if (hasDefault) seenDefault = true;
      else if (seenDefault && !seenStar) {
        throw new SyntaxProblem("parameter without a default follows parameter with a default", first.from);
      }
    }
  });
  if (bareStarAt >= 0) throw new SyntaxProblem("named arguments must follow bare *", bareStarAt);
}

function checkComprehensionTargets(children: readonly SyntaxNode[], code: string): void {
  children.forEach((child, k) => {
    if (child.name !== "for") return;
    const end = children.findIndex((c, j) => j > k && c.name === "in");
    if (end > k) checkTargetList(children.slice(k + 1, end), code, "assign");
  });
}

function checkNode(node: SyntaxNode, code: string): void {
  const children = childrenOf(node);
  switch (node.name) {
    case "AssignStatement": {
      const typeDef = children.findIndex((c) => c.name === "TypeDef");
      const ops = children.map((c, k) => (c.name === "AssignOp" ? k : -1)).filter((k) => k >= 0);
      if (typeDef >= 0) {
        const target = children.slice(0, typeDef);
        if (target.length !== 1) throw new SyntaxProblem("only single target (not tuple) can be annotated", target[0].from);
        const t = target[0];
        const single =
          t.name === "VariableName" ||
          t.name === "MemberExpression" ||
          (t.name === "ParenthesizedExpression" && innerOf(t).length === 1);
        if (!single) throw new SyntaxProblem("illegal target for annotation", t.from);
        checkTarget(t, code, "assign");
      } else {
        let start = 0;
        for (const op of ops) {
          checkTargetList(children.slice(start, op), code, "assign");
          start = op + 1;
        }
      }
      break;
    }
    case "UpdateStatement": {
      const op = children.findIndex((c) => c.name === "UpdateOp");
      const target = children.slice(0, op);
      const t = target[0];
      const inner = t?.name === "ParenthesizedExpression" ? innerOf(t) : [t];
      if (target.length !== 1 || inner.length !== 1 || !["VariableName", "MemberExpression"].includes(inner[0].name)) {
        throw new SyntaxProblem("illegal expression for augmented assignment", children[0].from);
      }
      checkTarget(t, code, "assign");
      break;
    }
    case "DeleteStatement":
      checkTargetList(children.slice(1), code, "delete");
      break;
    case "ForStatement": {
      const f = children.findIndex((c) => c.name === "for");
      const end = children.findIndex((c) => c.name === "in");
      if (f >= 0 && end > f) checkTargetList(children.slice(f + 1, end), code, "assign");
      break;
    }
    case "WithStatement":
      children.forEach((child, k) => {
        if (child.name === "as" && children[k + 1]) checkTarget(children[k + 1], code, "assign");
      });
      break;
    case "ArrayComprehensionExpression":
    case "ComprehensionExpression":
    case "SetComprehensionExpression":
    case "DictionaryComprehensionExpression":
      checkComprehensionTargets(children, code);
      break;
    case "ArgList":
      checkArgList(node);
      checkComprehensionTargets(children, code);
      break;
    case "ParamList":
      checkParamList(node);
      break;
    case "NamedExpression":
      if (children[0]?.name !== "VariableName") {
        throw new SyntaxProblem(`cannot use assignment expressions with ${describe(children[0], code)}`, node.from);
      }
      break;
    case "ParenthesizedExpression":
      if (children[1]?.name === "*") throw new SyntaxProblem("cannot use starred expression here", children[1].from);
      break;
    case "PropertyName":
      if (KEYWORDS.has(code.slice(node.from, node.to))) throw new SyntaxProblem("invalid syntax", node.from);
      break;
    case "CompareOp":
      if (code.slice(node.from, node.to) === "<>") throw new SyntaxProblem("invalid syntax", node.from);
      break;
    case "RaiseStatement": {
      const comma = children.find((c) => c.name === ",");
      if (comma) throw new SyntaxProblem("invalid syntax", comma.from);
      break;
    }
    case "TryStatement":
      children.forEach((child, k) => {
        if (child.name !== "except") return;
        for (let j = k + 1; j < children.length && !["as", "Body"].includes(children[j].name); j++) {
          if (children[j].name === ",") {
            throw new SyntaxProblem("multiple exception types must be parenthesized", children[j].from);
          }
        }
      });
      break;
    case "ImportStatement": {
      const last = children[children.length - 1];
      if (last?.name === "," && !children.some((c) => c.name === "(")) {
        throw new SyntaxProblem("trailing comma not allowed without surrounding parentheses", last.from);
      }
      break;
    }
    case "StatementGroup":
      children.forEach((child, k) => {
        if (child.name === ";" && (k === 0 || children[k - 1].name === ";")) {
          throw new SyntaxProblem("invalid syntax", child.from);
        }
      });
      break;
  }
  for (const child of children) checkNode(child, code);
}

function firstErrorNode(tree: Tree): SyntaxNode | null {
  let found: SyntaxNode | null = null;
  tree.iterate({
    enter(ref) {
      if (found) return false;
      if (ref.type.isError) {
        found = ref.node;
        return false;
      }
      return undefined;
    },
  });
  return found;
}

/** Python 3 syntax check of a snippet (statements or an expression), parsed as a module. */
export function checkPythonSyntax(code: string): PythonSyntax {
  const prepared = prepare(code);
  const tree = parser.parse(prepared.text);
  const errorNode = firstErrorNode(tree);
  if (errorNode) {
    const position = Math.min(errorNode.from, code.length);
    const message = position >= code.trimEnd().length ? "unexpected end of input" : "invalid syntax";
    return { valid: false, error: { message, position } };
  }
  if (prepared.problem) return { valid: false, error: prepared.problem };
  try {
    checkNode(tree.topNode, prepared.text);
  } catch (e) {
    if (e instanceof SyntaxProblem) return { valid: false, error: { message: e.message, position: e.position } };
    throw e;
  }
  return { valid: true };
}

export function isValidPython(code: string): boolean {
  return checkPythonSyntax(code).valid;
}
