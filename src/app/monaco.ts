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

export { monaco };
