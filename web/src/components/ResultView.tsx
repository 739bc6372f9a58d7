// A scored take: every score with what it means, the words coloured by score, miscues, feedback,
// the re-record verdict explained, and the two pitch curves on the actor's timeline.
import { useMemo } from "react";
import type { AnalysisResult, DetailedFeedback, Miscue, WordResult } from "../api/types";
import { band, score, seconds } from "../lib/format";
import { Chart } from "./Chart";

export const SCORE_MEANINGS: { key: string; label: string; meaning: string }[] = [
  {
    key: "overall",
    label: "Overall",
    meaning: "All the scores below together: how close your take is to the actor's, word for word and in melody.",
  },
  {
    key: "pronunciation",
    label: "Pronunciation",
    meaning: "How clearly each word of the line sounds like it should (from the speech aligner's per-word fit).",
  },
  {
    key: "intonation",
    label: "Intonation",
    meaning:
      "How closely your melody follows the actor's: both pitch curves in semitones from each voice's own middle, so a higher or lower voice is not penalised.",
  },
  {
    key: "expressiveness",
    label: "Expressiveness",
    meaning:
      "How close your delivery is to the actor's in pitch range, loudness range, pace and pauses. It measures delivery, not a named emotion.",
  },
  {
    key: "timing",
    label: "Timing",
    meaning: "Whether your words start when the actor's do and your pace matches.",
  },
  {
    key: "completeness",
    label: "Completeness",
    meaning: "How much of the line you said: missing words lower it.",
  },
];

const RERECORD: Record<string, string> = {
  no_speech: "We couldn't hear any speech. Check that the right microphone is selected and speak up.",
  noise_only: "We heard only noise, no speech. Try a quieter place or move closer to the microphone.",
  clipping: "Your recording is distorted (too loud). Move back a little or turn the input level down.",
  too_short: "The take is too short to score. Say the whole line.",
  wrong_or_incomplete_line:
    "This doesn't sound like the line, or most of its words are missing. Read the whole line as written.",
  too_noisy: "There is too much background noise to score your take fairly. Try a quieter place.",
};

/** The scores of a result: the flat fields, plus any extra the analyzer adds (e.g. completeness). */
export function scoresOf(result: AnalysisResult): Record<string, number> {
  const out: Record<string, number> = {};
  const put = (key: string, value: unknown) => {
    if (typeof value === "number" && Number.isFinite(value)) out[key] = value;
  };
  put("overall", result.overall_score);
  put("pronunciation", result.pronunciation_score);
  put("intonation", result.intonation_score);
  put("expressiveness", result.emotion_score);
  put("timing", result.timing_score);
  for (const source of [result.scores, result.detailed_feedback?.scores]) {
    if (source) for (const [k, v] of Object.entries(source)) if (!(k in out) && k !== "completeness") put(k, v);
  }
  // Completeness comes as a share (0–1); shown like the others, on 100.
  const share = result.completeness ?? result.scores?.completeness ?? result.detailed_feedback?.scores?.completeness;
  if (typeof share === "number") put("completeness", Math.round(share * 1000) / 10);
  return out;
}

export function wordClass(word: WordResult): string {
  const status = (word.status ?? "").toLowerCase();
  if (status === "omitted") return "w omitted";
  if (status === "mispronounced") return "w mispronounced";
  return `w ${band(word.score)}`;
}

function wordTitle(word: WordResult): string {
  const status = (word.status ?? "").toLowerCase();
  if (status === "omitted") return `“${word.word}”: missing`;
  const s = word.score === undefined ? "" : `, score ${score(word.score)}`;
  return `“${word.word}”: ${status === "mispronounced" ? "mispronounced" : "ok"}${s}`;
}

export function describeMiscue(m: Miscue): string {
  const type = (m.type ?? "").toLowerCase();
  if (type === "omission") return `You left out “${m.expected}”.`;
  if (type === "insertion") return `You added “${m.recognized}”.`;
  if (type === "substitution") return `You said “${m.recognized}” instead of “${m.expected}”.`;
  return `${m.expected ?? ""} ${m.recognized ?? ""}`.trim();
}

