// The recent requests of this machine (localStorage, recent.ts) as React state.
import { useCallback, useState } from "react";
import { addRecent, clearRecent, loadRecent, type RecentRequest } from "./recent";

function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export interface RecentRequestsHandle {
  items: RecentRequest[];
  add(entry: RecentRequest): void;
  clear(): void;
}

export function useRecentRequests(): RecentRequestsHandle {
  const [items, setItems] = useState<RecentRequest[]>(() => {
    const storage = safeStorage();
    return storage ? loadRecent(storage) : [];
  });
  const add = useCallback((entry: RecentRequest) => {
    const storage = safeStorage();
    setItems((current) => (storage ? addRecent(storage, entry) : [entry, ...current]));
  }, []);
  const clear = useCallback(() => {
    const storage = safeStorage();
    if (storage) clearRecent(storage);
    setItems([]);
  }, []);
  return { items, add, clear };
}
