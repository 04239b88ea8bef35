import { describe, expect, it } from "vitest";
import { editOrigin, knownOrigin, partsOf, scoreMeaning } from "./candidateText";

const source = { utterance: "check if key1 is in the dict", code: "'key1' in dict", similarity: 0.52 };

describe("knownOrigin", () => {
  it("says a known code shown as its known request has it keeps that request's values", () => {
    const origin = knownOrigin({ code: "'key1'  in dict", knownRequest: source });
    expect(origin?.line).toBe("as asked: “check if key1 is in the dict”");
    expect(origin?.title).toMatch(/as written: its own values, not yours/);
    expect(origin?.title).not.toMatch(/your values filled in/);
  });

  it("says an adapted code took the user's values only where the request has them", () => {
    const origin = knownOrigin({ code: "TextEquals(c[4], Enterprise)", knownRequest: { utterance: "rows where Plan is Enterprise", code: "TextEquals(c[1], Enterprise)", similarity: 0.4 } });
    expect(origin?.line).toBe("adapted from: “rows where Plan is Enterprise”");
    expect(origin?.title).toMatch(/where your request has them; any other value is still the known request's/);
  });

  it("is absent for a sample", () => {
    expect(knownOrigin({ code: "ls" })).toBeNull();
  });
});

describe("editOrigin", () => {
  it("names the known code a sample was edited from, apart from the known codes' own badge", () => {
    const edited = editOrigin({ start: "find . -name '*.txt'", fromKnownRequest: false });
    expect(edited?.badge).toBe("edited from a known code");
    expect(edited?.badge).not.toBe("from a similar known request");
    expect(edited?.line).toBe("edited from a known code: “find . -name '*.txt'”");
    expect(edited?.title).toMatch(/started this sample from a similar known request's code/);
  });

  it("is absent for a sample from noise and for a known code", () => {
    expect(editOrigin({ fromKnownRequest: false })).toBeNull();
    expect(editOrigin({ start: "ls", fromKnownRequest: true })).toBeNull();
  });
});

describe("scoreMeaning", () => {
  const parts = partsOf([{ fromKnownRequest: true }, { fromKnownRequest: true }, { fromKnownRequest: false }]);

  it("names what the score shares and over which candidates it adds up to 100 %", () => {
    expect(parts).toEqual({ known: 2, samples: 1 });
    expect(scoreMeaning("channel", { fromKnownRequest: true }, parts)).toMatch(/noisy channel.*the 2 known codes shown, which add up to 100 %/);
    expect(scoreMeaning("known-first", { fromKnownRequest: true }, parts)).toMatch(/denoising loss.*2 known codes/);
    expect(scoreMeaning("known-first", { fromKnownRequest: false }, parts)).toMatch(/the 1 sample shown.*ranked after the known codes/);
    expect(scoreMeaning("denoise", { fromKnownRequest: true }, parts)).toMatch(/the 3 candidates shown/);
    expect(scoreMeaning("votes", { fromKnownRequest: false }, parts)).toMatch(/votes/);
  });
});