function ScoreCards({ scores }: { scores: Record<string, number> }) {
  const known = SCORE_MEANINGS.filter((m) => m.key in scores);
  const extra = Object.keys(scores).filter((k) => !SCORE_MEANINGS.some((m) => m.key === k));
  return (
    <dl className="scores" data-testid="scores">
      {known.map((m) => (
        <div key={m.key} className={`score ${band(scores[m.key])}`} data-testid={`score-${m.key}`}>
          <dt>{m.label}</dt>
          <dd className="value">
            {score(scores[m.key])}
            <span className="of">/100</span>
          </dd>
          <dd className="meaning">{m.meaning}</dd>
        </div>
      ))}
      {extra.map((k) => (
        <div key={k} className={`score ${band(scores[k])}`}>
          <dt>{k}</dt>
          <dd className="value">{score(scores[k])}</dd>
        </div>
      ))}
    </dl>
  );
}

function Words({ words }: { words: WordResult[] }) {
  return (
    <>
      <p className="scored-words" data-testid="scored-words">
        {words.map((w, i) => (
          <span key={i} className={wordClass(w)} title={wordTitle(w)} aria-label={wordTitle(w)}>
            {w.word}
          </span>
        ))}
      </p>
      <p className="legend small">
        <span className="w good">good (80+)</span> <span className="w fair">fair (60–79)</span>{" "}
        <span className="w weak">weak (below 60)</span> <span className="w mispronounced">mispronounced</span>{" "}
        <span className="w omitted">word</span>
      </p>
    </>
  );
}

function PitchOverlay({ feedback }: { feedback: DetailedFeedback }) {
  const pitch = feedback.pitch;
  const series = useMemo(() => {
    const line = (points: { time_seconds?: number; hz?: number | null }[] | undefined) =>
      (points ?? []).map((p) => [p.time_seconds ?? 0, p.hz ?? null] as [number, number | null]);
    return [
      { label: "Actor", color: "#3b5bdb", points: line(pitch?.reference), width: 2 },
      { label: "You", color: "#e8590c", points: line(pitch?.take), width: 2 },
    ];
  }, [pitch]);
  if (!pitch || (!pitch.reference?.length && !pitch.take?.length)) {
    return <p className="muted">No pitch curve for this take.</p>;
  }
  return (
    <>
      <Chart
        series={series}
        xLabel="seconds (actor's timeline)"
        yLabel="semitones"
        ariaLabel="Your pitch curve over the actor's, in semitones from each voice's middle, on the actor's timeline"
        testId="pitch-overlay"
        height={240}
      />
      <p className="small muted">
        Both curves are in semitones from each voice's own middle; yours is stretched onto the actor's timeline
        {pitch.warped_by === "words" ? " word by word" : pitch.warped_by ? ` (${pitch.warped_by})` : ""}.
        {pitch.correlation !== undefined && <> Shape match {pitch.correlation.toFixed(2)} (1 = same melody).</>}
        {pitch.rms_semitones !== undefined && <> Typical gap {pitch.rms_semitones.toFixed(1)} semitones.</>}
        {pitch.max_divergence_word && (
          <>
            {" "}
            Furthest apart at “{pitch.max_divergence_word}” ({seconds(pitch.max_divergence_seconds)}).
          </>
        )}
      </p>
    </>
  );
}

