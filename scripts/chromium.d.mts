export const CHROMIUM: string;
export const QUIET_FLAGS: string[];
export const WEBGPU_FLAGS: string[];
