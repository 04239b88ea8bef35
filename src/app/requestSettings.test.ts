// The settings reducer: a link's values, the model's defaults for what nobody set, and the user's changes.
import { describe, expect, it } from "vitest";
import type { SamplerDefaults } from "../bundle/manifest";
import { initialSettings, settingsReducer, type SettingsState } from "./requestSettings";
import { DEFAULT_SETTINGS } from "./urlState";

const CF: SamplerDefaults = { steps: 20, samples: 6, top_k: 5, clamp: "decoder" };
const BASH: SamplerDefaults = { steps: 30, samples: 4, top_k: 5, clamp: "decoder" };

const ready = (state: SettingsState, sampler: SamplerDefaults): SettingsState => settingsReducer(state, { type: "model-ready", sampler });

describe("request settings", () => {
  it("a link without steps or n runs the model's defaults once it is ready (not the page's 50 and 5)", () => {
    const opened = initialSettings("?lang=cf&q=highlight+sales+above+100");
    expect(opened.settings.steps).toBe(DEFAULT_SETTINGS.steps);
    expect(opened.explicit).toEqual({ steps: false, samples: false });
    expect(ready(opened, CF).settings).toMatchObject({ language: "cf", prompt: "highlight sales above 100", steps: 20, samples: 6 });
  });

  it("a link's steps and n stay when the model is ready", () => {
    const opened = initialSettings("?lang=cf&q=x&steps=7&n=2");
    expect(ready(opened, CF).settings).toMatchObject({ steps: 7, samples: 2 });
  });

  it("a link with steps only takes the model's samples, and the other way round", () => {
    expect(ready(initialSettings("?lang=cf&steps=7"), CF).settings).toMatchObject({ steps: 7, samples: 6 });
    expect(ready(initialSettings("?lang=cf&n=2"), CF).settings).toMatchObject({ steps: 20, samples: 2 });
  });

  it("remembers which defaults it applied", () => {
    expect(initialSettings("").applied).toBeNull();
    expect(ready(initialSettings(""), CF).applied).toBe(CF);
  });

  it("steps the user changed stay through the next model; samples they did not change follow it", () => {
    const loaded = ready(initialSettings("?lang=cf"), CF);
    const edited = settingsReducer(loaded, { type: "edit", settings: { ...loaded.settings, steps: 12, language: "bash" } });
    expect(edited.explicit).toEqual({ steps: true, samples: false });
    expect(ready(edited, BASH).settings).toMatchObject({ language: "bash", steps: 12, samples: 4 });
  });

  it("an edit of the prompt or seed leaves steps and samples to the model", () => {
    const loaded = ready(initialSettings("?lang=cf"), CF);
    const edited = settingsReducer(loaded, { type: "edit", settings: { ...loaded.settings, prompt: "p", seed: 3 } });
    expect(edited.explicit).toEqual({ steps: false, samples: false });
    expect(ready(edited, BASH).settings).toMatchObject({ prompt: "p", seed: 3, steps: 30, samples: 4 });
  });

  it("a picked recent request brings its values, which a model loaded after it may replace", () => {
    const loaded = ready(initialSettings("?lang=cf"), CF);
    const recent = { language: "bash" as const, prompt: "list files", steps: 9, samples: 3, seed: 11, at: 0 };
    const picked = settingsReducer(loaded, { type: "pick", recent });
    expect(picked.settings).toMatchObject({ language: "bash", prompt: "list files", steps: 9, samples: 3, seed: 11 });
    expect(ready(picked, BASH).settings).toMatchObject({ steps: 30, samples: 4 });
  });
});
