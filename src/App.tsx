import { useEffect, useState } from "react";
import type { LanguageId } from "./bundle/manifest";

/** The languages the project trains a model for; each ships under public/models/<id>/. */
export const LANGUAGES: readonly { id: LanguageId; label: string }[] = [
  { id: "bash", label: "Bash" },
  { id: "python", label: "Python" },
  { id: "cf", label: "Excel CF rules" },
];

interface ModelSummary {
  language: LanguageId;
  state: "loading" | "missing" | "present";
  parameters?: number;
  steps?: number;
}

interface ManifestHead {
  config?: { parameters?: number };
  sampler?: { steps?: number };
}

async function fetchModelSummary(language: LanguageId): Promise<ModelSummary> {
  const response = await fetch(`${import.meta.env.BASE_URL}models/${language}/manifest.json`);
  const isJson = response.headers.get("content-type")?.includes("json") ?? false;
  if (!response.ok || !isJson) return { language, state: "missing" };
  const manifest = (await response.json()) as ManifestHead;
  return {
    language,
    state: "present",
    parameters: manifest.config?.parameters,
    steps: manifest.sampler?.steps,
  };
}

/**
 * The first screen: which shipped models this build carries. The generation UI is built on top of the
 * in-browser engine (src/engine) once it exists; until then the page says honestly what is there.
 */
export function App() {
  const [models, setModels] = useState<ModelSummary[]>(
    LANGUAGES.map(({ id }) => ({ language: id, state: "loading" })),
  );

  useEffect(() => {
    let cancelled = false;
    Promise.all(LANGUAGES.map(({ id }) => fetchModelSummary(id).catch(() => ({ language: id, state: "missing" as const }))))
      .then((summaries) => {
        if (!cancelled) setModels(summaries);
      });
    return () => {
      cancelled = true;
    };
  }, []);

  return (
    <main style={{ fontFamily: "system-ui, sans-serif", maxWidth: 720, margin: "2rem auto", padding: "0 1rem" }}>
      <h1>CodeFusion in the browser</h1>
      <p>
        A diffusion model that turns a natural-language request into Bash, Python or Excel conditional-formatting
        rules, running entirely on your machine.
      </p>
      <h2>Shipped models</h2>
      <ul aria-live="polite">
        {models.map((model) => (
          <li key={model.language}>
            {LANGUAGES.find((l) => l.id === model.language)?.label}:{" "}
            {model.state === "loading" && "checking…"}
            {model.state === "missing" && "not shipped yet"}
            {model.state === "present" &&
              `${model.parameters ? (model.parameters / 1e6).toFixed(1) + "M parameters" : "present"}` +
                (model.steps ? `, ${model.steps} denoising steps` : "")}
          </li>
        ))}
      </ul>
    </main>
  );
}
