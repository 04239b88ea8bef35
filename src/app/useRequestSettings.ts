// The request settings of the page (language, prompt, steps, samples, seed, backend), kept in the URL so a link
// reproduces a result. Steps and samples follow the loaded model's defaults until a link or the user sets them.
import { useCallback, useEffect, useReducer } from "react";
import { initialSettings, settingsReducer } from "./requestSettings";
import type { RecentRequest } from "./recent";
import type { ModelStatus } from "./useEngine";
import { writeUrlState, type RequestSettings } from "./urlState";

export interface RequestSettingsHandle {
  settings: RequestSettings;
  /** The settings match the loaded model: it is ready, for this language, and its defaults are in. */
  ready: boolean;
  /** Steps and samples that will be the model's defaults once it is ready (nobody set them, no model yet). */
  pendingDefaults: { steps: boolean; samples: boolean };
  edit(settings: RequestSettings): void;
  pick(recent: RecentRequest): void;
}

export function useRequestSettings(status: ModelStatus): RequestSettingsHandle {
  const [state, dispatch] = useReducer(settingsReducer, location.search, initialSettings);
  // The model's defaults go in during the render that first sees the model ready, not in an effect: an effect of
  // that same render (a link's auto-run) would otherwise run with the settings from before the defaults.
  if (status.state === "ready" && state.applied !== status.sampler) dispatch({ type: "model-ready", sampler: status.sampler });

  useEffect(() => {
    history.replaceState(null, "", writeUrlState(state.settings));
  }, [state.settings]);

  const edit = useCallback((settings: RequestSettings) => dispatch({ type: "edit", settings }), []);
  const pick = useCallback((recent: RecentRequest) => dispatch({ type: "pick", recent }), []);
  const ready =
    status.state === "ready" && status.language === state.settings.language && state.applied === status.sampler;
  const waiting = state.applied === null;
  const pendingDefaults = { steps: waiting && !state.explicit.steps, samples: waiting && !state.explicit.samples };
  return { settings: state.settings, ready, pendingDefaults, edit, pick };
}
