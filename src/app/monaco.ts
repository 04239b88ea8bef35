// Monaco, bundled and served by the app (no CDN): the editor core, the two Monarch grammars the app needs, a
// small grammar for Excel formulas, and the one web worker Monaco asks for. Imported once, by CodeEditor.
import * as monaco from "monaco-editor/esm/vs/editor/editor.api";
import "monaco-editor/esm/vs/editor/edcore.main";
import "monaco-editor/esm/vs/basic-languages/shell/shell.contribution";
import "monaco-editor/esm/vs/basic-languages/python/python.contribution";
import EditorWorker from "monaco-editor/esm/vs/editor/editor.worker?worker";

// Only the editor worker is needed: shell, python and excel-cf are Monarch grammars without language services.
(self as unknown as { MonacoEnvironment: monaco.Environment }).MonacoEnvironment = {
  getWorker: () => new EditorWorker(),
};

monaco.languages.register({ id: "excel-cf", aliases: ["Excel CF rule"] });
monaco.languages.setMonarchTokensProvider("excel-cf", {
  ignoreCase: true,
  tokenizer: {
    root: [
      [/"([^"]|"")*"/, "string"],
      [/\$?[A-Z]{1,3}\$?\d+(:\$?[A-Z]{1,3}\$?\d+)?/, "variable"],
      [/[A-Z][A-Z0-9.]*(?=\()/, "keyword"],
      [/\b(TRUE|FALSE)\b/, "constant"],
      [/\d+(\.\d+)?%?/, "number"],
      [/[=<>+\-*/&^,:;()]/, "operator"],
    ],
  },
});

// The stock themes colour shell options (`-mtime`, Monarch's "attribute.name") red, which reads as an error: the
// app's themes give them the colour of a keyword's neighbour instead, and change nothing else.
export const EDITOR_THEMES = { light: "codefusion-light", dark: "codefusion-dark" } as const;
monaco.editor.defineTheme(EDITOR_THEMES.light, {
  base: "vs",
  inherit: true,
  rules: [{ token: "attribute.name", foreground: "0550ae" }],
  colors: {},
});
monaco.editor.defineTheme(EDITOR_THEMES.dark, {
  base: "vs-dark",
  inherit: true,
  rules: [{ token: "attribute.name", foreground: "79c0ff" }],
  colors: {},
});

export { monaco };
