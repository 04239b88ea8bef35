// The languages the app offers; each has a model under public/models/<id>/ and a Monaco language for highlighting.
import type { LanguageId } from "../bundle/manifest";

export interface LanguageInfo {
  id: LanguageId;
  label: string;
  /** The name in a sentence ("turns your request into …"). */
  longLabel: string;
  /** Monaco language id (shell and python are Monaco's; excel-cf is registered in monaco.ts). */
  monaco: string;
  examples: readonly string[];
}

export const LANGUAGES: readonly LanguageInfo[] = [
  {
    id: "bash",
    label: "Bash",
    longLabel: "Bash",
    monaco: "shell",
    examples: [
      "find all .log files older than 7 days and delete them",
      "count the lines of every python file in the current directory",
      "show the 10 largest files under /var",
      "list all running processes that contain java",
    ],
  },
  {
    id: "python",
    label: "Python",
    longLabel: "Python",
    monaco: "python",
    examples: [
      "sort a list of dictionaries by the key 'age'",
      "read a json file into a dictionary",
      "remove duplicates from a list while keeping the order",
      "convert a string to lower case",
    ],
  },
  {
    id: "cf",
    label: "Excel CF rules",
    longLabel: "Excel conditional-formatting rules",
    monaco: "excel-cf",
    examples: [
      "highlight rows where the amount is greater than 100",
      "color the cells that contain the word pending",
      "highlight dates before today",
      "mark values that are below the average",
    ],
  },
];

export function languageInfo(id: LanguageId): LanguageInfo {
  const info = LANGUAGES.find((l) => l.id === id);
  if (!info) throw new Error(`unknown language ${id}`);
  return info;
}

export function isLanguageId(value: unknown): value is LanguageId {
  return LANGUAGES.some((l) => l.id === value);
}

/**
 * Where a language's model bundle is served (public/models/<id>/ in the app's own origin), as an absolute URL: the
 * worker resolves against its own location, and the cache keys it writes are absolute.
 */
export function modelUrl(id: LanguageId): string {
  return new URL(`${import.meta.env.BASE_URL}models/${id}/`, location.href).href;
}
