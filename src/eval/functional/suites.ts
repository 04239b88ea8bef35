// The three functional suites by language (one place that knows where each lives).
import type { FunctionalLanguage, FunctionalSuite, FunctionalTask } from "./types";

export async function loadSuite(language: FunctionalLanguage): Promise<FunctionalSuite<FunctionalTask>> {
  switch (language) {
    case "bash":
      return (await import("./bash")).loadBashSuite();
    case "python":
      return (await import("./odex")).loadOdexSuite();
    case "cf":
      return (await import("./cf")).loadCfSuite();
  }
}
