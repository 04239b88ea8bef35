// The request settings as state: what the URL says, what the user changed, and the loaded model's defaults for
// the steps and samples nobody set. A pure reducer, so the rules are unit-tested without React.
import type { SamplerDefaults } from "../bundle/manifest";
import type { RecentRequest } from "./recent";
import { readUrlState, type RequestSettings } from "./urlState";

export interface SettingsState {
  settings: RequestSettings;
  /** Steps and samples that a link or the user set: the model's defaults leave them alone. */
  explicit: { steps: boolean; samples: boolean };
  /** The sampler defaults last applied (null until a model is ready): the settings follow that model. */
  applied: SamplerDefaults | null;
}

export type SettingsAction =
  /** The user changed the form: a changed step or sample count is theirs from now on. */
  | { type: "edit"; settings: RequestSettings }
  /** A recent request picked again: its values, which a model loaded later may still replace (as before). */
  | { type: "pick"; recent: RecentRequest }
  /** A model is ready: its defaults for whatever nobody set. */
  | { type: "model-ready"; sampler: SamplerDefaults };

/** The state a page opens with: the link's settings; steps and samples are explicit only when the link has them. */
export function initialSettings(search: string): SettingsState {
  const params = new URLSearchParams(search);
  return { settings: readUrlState(search), explicit: { steps: params.has("steps"), samples: params.has("n") }, applied: null };
}

export function settingsReducer(state: SettingsState, action: SettingsAction): SettingsState {
  switch (action.type) {
    case "edit": {
      const { settings } = action;
      const explicit = {
        steps: state.explicit.steps || settings.steps !== state.settings.steps,
        samples: state.explicit.samples || settings.samples !== state.settings.samples,
      };
      return { ...state, settings, explicit };
    }
    case "pick": {
      const { language, prompt, steps, samples, seed } = action.recent;
      return { ...state, settings: { ...state.settings, language, prompt, steps, samples, seed } };
    }
    case "model-ready": {
      const { sampler } = action;
      const settings = {
        ...state.settings,
        steps: state.explicit.steps ? state.settings.steps : sampler.steps,
        samples: state.explicit.samples ? state.settings.samples : sampler.samples,
      };
      return { ...state, settings, applied: sampler };
    }
  }
}
