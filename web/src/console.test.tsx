import { describe, expect, it } from "vitest";
import { render } from "@testing-library/react";
import { humanMessage } from "./api/client";
import type { AnalysisResult } from "./api/types";
import { align, dateRange } from "./lib/chartData";
import { currentWord } from "./components/WordsPlayer";
import { describeMiscue, ResultView, scoresOf, wordClass } from "./components/ResultView";
import { extensionOf, pickMimeType } from "./components/Recorder";
import { TakeScores, weekStart, weeklySeries } from "./pages/MyPage";
import type { Take } from "./api/types";

describe("errors a person understands", () => {
  it("explains sizes, formats, limits, the network and expired sessions", () => {
    expect(humanMessage(413, "PAYLOAD_TOO_LARGE", "request body over 52428800 bytes", null)).toContain("(the limit is 50 MB)");
    expect(humanMessage(415, "UNSUPPORTED_AUDIO", "", null)).toContain("isn't audio we can read");
    expect(humanMessage(429, "TOO_MANY_UPLOADS", "", 12.2)).toContain("Try again in 13 s.");
    expect(humanMessage(0, "NETWORK", "", null)).toContain("Can't reach YouSync");
    expect(humanMessage(401, "TOKEN_EXPIRED", "", null)).toContain("session has expired");
    expect(humanMessage(503, "UNAVAILABLE", "", null)).toContain("busy");
  });
});

describe("charts and playback", () => {
  it("aligns series on one x axis with gaps", () => {
    const data = align([
      { label: "a", color: "", points: [[0, 1], [0.02, 2]] },
      { label: "b", color: "", points: [[0.01, 5], [0.02, null]] },
    ]);
    expect(data).toEqual([[0, 0.01, 0.02], [1, null, 2], [null, 5, null]]);
  });

  it("finds the word being spoken", () => {
    const words = [
      { word: "To", start_seconds: 0.04, end_seconds: 0.33 },
      { word: "be", start_seconds: 0.33, end_seconds: 0.6 },
    ];
    expect(currentWord(words, 0)).toBe(-1);
    expect(currentWord(words, 0.33)).toBe(1);
    expect(currentWord(words, 0.7)).toBe(-1);
  });

  it("records WebM/Opus where the browser can", () => {
    expect(pickMimeType((t) => t.startsWith("audio/webm"))).toBe("audio/webm;codecs=opus");
    expect(pickMimeType((t) => t === "audio/mp4")).toBe("audio/mp4");
    expect(pickMimeType(() => false)).toBe("");
    expect(extensionOf("audio/mp4")).toBe("m4a");
  });

  it("averages every dimension per week", () => {
    const take = (created_at: string, overall: number): Take => ({
      id: created_at, token_id: 1, script_id: 1, job_id: "j", status: "completed", state: "completed",
      format: "webm", size_bytes: 1, duration_seconds: 1, verdict: "scored", token_text: "", script_title: "",
      created_at, scores: { overall, pronunciation: 50, intonation: 60, expressiveness: 70, timing: 80 },
    });
    const series = weeklySeries([take("2026-11-02T10:00:00Z", 80), take("2026-11-04T10:00:00Z", 60), take("2026-11-10T10:00:00Z", 90)]);
    expect(series[0].label).toBe("Overall");
    expect(series[0].points).toEqual([[weekStart("2026-11-02T00:00:00Z"), 70], [weekStart("2026-11-09T00:00:00Z"), 90]]);
    expect(new Date(weekStart("2026-11-04T10:00:00Z") * 1000).toISOString()).toBe("2026-11-02T00:00:00.000Z");
  });

  it("keeps a single week inside a short date axis", () => {
    const DAY = 86_400;
    const week = weekStart("2026-11-25T10:00:00Z");
    const [lo, hi] = dateRange(week, week);
    // Weeks, not the 1000 days uPlot gives one time point (its min … min + 86400 / 1e-3).
    expect(hi - lo).toBeLessThanOrEqual(21 * DAY);
    expect(lo).toBeLessThan(week - 7 * DAY);
    expect(hi).toBeGreaterThan(week);
    // Many weeks: the data's own span, a day before and a few after.
    expect(dateRange(week - 70 * DAY, week)).toEqual([week - 71 * DAY, week + 3 * DAY]);
    // No data: still a finite, short range.
    const [a, b] = dateRange(undefined, undefined);
    expect(Number.isFinite(a) && b - a).toBe(17 * DAY);
  });

  it("shows a take's completeness on 100 beside its scores, and nothing when it was not recorded", () => {
    const take: Take = {
      id: "t", token_id: 1, script_id: 1, job_id: "j", status: "completed", state: "completed",
      format: "webm", size_bytes: 1, duration_seconds: 1, verdict: "scored", token_text: "", script_title: "",
      created_at: "2026-11-25T10:00:00Z",
      scores: { overall: 70, pronunciation: 50, intonation: 60, expressiveness: 70, timing: 80, completeness: 0.8 },
    };
    const { container, unmount } = render(<TakeScores take={take} />);
    const chip = container.querySelector("[data-testid=take-completeness]");
    expect(chip?.textContent).toBe("Completeness 80");
    expect(chip?.className).toContain("good");
    expect([...container.querySelectorAll(".pill")].map((p) => p.textContent)).toEqual([
      "Overall 70", "Pronunciation 50", "Intonation 60", "Expressiveness 70", "Timing 80", "Completeness 80",
    ]);
    unmount();
    const older = render(<TakeScores take={{ ...take, scores: { ...take.scores!, completeness: null } }} />);
    expect(older.container.querySelector("[data-testid=take-completeness]")).toBeNull();
    expect(older.container.querySelectorAll(".pill")).toHaveLength(5);
  });
});

