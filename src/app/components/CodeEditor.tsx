// The Monaco editor that shows the code as it condenses out of noise. Updates are edits on one model (the
// smallest changed range), flushed once per animation frame, so nothing flickers and undo still works after a
// run. Theme follows the system's light/dark setting.
import { useEffect, useRef } from "react";
import { EDITOR_THEMES, monaco } from "../monaco";
import { changedRange } from "../textEdit";

export interface EditorMarker {
  message: string;
  /** 0-based offset into the code */
  offset: number;
}

interface Props {
  value: string;
  language: string;
  readOnly: boolean;
  label: string;
  marker?: EditorMarker | null;
  /** Called when the user edits the code (not for updates coming from `value`). */
  onUserEdit?: (code: string) => void;
}

const darkQuery = typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : null;

export function CodeEditor({ value, language, readOnly, label, marker, onUserEdit }: Props) {
  const host = useRef<HTMLDivElement | null>(null);
  const editor = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const applying = useRef(false);
  const pending = useRef<string | null>(null);
  const frame = useRef(0);
  const onEdit = useRef(onUserEdit);
  onEdit.current = onUserEdit;

  useEffect(() => {
    if (!host.current) return;
    const instance = monaco.editor.create(host.current, {
      value: "",
      language,
      readOnly,
      minimap: { enabled: false },
      automaticLayout: true,
      scrollBeyondLastLine: false,
      wordWrap: "on",
      fontSize: 14,
      lineNumbers: "on",
      renderLineHighlight: "none",
      ariaLabel: label,
      theme: darkQuery?.matches ? EDITOR_THEMES.dark : EDITOR_THEMES.light,
    });
    editor.current = instance;
    const sub = instance.onDidChangeModelContent(() => {
      if (!applying.current) onEdit.current?.(instance.getValue());
    });
    const onScheme = (e: MediaQueryListEvent): void => monaco.editor.setTheme(e.matches ? EDITOR_THEMES.dark : EDITOR_THEMES.light);
    darkQuery?.addEventListener("change", onScheme);
    return () => {
      cancelAnimationFrame(frame.current);
      frame.current = 0;
      darkQuery?.removeEventListener("change", onScheme);
      sub.dispose();
      instance.getModel()?.dispose();
      instance.dispose();
      editor.current = null;
    };
    // Created once; language, readOnly and value are applied by the effects below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const model = editor.current?.getModel();
    if (model) monaco.editor.setModelLanguage(model, language);
  }, [language]);

  useEffect(() => {
    editor.current?.updateOptions({ readOnly, ariaLabel: label });
  }, [readOnly, label]);

  useEffect(() => {
    pending.current = value;
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      const instance = editor.current;
      const model = instance?.getModel();
      const next = pending.current;
      if (!instance || !model || next === null || model.getValue() === next) return;
      const { start, end, text } = changedRange(model.getValue(), next);
      const from = model.getPositionAt(start);
      const to = model.getPositionAt(end);
      applying.current = true;
      try {
        // On the model, not the editor: the editor refuses edits while it is read-only (during a run).
        model.pushEditOperations(
          [],
          [{ range: new monaco.Range(from.lineNumber, from.column, to.lineNumber, to.column), text, forceMoveMarkers: true }],
          () => null,
        );
      } finally {
        applying.current = false;
      }
    });
  }, [value]);

  useEffect(() => {
    const model = editor.current?.getModel();
    if (!model) return;
    if (!marker) {
      monaco.editor.setModelMarkers(model, "syntax", []);
      return;
    }
    const at = model.getPositionAt(Math.min(marker.offset, model.getValueLength()));
    monaco.editor.setModelMarkers(model, "syntax", [
      {
        severity: monaco.MarkerSeverity.Error,
        message: marker.message,
        startLineNumber: at.lineNumber,
        startColumn: at.column,
        endLineNumber: at.lineNumber,
        endColumn: at.column + 1,
      },
    ]);
  }, [marker, value]);

  return <div className="code-editor" ref={host} data-testid="editor" />;
}
