// The request settings of the page (language, prompt, steps, samples, seed, backend), kept in the URL so a link
// reproduces a result. Steps and samples follow the loaded model's defaults until a link or the user sets them.
import { useCallback, useEffect, useReducer } from "react";
import { initialSettings, settingsReducer } from "./requestSettings";
import type { RecentRequest } from "./recent";
import type { ModelStatus } from "./useEngine";
import { writeUrlState, type RequestSettings } from "./urlState";

export interface RequestSettingsHandle {
  settings: RequestSettings;
  /** The loaded model is ready, for this language. */
  ready: boolean;
  edit(settings: RequestSettings): void;
  pick(recent: RecentRequest): void;
}

export function useRequestSettings(status: ModelStatus): RequestSettingsHandle {
  const [state, dispatch] = useReducer(settingsReducer, location.search, initialSettings);
  useEffect(() => {
    if (status.state === "ready") dispatch({ type: "model-ready", sampler: status.sampler });
  }, [status]);

  useEffect(() => {
    history.replaceState(null, "", writeUrlState(state.settings));
  }, [state.settings]);

  const edit = useCallback((settings: RequestSettings) => dispatch({ type: "edit", settings }), []);
  const pick = useCallback((recent: RecentRequest) => dispatch({ type: "pick", recent }), []);
  const ready = status.state === "ready" && status.language === state.settings.language;
  return { settings: state.settings, ready, edit, pick };
}