export function ResultView({
  result,
  actorAudio,
  takeAudio,
}: {
  result: AnalysisResult;
  actorAudio: string | null;
  takeAudio: string | null;
}) {
  const feedback = result.detailed_feedback ?? {};
  const verdict = (result.verdict ?? feedback.verdict ?? "").toLowerCase();
  const scores = scoresOf(result);
  const words = feedback.words ?? [];
  const miscues = feedback.miscues ?? [];
  const lines = feedback.feedback ?? [];
  const reason = (feedback.rerecord_reason ?? "").toLowerCase();
  return (
    <div className="result" data-testid="result">
      {verdict === "rerecord" ? (
        <div className="verdict rerecord" role="alert" data-testid="verdict">
          <h2>Please record this line again</h2>
          <p>{RERECORD[reason] ?? "We can't score this take fairly."}</p>
          <p className="small muted">A take we can't score fairly gets this message instead of a low score.</p>
        </div>
      ) : (
        <ScoreCards scores={scores} />
      )}
      <section aria-labelledby="listen-both">
        <h2 id="listen-both">Listen</h2>
        <div className="two">
          <div>
            <p className="small">The actor</p>
            {actorAudio ? <audio src={actorAudio} controls aria-label="The actor's line" /> : <p className="muted">–</p>}
          </div>
          <div>
            <p className="small">You</p>
            {takeAudio ? (
              <audio src={takeAudio} controls aria-label="Your take" data-testid="take-audio" />
            ) : (
              <p className="muted">–</p>
            )}
          </div>
        </div>
      </section>
      {words.length > 0 && (
        <section aria-labelledby="words-h">
          <h2 id="words-h">Word by word</h2>
          <Words words={words} />
          {feedback.recognized_text && (
            <p className="small muted">We heard: “{feedback.recognized_text}”</p>
          )}
        </section>
      )}
      {miscues.length > 0 && (
        <section aria-labelledby="miscues-h">
          <h2 id="miscues-h">What the recognizer heard differently</h2>
          <p className="small muted">
            From free speech recognition, which can mishear; the word colours above come from lining your take up with
            the line.
          </p>
          <ul data-testid="miscues">
            {miscues.map((m, i) => (
              <li key={i}>
                {describeMiscue(m)}
                {typeof m.confidence === "number" && (
                  <span className="muted small"> (confidence {Math.round(m.confidence * 100)}%)</span>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      {lines.length > 0 && (
        <section aria-labelledby="feedback-h">
          <h2 id="feedback-h">Tips</h2>
          <ul data-testid="feedback">
            {lines.map((line, i) => (
              <li key={i}>{line}</li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="pitch-h">
        <h2 id="pitch-h">Your melody against the actor's</h2>
        <PitchOverlay feedback={feedback} />
      </section>
      {(feedback.timing || feedback.expressiveness) && (
        <section aria-labelledby="details-h">
          <h2 id="details-h">Details</h2>
          <table className="details">
            <thead>
              <tr>
                <th scope="col">Measure</th>
                <th scope="col">Actor</th>
                <th scope="col">You</th>
              </tr>
            </thead>
            <tbody>
              {feedback.expressiveness?.reference && (
                <>
                  <Row
                    label="Pitch range (semitones)"
                    a={feedback.expressiveness.reference.pitch_range_semitones}
                    b={feedback.expressiveness.take?.pitch_range_semitones}
                  />
                  <Row
                    label="Loudness range (dB)"
                    a={feedback.expressiveness.reference.energy_range_db}
                    b={feedback.expressiveness.take?.energy_range_db}
                  />
                  <Row
                    label="Pace (words per second)"
                    a={feedback.expressiveness.reference.speaking_rate_wps}
                    b={feedback.expressiveness.take?.speaking_rate_wps}
                  />
                  <Row
                    label="Pauses (s)"
                    a={feedback.expressiveness.reference.pause_seconds}
                    b={feedback.expressiveness.take?.pause_seconds}
                  />
                  <Row
                    label="Duration (s)"
                    a={feedback.expressiveness.reference.duration_seconds}
                    b={feedback.expressiveness.take?.duration_seconds}
                  />
                </>
              )}
            </tbody>
          </table>
          {feedback.timing?.pace_ratio !== undefined && (
            <p className="small">
              Your pace is {feedback.timing.pace_ratio.toFixed(2)}× the actor's duration (1.00 = same,
              above 1 = slower).
              {feedback.timing.mean_abs_onset_delta_seconds !== undefined && (
                <> Words start on average {seconds(feedback.timing.mean_abs_onset_delta_seconds, 2)} away from the actor's.</>
              )}
            </p>
          )}
        </section>
      )}
    </div>
  );
}

function Row({ label, a, b }: { label: string; a?: number; b?: number }) {
  const f = (v?: number) => (v === undefined ? "–" : v.toFixed(2));
  return (
    <tr>
      <th scope="row">{label}</th>
      <td>{f(a)}</td>
      <td>{f(b)}</td>
    </tr>
  );
}