const base: AnalysisResult = {
  job_id: "j1", status: "completed", state: "completed", stage: "done", progress: 100, message: "", take_id: "t1",
  token_id: 1, script_id: 1, pronunciation_score: 91, intonation_score: 55, emotion_score: 70, timing_score: 88,
  overall_score: 77, verdict: "scored", error: null, created_at: null, completed_at: null,
  detailed_feedback: {
    verdict: "scored",
    words: [
      { word: "to", status: "ok", score: 95 },
      { word: "be", status: "mispronounced", score: 40 },
      { word: "or", status: "omitted", score: 0 },
      { word: "not", status: "ok", score: 65 },
    ],
    miscues: [
      { type: "omission", expected: "or", recognized: "", word_index: 2 },
      { type: "substitution", expected: "be", recognized: "bee", word_index: 1, confidence: 0.8 },
    ],
    feedback: ["Say “or”."],
  },
};

describe("the result", () => {
  it("shows every score with its meaning, and completeness when the analyzer sends it", () => {
    const { container } = render(
      <ResultView result={{ ...base, completeness: 0.75 }} actorAudio={null} takeAudio={null} />,
    );
    const labels = [...container.querySelectorAll(".score dt")].map((e) => e.textContent);
    expect(labels).toEqual(["Overall", "Pronunciation", "Intonation", "Expressiveness", "Timing", "Completeness"]);
    expect(container.querySelector("[data-testid=score-intonation]")?.className).toContain("weak");
    expect(container.querySelector("[data-testid=score-overall] .meaning")?.textContent).toMatch(/actor/);
  });

  it("colours words by score and marks missing and mispronounced ones", () => {
    const { container } = render(<ResultView result={base} actorAudio={null} takeAudio={null} />);
    const words = [...container.querySelectorAll("[data-testid=scored-words] .w")].map((e) => e.className);
    expect(words).toEqual(["w good", "w mispronounced", "w omitted", "w fair"]);
    const miscues = container.querySelector("[data-testid=miscues]")?.textContent ?? "";
    expect(miscues).toContain("You left out “or”.");
    expect(miscues).toContain("You said “bee” instead of “be”.");
    expect(miscues).toContain("confidence 80%");
  });

  it("explains a re-record verdict instead of scores", () => {
    const rerecord: AnalysisResult = {
      ...base, verdict: "rerecord", overall_score: null,
      detailed_feedback: { verdict: "rerecord", rerecord_reason: "too_noisy" },
    };
    const { container } = render(<ResultView result={rerecord} actorAudio={null} takeAudio={null} />);
    expect(container.querySelector("[data-testid=verdict]")?.textContent).toContain("too much background noise");
    expect(container.querySelector("[data-testid=scores]")).toBeNull();
  });

  it("reads scores from every place they may be", () => {
    expect(scoresOf({ ...base, completeness: 0.5 })).toMatchObject({ overall: 77, completeness: 50 });
    expect(scoresOf({ ...base, scores: { completeness: 0.75 } })).toMatchObject({ completeness: 75 });
    expect(wordClass({ word: "x", status: "OK", score: 59 })).toBe("w weak");
    expect(describeMiscue({ type: "INSERTION", recognized: "um" })).toBe("You added “um”.");
  });
});
