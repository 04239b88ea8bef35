// What the app exposes on window for tests (declared in src/App.tsx for the app itself).
export {};
declare global {
  interface Window {
    codefusionDebug?: { loseDevice: () => void };
  }
}
