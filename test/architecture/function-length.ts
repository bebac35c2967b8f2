// How long each function of a TypeScript source is, in lines from its first to its last (what
// a reader has to hold at once), inner functions included: the layer test keeps every function
// of src/ at 60 lines or fewer and reports the longest.
import ts from 'typescript';

export const MAX_FUNCTION_LINES = 60;

export interface FunctionLength {
  readonly where: string;
  readonly name: string;
  readonly lines: number;
}

/** Every function, method, arrow function and accessor of `text`, with its length in lines. */
export function functionLengths(file: string, text: string): FunctionLength[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: FunctionLength[] = [];
  const codeLines = linesOfCode(source);
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = codeLines.slice(first, last + 1).filter(Boolean).length;
      found.push({ where: `${file}:${first + 1}`, name: nameOf(node), lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

// A function's name, or the name it is given (a variable, a property, a call's argument).
function nameOf(node: ts.Node): string {
  const named = (node as { name?: ts.Node }).name;
  if (named) return named.getText();
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)))
    return parent.name.getText();
  if (parent && ts.isCallExpression(parent)) return `(callback of ${parent.expression.getText().slice(-40)})`;
  return '(anonymous)';
}

// For each line of the source, whether it holds code (not only space and comments).
function linesOfCode(source: ts.SourceFile): boolean[] {
  const code = source.text.split('\n').map(() => false);
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, source.text);
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (token === ts.SyntaxKind.NewLineTrivia || token === ts.SyntaxKind.WhitespaceTrivia) continue;
    if (token === ts.SyntaxKind.SingleLineCommentTrivia || token === ts.SyntaxKind.MultiLineCommentTrivia)
      continue;
    const from = source.getLineAndCharacterOfPosition(scanner.getTokenStart()).line;
    const to = source.getLineAndCharacterOfPosition(scanner.getTokenEnd()).line;
    for (let line = from; line <= to; line++) code[line] = true;
  }
  return code;
}
